// The gateway's configuration: one typed object. Sources, lowest precedence first:
// defaults < config file (--config, YAML or JSON) < environment (GB_<FLAG>) < command-line flags.
// Flag names are a contract (docs/api.md §4); keys in the file use the same names.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isAddressOrCidr } from './address-match.js';
import { UpperPlatformSchema, type UpperPlatformInput } from './views/upper-platform-config.js';
import { DEFAULT_RATE_BUDGETS, type RateBudgetName, type ViewerLimits } from './limits.js';

const portRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'expected MIN-MAX, e.g. 30000-30999')
  .transform((s) => {
    const [min, max] = s.split('-').map(Number) as [number, number];
    return { min, max };
  })
  .refine((r) => r.min > 0 && r.max <= 65535 && r.min <= r.max, 'port range out of order or out of 1-65535');

/** "PER_SECOND/BURST" requests, e.g. 20/100. */
const rateBudget = z
  .string()
  .regex(/^\d+(\.\d+)?\/\d+$/, 'expected PER_SECOND/BURST, e.g. 20/100')
  .transform((s) => {
    const [perSecond, burst] = s.split('/').map(Number) as [number, number];
    return { perSecond, burst };
  })
  .refine((r) => r.perSecond > 0 && r.burst >= 1, 'a budget needs a positive rate and a burst of at least 1');

function budgetText(name: RateBudgetName): string {
  const b = DEFAULT_RATE_BUDGETS[name];
  return `${b.perSecond}/${b.burst}`;
}

/** Comma-separated IPv4/IPv6 addresses or CIDR blocks. */
const addressList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
  )
  .refine((list) => list.every(isAddressOrCidr), 'expected IP addresses or CIDR blocks, comma-separated');

