// Command-line flags of `npm run simulator -- …` (docs/api.md §4 "Simulator flags") parsed
// into SimulatorOptions. Pure; errors are returned, never thrown. `--flag value` and
// `--flag=value` both work; `--wrong-ssrc` takes an optional number.
import type { FaultOptions } from '../gateway/outbound/ps-rtp-sender.js';
import { isVendorName } from '../gateway/gb28181/lower/vendor-profile.js';
import { normalizeCharsetName } from '../gateway/gb28181/manscdp/charset.js';
import type { SimulatorOptions } from './options.js';
import { isSimAlarmKind, SIM_ALARM_KINDS } from './alarm-generator.js';

export interface CliOptions {
  simulator: SimulatorOptions;
  /** Stop after this many seconds; undefined runs until SIGINT/SIGTERM. */
  durationSec?: number;
  /** Print the final summary as one JSON line. */
  json: boolean;
  help: boolean;
}

export type CliParseResult = { ok: true; value: CliOptions } | { ok: false; error: string };

/** An arbitrary SSRC that no upper offered, used by `--wrong-ssrc` without a value. */
export const DEFAULT_WRONG_SSRC = 0x12345678;

export const USAGE = `Usage: npm run simulator -- --server HOST:PORT [flags]

Upper platform
  --server HOST:PORT        upper platform SIP address (default 127.0.0.1:5060)
  --server-id ID            upper platform SIP ID (default 34020000002000000001)
  --realm DOMAIN            SIP domain / digest realm (default 3402000000)
  --password PW             registration password (default 12345678)
  --transport udp|tcp       SIP transport (default udp)
Devices
  --devices N               number of simulated lower platforms (default 1)
  --channels M              channels per device (default 4)
  --device-id-base ID       first device ID; the serial advances (default 34020000001180000001)
  --vendor hikvision|dahua|generic   quirk profile (default generic)
  --charset GB2312|UTF-8    MANSCDP charset (default GB2312)
  --expires S               REGISTER Expires (default 3600)
  --keepalive S             keepalive interval (default 60)
  --catalog-page-size K     catalog items per MESSAGE (default: vendor's)
  --record-page-size K      RecordInfo items per MESSAGE (default: vendor's)
  --catalog-shuffle         send catalog/record pages out of order
  --page-duplicate P        probability of sending a page twice
  --answer-ssrc offer|own|omit   y= in the 200 answer (default: vendor's)
  --gb-version 2016|2022    edition reported (2022: X-GB-Ver 3.0, answers PTZPosition; default 2016)
  --sub-stream honour|main-only|ignore   answer to a sub-stream wish (default honour)
Media
  --media FILE              H.264/H.265 Annex-B clip (or an MPEG-PS file with its own audio);
                            repeat or comma-separate for per-channel clips
  --audio FILE              raw G.711 (A-law; µ-law for .g711u/.ulaw)   --no-audio: video only
  --sub-media FILE          sub-stream clip(s), like --media (default: the 320x180 fixtures with the
                            default clips, none with --media)   --no-sub-media: no sub-stream
Events
  --alarm-rate N            alarms per minute per device (default 0: none)
  --alarm-types LIST        comma list of ${SIM_ALARM_KINDS.join(', ')} (default all)
  --no-moving               channels stay put (no MobilePosition reports)
Faults (every stream)
  --loss P  --reorder P  --duplicate P  --jitter-ms MS  --corrupt-ps P
  --wrong-ssrc [N]          send SSRC N (default 0x12345678) instead of the answered one
  --silent-after S          stop sending media S seconds into each stream
  --block-udp               drop all UDP media (a firewall): only TCP media gets through
  --seed N                  fault PRNG seed (default 1)
Voice broadcast (the speaker logs what it hears, once a second: "speaker heard")
  --broadcast-forms rtp,ps  payloads the audio INVITE offers, in order (default: vendor's)
  --broadcast-invite source|upper   INVITE the Broadcast's SourceID or the upper's own ID
  --broadcast-transport udp|tcp-active|tcp-passive   audio transport (tcp-active: the device dials)
  --broadcast-no-invite     answer the Broadcast OK and never INVITE (a misconfigured device)
Sockets and run
  --bind HOST  --public-host HOST  --sip-port P  --devices-per-socket N  --register-spread-ms MS
  --duration S              exit after S seconds      --json   summary as JSON      --help
`;

