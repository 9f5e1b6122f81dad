// Device → upper MESSAGE and NOTIFY (docs/gb28181.md §0, §2, §3): the sender is checked first, so the
// XML parser only ever sees bodies from a registered device at its registered address or from
// inside one of our dialogs; answered 200 at once (before handling, or UDP retransmissions
// duplicate pages), deduplicated, then routed by root + CmdType.
//
// A registered ID sent from another address is refused exactly as an unknown ID is (same status,
// same headers, no parse, no state change): otherwise one forged keepalive moved the device's
// binding to its sender (issue #20 point 1), and the 200-or-403 answer listed every registered
// ID to anyone probing (issue #20 point 2).
import type { ServerTransaction, SipRequest } from '../../sip/index.js';
import { formatRemote, parseNameAddr, parseSipUri } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import {
  parseManscdp,
  type ManscdpMessage,
  type ManscdpParseOptions,
  type ManscdpParseResult,
} from '../manscdp/codec.js';
import type { ManscdpCharset } from '../manscdp/charset.js';
import type { DeviceSession, DeviceSessions } from './device-sessions.js';
import { mentionsKeepalive, parseKeepaliveFast } from './keepalive-fast-path.js';

export interface InboxHandlers {
  /** A parsed message from a registered device. */
  onMessage(message: ManscdpMessage, session: DeviceSession, req: SipRequest): void;
  /** Whether the Call-ID is one of our INVITE dialogs: its MESSAGEs are parsed whoever sends them. */
  isDialog?(callId: string): boolean;
  /** In-dialog MESSAGE (MediaStatus 121 of a playback) looked up by Call-ID first (docs/gb28181.md §8.2). */
  onDialogMessage?(callId: string, message: ManscdpMessage): boolean;
}

export type ManscdpParser = (body: Uint8Array, options?: ManscdpParseOptions) => ManscdpParseResult;

/** Bounded memory of (Call-ID, CSeq) pairs already handled: duplicates with new branches happen. */
class RecentKeys {
  readonly #keys = new Set<string>();
  constructor(private readonly max: number) {}
  seen(key: string): boolean {
    if (this.#keys.has(key)) {
      return true;
    }
    this.#keys.add(key);
    if (this.#keys.size > this.max) {
      this.#keys.delete(this.#keys.values().next().value!);
    }
    return false;
  }
}

export class Inbox {
  readonly #recent = new RecentKeys(4096);
  readonly stats = { received: 0, duplicates: 0, malformed: 0, unknownDevice: 0 };
  /** Refusals are the prober's and the forger's doing: a bounded number of lines. */
  readonly #refusals: LogThrottle;

  constructor(
    private readonly sessions: DeviceSessions,
    private readonly handlers: InboxHandlers,
    private readonly log: Logger,
    /** The full MANSCDP parser; replaceable so tests can count what reaches it. */
    private readonly parse: ManscdpParser = parseManscdp,
  ) {
    this.#refusals = new LogThrottle(log, { linesPerWindow: 20 });
  }

  handle(req: SipRequest, tx: ServerTransaction): void {
    this.stats.received++;
    const from = parseNameAddr(req.headers.get('from') ?? '');
    const deviceId = from ? parseSipUri(from.uri)?.user : undefined;
    const callId = req.headers.get('call-id') ?? '';
    // The canonical ASCII keepalive is read by a bounded scan, never by the XML parser.
    const fast = parseKeepaliveFast(req.body);
    // A registered device at its registered address (the port may change: NAT).
    const known = deviceId === undefined ? undefined : this.sessions.boundSession(deviceId, tx.remote);
    // In-dialog messages count as known: Hikvision's MediaStatus From is not the device ID
    // (docs/gb28181.md §11 #10). Anyone else is refused before the body is parsed.
    if (!known && !this.handlers.isDialog?.(callId)) {
      this.#refuseUnknown(tx, deviceId, fast !== undefined || mentionsKeepalive(req.body));
      return;
    }
    const forced = known?.charsetSetting;
    const parsed: ManscdpParseResult = fast
      ? { ok: true, value: fast }
      : this.parse(req.body, forced ? { charset: decodingOf(forced) } : {});
    const message = parsed.ok ? parsed.value.message : undefined;
    const isKeepalive = message?.kind === 'Keepalive';
    const session = known ? this.sessions.touch(known.deviceId, tx.remote, isKeepalive) : undefined;

    if (message && this.handlers.onDialogMessage?.(callId, message)) {
      tx.respond(200);
      return;
    }
    if (!session) {
      this.#refuseUnknown(tx, deviceId, isKeepalive);
      return;
    }
    // 200 every keepalive, even a malformed one (docs/gb28181.md §2, wvp #657).
    tx.respond(200);
    if (!parsed.ok) {
      this.stats.malformed++;
      this.log.warn({ deviceId, error: parsed.error, detail: parsed.detail }, 'unreadable MANSCDP body');
      return;
    }
    if (this.#recent.seen(`${callId}|${req.headers.get('cseq') ?? ''}`)) {
      this.stats.duplicates++;
      return;
    }
    // Reply in the charset the device writes (docs/gb28181.md §0), unless the operator fixed one.
    const declared = parsed.value.charset.declared;
    session.charset =
      session.charsetSetting ??
      (parsed.value.charset.decodedAs === 'utf-8' && declared === 'UTF-8'
        ? 'UTF-8'
        : (declared ?? session.charset));
    try {
      this.handlers.onMessage(parsed.value.message, session, req);
    } catch (err) {
      this.log.error({ err, deviceId }, 'MANSCDP handler failed');
    }
  }

  /**
   * No live registration at this address: a keepalive gets 404, which makes the device register
   * again (wvp's choice), anything else 403. The answer depends on the body only, never on
   * whether the ID is registered elsewhere; the log line (rate-limited) tells the two apart.
   */
  #refuseUnknown(tx: ServerTransaction, deviceId: string | undefined, keepalive: boolean): void {
    this.stats.unknownDevice++;
    tx.respond(keepalive ? 404 : 403);
    const registered = deviceId === undefined ? undefined : this.sessions.get(deviceId);
    if (registered) {
      this.#refusals.warn(
        'not-at-binding',
        { deviceId, keepalive, from: formatRemote(tx.remote), binding: formatRemote(registered.remote) },
        'MESSAGE with a registered device ID from another address: refused, binding unchanged',
      );
    } else {
      this.#refusals.info(
        'unregistered',
        { deviceId, keepalive },
        'MESSAGE from a device with no live registration',
      );
    }
  }
}

/** A fixed charset as a decoding override: GB2312 and GBK bodies are read as their superset GB18030. */
function decodingOf(charset: ManscdpCharset): 'utf-8' | 'gb18030' {
  return charset === 'UTF-8' ? 'utf-8' : 'gb18030';
}