const gbId = z.string().regex(/^\d{20}$/, 'a GB/T 28181 ID is exactly 20 digits');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  'sip-host': z.string().default('0.0.0.0'),
  'sip-port': int(0, 65535).default(5060),
  'sip-id': gbId.default('34020000002000000001'),
  realm: z
    .string()
    .regex(/^\d{8,10}$/, 'realm is the 10-digit SIP domain')
    .default('3402000000'),
  /** Default device password; generated at first start when absent (never a fixed default). */
  password: z.string().min(1).optional(),
  'http-host': z.string().default('127.0.0.1'),
  'http-port': int(0, 65535).default(8080),
  'media-ports': portRange.prefault('30000-30999'),
  /** Address written into SDP c= lines and ICE candidates; derived from the SIP socket when absent. */
  'public-ip': z.string().optional(),
  'data-dir': z.string().default('./data'),
  'api-token': z.string().min(16, 'an API token has at least 16 characters').optional(),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Extensions beyond the contract.
  'keepalive-interval': int(5, 3600).default(60),
  'keepalive-timeout-count': int(1, 10).default(3),
  'register-expires-max': int(60, 86400).default(3600),
  /** Lifetime of a digest nonce in seconds; an older one gets 401 stale=true (RFC 2617 §3.2.1). */
  'nonce-ttl': int(1, 3600).default(300),
  'catalog-interval': int(0, 86400).default(3600),
  timezone: z.string().default('Asia/Shanghai'),
  'idle-stop': int(0, 3600).default(30),
  'no-media-timeout': int(1, 600).default(15),
  'hls-segment': z.coerce.number().min(0.5).max(10).default(2),
  /** demand: a stream's HLS output exists while HLS clients ask for it; always: from the stream's start. */
  'hls-mode': z.enum(['demand', 'always']).default('demand'),
  'hls-idle': int(5, 3600).default(30),
  'webrtc-ports': portRange.prefault('31000-31999'),
  /** WebRTC viewer threads; 0 runs viewers on the main thread (docs/performance.md §3). */
  'media-workers': int(0, 64).default(availableParallelism()),
  'media-transport': z.enum(['udp', 'tcp-passive', 'tcp-active']).default('udp'),
  'signing-key': z.string().optional(),
  /** Lifetime of the signed WHEP/HLS URLs that live/playback return, in seconds (docs/api.md §5). */
  'media-token-ttl': int(10, 30 * 86400).default(6 * 3600),
  /** A URL past its lifetime stays good while in use, up to this many seconds after its last use. */
  'media-token-grace': int(10, 3600).default(120),
  /**
   * Origins (scheme://host[:port]) whose pages may call the API, WHEP and HLS from another origin
   * (CORS). Default: none, same-origin only. A comma-separated list, or a list in the config file.
   */
  'cors-origins': z
    .preprocess(
      originList,
      z.array(z.string().refine(isOrigin, 'expected scheme://host[:port], e.g. https://wall.example.com')),
    )
    .default([]),
  /** H.265 → H.264 for WebRTC viewers without an H.265 decoder: 'auto' = when ffmpeg is on PATH. */
  'transcode-h265': z.enum(['auto', 'on', 'off']).default('auto'),
  // Scale-out (gateway/cluster/, deploy/README.md). 'all' is one process with SQLite and no Redis.
  /** all (default): SIP + media in one process; signaling: SIP, GB28181 and the API; media: ingest, hub, WebRTC, HLS. */
  role: z.enum(['all', 'signaling', 'media']).default('all'),
  /** Redis URL (ioredis), e.g. redis://10.0.0.2:6379/0; required by --role signaling and media. */
  redis: z
    .string()
    .regex(/^rediss?:\/\//, 'expected redis://host:port[/db]')
    .optional(),
  /** This node's ID in the cluster; default the host name. Keep it stable across restarts. */
  'node-id': z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
    .optional(),
  /** The URL browsers reach this node at (WHEP/HLS URLs, redirects); default http://<public-ip>:<http-port>. */
  'advertise-http': z
    .string()
    .regex(/^https?:\/\//, 'expected http(s)://host[:port][/prefix]')
    .optional(),
  /** Seconds between media node heartbeats. */
  'heartbeat-interval': z.coerce.number().min(0.2).max(30).default(1),
  /** A media node silent this many seconds is lost: its streams are invited again elsewhere. */
  'node-timeout': z.coerce.number().min(1).max(120).default(4),
  /** Prefix of every Redis key and channel, so clusters can share one Redis. */
  'cluster-prefix': z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{0,32}$/)
    .default('gb:'),
  // Events: alarms, positions, subscriptions, the event stream, webhooks (docs/events.md).
  /**
   * Subscribed on every device's registration unless the device has its own setting
   * (PUT /api/devices/:deviceId/subscription-defaults): `none`, or a comma list of alarm,
   * mobile-position, catalog.
   */
  'subscribe-on-register': z
    .string()
    .regex(
      /^(none|(alarm|mobile-position|catalog)(,(alarm|mobile-position|catalog))*)$/,
      'none, or a comma list of alarm, mobile-position, catalog',
    )
    .default('none')
    .transform(
      (s) => (s === 'none' ? [] : [...new Set(s.split(','))]) as ('alarm' | 'mobile-position' | 'catalog')[],
    ),
  /** Expires asked for in SUBSCRIBE (seconds); refreshed before the device's grant ends. */
  'subscription-expires': int(30, 86400).default(3600),
  /** MobilePosition report interval asked for (seconds). */
  'position-interval': int(1, 3600).default(5),
  /** The same device and SN within this many seconds is one alarm. */
  'alarm-dedup-window': int(1, 86400).default(3600),
  'alarm-retention-days': int(1, 3650).default(30),
  'alarm-retention-rows': int(1000, 100_000_000).default(1_000_000),
  'position-retention-days': int(1, 3650).default(7),
  'position-retention-rows': int(1000, 100_000_000).default(5_000_000),
  /** Events kept for Last-Event-ID replay on /api/events. */
  'events-backlog': int(10, 100_000).default(1000),
  /** Seconds between SSE comment lines that keep proxies from closing an idle stream. */
  'sse-heartbeat': int(1, 300).default(15),
  /** An SSE client with more than this many KiB unsent is dropped (it reconnects with Last-Event-ID). */
  'sse-max-buffer-kb': int(16, 65536).default(1024),
  // Cloud recording (docs/recording.md).
  /** Seconds of video per recording file (cut at the next keyframe). */
  'record-slice': int(2, 3600).default(300),
  /** Bytes all recordings may take together; 0: no quota (the free-space floor still holds). */
  'record-quota': z.coerce.number().int().min(0).default(0),
  /** Free bytes kept on the recordings' file system: the oldest files go below it. */
  'record-min-free': z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024 * 1024),
  /** Device-record downloads running at once. */
  'download-max': int(1, 64).default(4),
  /** Seconds between retention sweeps (days, free space, a retry after a disk failure). */
  'record-sweep': int(1, 3600).default(60),
  /** Seconds one webhook request may take. */
  'webhook-timeout': int(1, 60).default(5),
  /** First webhook retry after about this many seconds; doubles up to 60 s. */
  'webhook-retry-base': z.coerce.number().min(0.01).max(60).default(1),
  /** Seconds a webhook event is retried before it is a dead letter. */
  'webhook-retry-max': int(10, 86400).default(600),
  /** Events waiting per webhook; beyond it new ones are dead letters. */
  'webhook-queue': int(10, 1_000_000).default(10_000),
  /** Map tiles of the web demo, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: no tiles (closed networks). */
  'map-tiles': z
    .string()
    .regex(/^(|https?:\/\/\S+)$/, 'an http(s) URL template with {z}/{x}/{y}, or empty')
    .default(''),
  /**
   * Upper platforms this gateway registers to as a lower platform (cascade), each with the channels
   * it shares: written into the database at every start (the file wins for the IDs it names).
   * In the config file a list; as a flag or GB_CASCADE, the same list as JSON.
   */
  cascade: z.preprocess(jsonText, z.array(UpperPlatformSchema)).default([]),
  /** A YAML or JSON file holding such a list (alone, or as the `cascade` key of an object). */
  'cascade-config': z.string().optional(),
  // Voice (docs/voice.md). A browser gives the microphone only to a secure context: loopback, or
  // HTTPS, which these two PEM files turn on (both or neither; checked at start).
  'tls-cert': z.string().min(1).optional(),
  'tls-key': z.string().min(1).optional(),
  /** Seconds from the Broadcast notify to the device's audio INVITE before the talk target fails. */
  'talk-invite-timeout': int(1, 9).default(8),
  // Secrets from files, so they stay out of /proc/PID/cmdline (issue #20 point 10); the
  // environment (GB_PASSWORD, GB_API_TOKEN, GB_SIGNING_KEY) works as for every flag.
  /** A file holding the default device password (first line; a trailing newline is ignored). */
  'password-file': z.string().optional(),
  /** A file holding the API token. */
  'api-token-file': z.string().optional(),
  /** A file holding the media signing key. */
  'signing-key-file': z.string().optional(),
  /** How the gateway names itself in SIP (User-Agent on requests, Server on responses). */
  'sip-user-agent': z
    .string()
    .regex(/^[\x20-\x7e]{1,128}$/, 'printable ASCII, at most 128 characters')
    .default('gb28181-gateway'),
  // HTTP budgets (issue #20 point 8): requests per second and burst, per client address.
  /** API control calls (/api/*): strict. */
  'rate-api': rateBudget.prefault(budgetText('api')),
  /** Media (HLS playlists, parts and segments; WHEP): sized for a video wall behind one address. */
  'rate-media': rateBudget.prefault(budgetText('media')),
  /** Static files of the web demo. */
  'rate-static': rateBudget.prefault(budgetText('static')),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs); from anyone
   * else the header is ignored and the client is the socket's peer. Default: none.
   */
  'trusted-proxies': addressList.prefault(''),
  // Connections and file descriptors (issue #20 point 7). 0 = derived from the open-file limit.
  /** HTTP connections open at once, in total. */
  'http-max-connections': int(0, 1_000_000).default(0),
  /** HTTP connections open at once from one client address. */
  'http-max-connections-per-client': int(1, 100_000).default(128),
  /** Seconds a client has to send a request's headers. */
  'http-headers-timeout': int(1, 600).default(10),
  /** Seconds a client has to send a whole request (headers and body). */
  'http-request-timeout': int(1, 3600).default(30),
  /** SIP-over-TCP connections open at once, in total. */
  'sip-tcp-max-connections': int(0, 1_000_000).default(0),
  /** SIP-over-TCP connections from one address. */
  'sip-tcp-max-per-client': int(1, 100_000).default(64),
  /** Seconds an inbound SIP-over-TCP connection may stay open without a registered device on it. */
  'sip-tcp-idle-timeout': int(1, 3600).default(30),
  // WebRTC viewer slots (issue #20 point 6).
  /** WebRTC viewers (connecting or connected) in the whole process. */
  'webrtc-max-viewers': int(1, 100_000).default(100),
  /** WebRTC viewers of one stream; default half the process's slots. */
  'webrtc-max-viewers-per-stream': int(0, 100_000).default(0),
  /** WebRTC viewers still connecting (ICE/DTLS unfinished) on one stream. */
  'webrtc-max-pending-per-stream': int(1, 10_000).default(8),
  /** WebRTC viewers still connecting from one client address. */
  'webrtc-max-pending-per-client': int(1, 10_000).default(16),
  /** Seconds a WebRTC viewer has to finish ICE and DTLS after the answer. */
  'webrtc-connect-timeout': int(1, 60).default(5),
  // Failure signals (issue #20 point 5).
  /** Seconds without media after which a live stream's viewers are told the camera is lost (0 = off). */
  'media-stall-timeout': z.coerce.number().min(0).max(60).default(2),
  /**
   * Keepalive intervals of silence after which a device whose every stream has gone silent is
   * offline, before keepalive-timeout-count (0 = off).
   */
  'keepalive-timeout-silent': z.coerce.number().min(0).max(10).default(1.5),
});