type Handler = (value: string | undefined, o: CliOptions) => string | undefined;

const num = (v: string | undefined): number | undefined =>
  v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
const faults = (o: CliOptions): FaultOptions => (o.simulator.faults ??= {});

function numberFlag(
  set: (o: CliOptions, n: number) => void,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): Handler {
  return (v, o) => {
    const n = num(v);
    if (
      n === undefined ||
      (opts.integer && !Number.isInteger(n)) ||
      n < (opts.min ?? -Infinity) ||
      n > (opts.max ?? Infinity)
    ) {
      return `expects a${opts.integer ? 'n integer' : ' number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`;
    }
    set(o, n);
    return undefined;
  };
}

const probability = (set: (f: FaultOptions, p: number) => void): Handler =>
  numberFlag((o, n) => set(faults(o), n), { min: 0, max: 1 });
const id20 =
  (set: (o: CliOptions, id: string) => void): Handler =>
  (v, o) => {
    if (!v || !/^\d{20}$/.test(v)) {
      return 'expects a 20-digit ID';
    }
    set(o, v);
    return undefined;
  };

/** Flags that take a value. */
const VALUE_FLAGS: Record<string, Handler> = {
  server: (v, o) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v ?? '');
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      return 'expects HOST:PORT';
    }
    o.simulator.server = { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    return undefined;
  },
  'server-id': id20((o, id) => (o.simulator.serverId = id)),
  'device-id-base': id20((o, id) => (o.simulator.deviceIdBase = id)),
  realm: (v, o) => (v && /^\d{8,20}$/.test(v) ? void (o.simulator.realm = v) : 'expects 8-20 digits'),
  password: (v, o) => (v ? void (o.simulator.password = v) : 'expects a value'),
  transport: (v, o) => (v === 'udp' || v === 'tcp' ? void (o.simulator.transport = v) : 'expects udp or tcp'),
  devices: numberFlag((o, n) => (o.simulator.devices = n), { min: 1, max: 100_000, integer: true }),
  channels: numberFlag((o, n) => (o.simulator.channels = n), { min: 1, max: 999, integer: true }),
  vendor: (v, o) =>
    v && isVendorName(v) ? void (o.simulator.vendor = v) : 'expects hikvision, dahua or generic',
  charset: (v, o) => {
    const c = normalizeCharsetName(v ?? '');
    if (!c) {
      return 'expects GB2312, GBK, GB18030 or UTF-8';
    }
    o.simulator.charset = c;
    return undefined;
  },
  expires: numberFlag((o, n) => (o.simulator.expiresSec = n), { min: 1, integer: true }),
  keepalive: numberFlag((o, n) => (o.simulator.keepaliveIntervalSec = n), { min: 0.1 }),
  'catalog-page-size': numberFlag((o, n) => (o.simulator.catalogPageSize = n), { min: 1, integer: true }),
  'record-page-size': numberFlag((o, n) => (o.simulator.recordPageSize = n), { min: 1, integer: true }),
  'page-duplicate': numberFlag((o, n) => ((o.simulator.paging ??= {}).duplicate = n), { min: 0, max: 1 }),
  'answer-ssrc': (v, o) =>
    v === 'offer' || v === 'own' || v === 'omit'
      ? void (o.simulator.answerSsrc = v)
      : 'expects offer, own or omit',
  media: (v, o) => {
    const files = (v ?? '').split(',').filter(Boolean);
    if (files.length === 0) {
      return 'expects a file';
    }
    (o.simulator.media ??= []).push(...files);
    return undefined;
  },
  audio: (v, o) => (v ? void (o.simulator.audio = v) : 'expects a file'),
  'sub-media': (v, o) => {
    const files = (v ?? '').split(',').filter(Boolean);
    if (files.length === 0) {
      return 'expects a file';
    }
    (o.simulator.subMedia ??= []).push(...files);
    return undefined;
  },
  'gb-version': (v, o) =>
    v === '2016' || v === '2022' ? void (o.simulator.gbVersion = v) : 'expects 2016 or 2022',
  'sub-stream': (v, o) =>
    v === 'honour' || v === 'main-only' || v === 'ignore'
      ? void (o.simulator.subStream = v)
      : 'expects honour, main-only or ignore',
  loss: probability((f, p) => (f.loss = p)),
  reorder: probability((f, p) => (f.reorder = p)),
  duplicate: probability((f, p) => (f.duplicate = p)),
  'corrupt-ps': probability((f, p) => (f.corruptPs = p)),
  'jitter-ms': numberFlag((o, n) => (faults(o).jitterMs = n), { min: 0 }),
  'silent-after': numberFlag((o, n) => (faults(o).silentAfterSec = n), { min: 0 }),
  seed: numberFlag((o, n) => (faults(o).seed = n), { integer: true }),
  bind: (v, o) => (v ? void (o.simulator.bindHost = v) : 'expects an address'),
  'public-host': (v, o) => (v ? void (o.simulator.publicHost = v) : 'expects an address'),
  'sip-port': numberFlag((o, n) => (o.simulator.sipPort = n), { min: 0, max: 65535, integer: true }),
  'devices-per-socket': numberFlag((o, n) => (o.simulator.devicesPerSocket = n), { min: 1, integer: true }),
  'register-spread-ms': numberFlag((o, n) => (o.simulator.registerSpreadMs = n), { min: 0 }),
  duration: numberFlag((o, n) => (o.durationSec = n), { min: 0 }),
  'broadcast-forms': (v, o) => {
    const forms = (v ?? '').split(',').filter(Boolean);
    if (forms.length === 0 || !forms.every((f) => f === 'rtp' || f === 'ps')) {
      return 'expects rtp, ps or both (rtp,ps)';
    }
    (o.simulator.broadcast ??= {}).forms = forms;
    return undefined;
  },
  'broadcast-invite': (v, o) =>
    v === 'source' || v === 'upper'
      ? void ((o.simulator.broadcast ??= {}).inviteTo = v)
      : 'expects source or upper',
  'broadcast-transport': (v, o) =>
    v === 'udp' || v === 'tcp-active' || v === 'tcp-passive'
      ? void ((o.simulator.broadcast ??= {}).transport = v)
      : 'expects udp, tcp-active or tcp-passive',
  'alarm-rate': numberFlag((o, n) => (o.simulator.alarmRatePerMin = n), { min: 0, max: 60_000 }),
  'alarm-types': (v, o) => {
    const kinds = (v ?? '').split(',').filter(Boolean);
    const bad = kinds.find((k) => !isSimAlarmKind(k));
    if (kinds.length === 0 || bad !== undefined) {
      return `expects a comma list of ${SIM_ALARM_KINDS.join(', ')}`;
    }
    o.simulator.alarmTypes = kinds.filter(isSimAlarmKind);
    return undefined;
  },
};

