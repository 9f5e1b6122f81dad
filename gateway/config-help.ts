// `--help` text of the gateway: one line per flag with its default, drawn from ConfigSchema so
// a flag cannot exist without being explained (the Record below must name every key).
import { ConfigSchema, type GatewayConfig } from './config.js';

const MEANING: Record<keyof GatewayConfig, string> = {
  'sip-host': 'SIP listen address (UDP and TCP); media and WebRTC sockets bind there too',
  'sip-port': 'SIP port (UDP and TCP)',
  'sip-id': "the gateway's 20-digit SIP ID",
  realm: 'SIP domain / digest realm (10 digits)',
  password: 'default device password (generated at first start when absent)',
  'http-host': 'HTTP listen address (API, WHEP, HLS, web demo, metrics)',
  'http-port': 'HTTP port',
  'media-ports': 'RTP receive port range, UDP and TCP passive',
  'public-ip': 'address written into SDP c= lines and ICE candidates',
  'data-dir': 'SQLite database and generated secrets',
  'api-token': 'bearer token for the HTTP API (generated at first start when absent)',
  'log-level': 'fatal | error | warn | info | debug | trace | silent',
  'keepalive-interval': 'seconds between device keepalives we expect',
  'keepalive-timeout-count': 'missed keepalives before a device is offline',
  'register-expires-max': 'upper bound on the Expires a device may ask for (s)',
  'nonce-ttl': 'digest nonce lifetime (s); older answers get 401 stale=true',
  'catalog-interval': 'seconds between catalog re-syncs of each device (0 = only at registration)',
  timezone: 'IANA time zone of devices (GB times carry no offset)',
  'idle-stop': 'seconds a stream stays up after its last viewer leaves, then BYE',
  'no-media-timeout': 'seconds without media before a stream is closed with a diagnosis',
  'hls-segment': 'HLS target segment duration (s)',
  'hls-mode':
    "demand: a stream's HLS is built from its first HLS request (GOP cache first) | always: every stream, from its start",
  'hls-idle': 'seconds without an HLS request before a stream drops its HLS output (--hls-mode demand)',
  'webrtc-ports': 'UDP port range for WebRTC (ICE host candidates)',
  'media-workers':
    'threads that serve WebRTC viewers (default: one per core); 0 serves them on the main thread',
  'media-transport': 'first transport tried for INVITE: udp | tcp-passive | tcp-active',
  'signing-key': 'key that signs media URLs (generated when absent)',
  'media-token-ttl': 'seconds a signed WHEP/HLS URL works (6 h); in use it slides on',
  'media-token-grace': 'seconds an expired URL stays good after its last use (120)',
  'cors-origins':
    'comma-separated origins (https://wall.example) whose pages may call the gateway; default same-origin only',
  'transcode-h265':
    'H.265 to H.264 for WebRTC viewers and the HLS H.264 variant: auto (when ffmpeg exists) | on | off',
  role: 'all | signaling | media (scale-out, needs --redis)',
  redis: 'Redis URL for --role signaling/media, e.g. redis://10.0.0.2:6379/0',
  'node-id': "this node's stable ID in the cluster (default: host name)",
  'advertise-http': 'URL browsers reach this node at (default http://<public-ip>:<http-port>)',
  'heartbeat-interval': 'seconds between media node heartbeats',
  'node-timeout': 'seconds of heartbeat silence before a media node is lost',
  'cluster-prefix': 'prefix of every Redis key and channel',
  'subscribe-on-register':
    'none | comma list of alarm, mobile-position, catalog: subscribed on registration (per-device override in the API)',
  'subscription-expires': 'Expires asked for in SUBSCRIBE (s); refreshed before it runs out',
  'position-interval': 'MobilePosition report interval asked for (s)',
  'alarm-dedup-window': 'seconds within which the same device and SN is one alarm',
  'alarm-retention-days': 'alarms older than this are deleted',
  'alarm-retention-rows': 'at most this many alarms are kept',
  'position-retention-days': 'position reports older than this are deleted',
  'position-retention-rows': 'at most this many position reports are kept',
  'events-backlog': 'events kept for Last-Event-ID replay on /api/events',
  'sse-heartbeat': 'seconds between SSE keep-alive comments',
  'sse-max-buffer-kb': 'an SSE client with more unsent than this (KiB) is dropped',
  'record-slice': 'seconds of video per cloud recording file (cut at the next keyframe)',
  'record-quota': 'bytes all cloud recordings may take (0: no quota); the oldest files go first',
  'record-min-free': 'free bytes kept on the recordings file system; the oldest files go below it',
  'record-sweep': 'seconds between recording retention sweeps',
  'download-max': 'device-record downloads running at once',
  'webhook-timeout': 'seconds one webhook request may take',
  'webhook-retry-base': 'first webhook retry after about this many seconds (doubling, capped at 60 s)',
  'webhook-retry-max': 'seconds a webhook event is retried before it is a dead letter',
  'webhook-queue': 'events waiting per webhook; beyond it new ones are dead letters',
  'map-tiles':
    'tile URL template of the demo map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (empty: none)',
  cascade: 'upper platforms to register to, as a JSON list (docs/cascade.md)',
  'cascade-config': 'YAML or JSON file holding the cascade list',
  'tls-cert': 'PEM certificate (chain): serve HTTPS, which browsers need for the microphone off loopback',
  'tls-key': 'PEM private key of --tls-cert',
  'talk-invite-timeout': "seconds to wait for a device's audio INVITE after its Broadcast answer",
  'password-file': 'file holding the default device password (keeps it out of the process list)',
  'api-token-file': 'file holding the API token',
  'signing-key-file': 'file holding the media signing key',
  'sip-user-agent': 'how the gateway names itself in SIP (User-Agent, Server)',
  'rate-api': 'API requests per second/burst per client address',
  'rate-media': 'HLS and WHEP requests per second/burst per client address',
  'rate-static': 'web demo file requests per second/burst per client address',
  'trusted-proxies': 'proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated)',
  'http-max-connections': 'HTTP connections in total (0 = from the open-file limit)',
  'http-max-connections-per-client': 'HTTP connections from one client address',
  'http-headers-timeout': 'seconds a client has to send the request headers',
  'http-request-timeout': 'seconds a client has to send a whole request',
  'sip-tcp-max-connections': 'SIP-over-TCP connections in total (0 = from the open-file limit)',
  'sip-tcp-max-per-client': 'SIP-over-TCP connections from one address',
  'sip-tcp-idle-timeout': 'seconds a SIP TCP connection may stay open with no registered device on it',
  'webrtc-max-viewers': 'WebRTC viewers in total (connecting or connected)',
  'webrtc-max-viewers-per-stream': 'WebRTC viewers of one stream (0 = half of webrtc-max-viewers)',
  'webrtc-max-pending-per-stream': 'WebRTC viewers still connecting on one stream',
  'webrtc-max-pending-per-client': 'WebRTC viewers still connecting from one client address',
  'webrtc-connect-timeout': 'seconds a WebRTC viewer has to finish ICE and DTLS',
  'media-stall-timeout': 'seconds without media before viewers are told the camera is lost (0 = off)',
  'keepalive-timeout-silent':
    'keepalive intervals of silence before a device whose streams all went silent is offline (0 = off)',
};

function defaultOf(name: keyof GatewayConfig, defaults: GatewayConfig): string {
  const value = defaults[name];
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'object' && value !== null && 'min' in value && 'max' in value) {
    return `${value.min}-${value.max}`;
  }
  if (typeof value === 'object' && value !== null && 'perSecond' in value && 'burst' in value) {
    return `${value.perSecond}/${value.burst}`;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.join(',');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function gatewayUsage(): string {
  const defaults = ConfigSchema.parse({});
  const names = Object.keys(MEANING) as (keyof GatewayConfig)[];
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = names.map((name) => {
    const d = defaultOf(name, defaults);
    return `  --${name.padEnd(width)}${MEANING[name]}${d === '' ? '' : ` [${d}]`}`;
  });
  return [
    'usage: npm run gateway -- [--flag value | --flag=value]...',
    '',
    'Each flag is also read from the environment as GB_<FLAG> (dashes as underscores) and from a',
    'YAML or JSON file given by --config; flags win over the environment, which wins over the file.',
    '',
    `  --${'config'.padEnd(width)}YAML or JSON file of flag names and values`,
    ...lines,
  ].join('\n');
}