/** `a,b` (a flag or environment value) or a list (a config file). */
function originList(value: unknown): unknown {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
    : value;
}

function isOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === text.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** A flag or environment value carries JSON text; anything unparsable is left for zod to reject. */
function jsonText(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export type GatewayConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

const flagNames = Object.keys(ConfigSchema.shape) as (keyof GatewayConfig)[];

/** `--name value` and `--name=value`; unknown flags are an error, so typos are not silently ignored. */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new Error(`unexpected argument: ${arg}`);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new Error(`flag --${name} needs a value`);
      }
      value = next;
      i++;
    }
    out[name] = value;
  }
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of flagNames) {
    const value = env[`GB_${name.toUpperCase().replace(/-/g, '_')}`];
    if (value !== undefined && value !== '') {
      out[name] = value;
    }
  }
  return out;
}

function fromFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`config file ${path} must hold an object of flag names`);
  }
  return data as Record<string, unknown>;
}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const flags = parseFlags(argv);
  const configPath = flags.config ?? env.GB_CONFIG;
  delete flags.config;
  const unknown = Object.keys(flags).filter((k) => !flagNames.includes(k as keyof GatewayConfig));
  if (unknown.length > 0) {
    throw new Error(`unknown flag(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
  }
  const merged = secretsFromFiles({ ...(configPath ? fromFile(configPath) : {}), ...fromEnv(env), ...flags });
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/** `--password-file` and its kind: the secret is read from the file; giving both is an error. */
const SECRET_FILES = [
  ['password-file', 'password'],
  ['api-token-file', 'api-token'],
  ['signing-key-file', 'signing-key'],
] as const;

function secretsFromFiles(merged: Record<string, unknown>): Record<string, unknown> {
  const out = { ...merged };
  for (const [fileKey, key] of SECRET_FILES) {
    const path = out[fileKey];
    if (typeof path !== 'string' || path === '') {
      continue;
    }
    if (out[key] !== undefined) {
      throw new Error(`invalid configuration:\n  give --${key} or --${fileKey}, not both`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`invalid configuration:\n  --${fileKey}: ${(err as Error).message}`);
    }
    const value = text.split(/\r?\n/)[0] ?? '';
    if (value === '') {
      throw new Error(`invalid configuration:\n  --${fileKey}: ${path} is empty`);
    }
    out[key] = value;
  }
  return out;
}

/** Secrets given as command-line flags: visible to every local user in /proc/PID/cmdline. */
export function secretsOnCommandLine(argv: readonly string[]): string[] {
  const names = Object.keys(parseFlags(argv));
  return SECRET_FILES.map(([, key]) => key).filter((key) => names.includes(key));
}

/** The upper platforms of `cascade` followed by those of the `cascade-config` file. */
export function cascadeEntries(config: GatewayConfig): UpperPlatformInput[] {
  const path = config['cascade-config'];
  if (!path) {
    return config.cascade;
  }
  const data = fromFileAny(path);
  const list = Array.isArray(data) ? data : (data as { cascade?: unknown } | null)?.cascade;
  const parsed = z.array(UpperPlatformSchema).safeParse(list ?? []);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${path}: [${i.path.join('.')}] ${i.message}`);
    throw new Error(`invalid cascade configuration:\n  ${lines.join('\n  ')}`);
  }
  return [...config.cascade, ...parsed.data];
}

function fromFileAny(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

export function resolveConfig(input: ConfigInput): GatewayConfig {
  return ConfigSchema.parse(input);
}

/** The WebRTC viewer slots the configuration asks for (outputs/webrtc/viewer-slots.ts). */
export function viewerLimitsOf(config: GatewayConfig): ViewerLimits {
  const max = config['webrtc-max-viewers'];
  return {
    maxViewers: max,
    maxViewersPerStream: config['webrtc-max-viewers-per-stream'] || Math.max(1, Math.floor(max / 2)),
    maxPendingPerStream: config['webrtc-max-pending-per-stream'],
    maxPendingPerClient: config['webrtc-max-pending-per-client'],
    connectTimeoutSec: config['webrtc-connect-timeout'],
  };
}