/** Flags without a value. */
const SWITCHES: Record<string, (o: CliOptions) => void> = {
  'no-audio': (o) => (o.simulator.audio = null),
  'no-sub-media': (o) => (o.simulator.subMedia = []),
  'no-moving': (o) => (o.simulator.moving = false),
  'catalog-shuffle': (o) => ((o.simulator.paging ??= {}).shuffle = true),
  'block-udp': (o) => (faults(o).blockUdp = true),
  'broadcast-no-invite': (o) => ((o.simulator.broadcast ??= {}).invites = false),
  json: (o) => (o.json = true),
  help: (o) => (o.help = true),
  h: (o) => (o.help = true),
};

export function parseCliArgs(argv: readonly string[]): CliParseResult {
  const o: CliOptions = {
    simulator: { server: { host: '127.0.0.1', port: 5060 } },
    json: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/i.exec(arg);
    if (!m) {
      return { ok: false, error: `unexpected argument "${arg}"` };
    }
    const [, name, inline] = m;
    if (name === 'wrong-ssrc') {
      // Optional value: take the next token only when it is a number.
      const next = inline ?? (num(argv[i + 1]) !== undefined ? argv[++i] : undefined);
      const n = next === undefined ? DEFAULT_WRONG_SSRC : num(next);
      if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
        return { ok: false, error: '--wrong-ssrc expects a 32-bit integer' };
      }
      faults(o).wrongSsrc = n;
      continue;
    }
    const sw = SWITCHES[name];
    if (sw) {
      if (inline !== undefined) {
        return { ok: false, error: `--${name} takes no value` };
      }
      sw(o);
      continue;
    }
    const handler = VALUE_FLAGS[name];
    if (!handler) {
      return { ok: false, error: `unknown flag --${name}` };
    }
    const value = inline ?? argv[++i];
    const error = handler(value, o);
    if (error) {
      return { ok: false, error: `--${name} ${error}` };
    }
  }
  return { ok: true, value: o };
}
