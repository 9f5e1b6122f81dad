// REGISTER handling for the upper platform (reference §1): digest challenge, verification with
// the device's own password or the global one, lockout after repeated failures, the 200 OK with
// the GB `Date` time-sync header, refresh and unregister.
import {
  DigestServer,
  FailureLockout,
  SipErrorCode,
  parseNameAddr,
  parseSipUri,
  type ServerTransaction,
  type SipRequest,
} from '../../sip/index.js';
import type { Logger } from '../../log.js';
import type { DeviceStore } from '../../store/device-store.js';
import { isGbId } from '../gb-id.js';
import { sipDateHeader } from '../gb-date.js';
import type { DeviceSessions } from './device-sessions.js';

export type RegisterFailure =
  | 'no-credentials'
  | 'bad-id'
  | 'wrong-password'
  | 'locked-out'
  | 'stale-nonce'
  | 'bad-credentials'
  | 'bad-expires';

export interface RegistrarOptions {
  realm: string;
  /** Global device password; a device's own (store) password wins over it. */
  password: string;
  store: DeviceStore;
  sessions: DeviceSessions;
  log: Logger;
  timeZone: string;
  /** Longest registration we grant; a device asking for more gets this in the 200. */
  maxExpiresSec: number;
  /** Lockout: failures per device+address within the window before a lock. */
  lockout?: { maxFailures: number; windowMs: number; lockMs: number };
  nonceTtlMs?: number;
  onFailure?(reason: RegisterFailure, deviceId: string | undefined): void;
}

/** Expires header, else the Contact's expires parameter (RFC 3261 §10.2.1.1). */
function requestedExpires(req: SipRequest): number | undefined {
  const header = req.headers.get('expires');
  if (header !== undefined) {
    return /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) : undefined;
  }
  const contact = parseNameAddr(req.headers.values('contact')[0] ?? '');
  const param = contact?.params.get('expires');
  return typeof param === 'string' && /^\d{1,10}$/.test(param) ? Number(param) : undefined;
}

export class Registrar {
  readonly #digest: DigestServer;
  readonly #lockout: FailureLockout;
  readonly #o: RegistrarOptions;

  constructor(opts: RegistrarOptions) {
    this.#o = opts;
    this.#digest = new DigestServer({
      realm: opts.realm,
      nonce: opts.nonceTtlMs ? { ttlMs: opts.nonceTtlMs } : undefined,
    });
    this.#lockout = new FailureLockout({
      maxFailures: opts.lockout?.maxFailures ?? 5,
      windowMs: opts.lockout?.windowMs ?? 10 * 60_000,
      lockMs: opts.lockout?.lockMs ?? 10 * 60_000,
    });
  }

  handle(req: SipRequest, tx: ServerTransaction): void {
    const from = parseNameAddr(req.headers.get('from') ?? '');
    // Identity comes from the From user part; the digest username may differ (reference §1.3).
    const deviceId = from && parseSipUri(from.uri)?.user;
    const log = this.#o.log.child({ deviceId, remote: `${tx.remote.address}:${tx.remote.port}` });
    if (!deviceId || !isGbId(deviceId)) {
      this.#fail(tx, 403, 'bad-id', undefined, log, 'REGISTER from a non-20-digit ID');
      return;
    }
    const lockKey = `${deviceId}|${tx.remote.address}`;
    if (this.#lockout.isLocked(lockKey)) {
      this.#fail(
        tx,
        403,
        'locked-out',
        deviceId,
        log,
        'REGISTER refused: device+address locked after repeated failures',
      );
      return;
    }
    const expires = requestedExpires(req);
    if (expires === undefined) {
      this.#fail(tx, 400, 'bad-expires', deviceId, log, 'REGISTER without a usable Expires');
      return;
    }
    const authorization = req.headers.get('authorization');
    if (!authorization) {
      tx.respond(401, 'Unauthorized', { headers: [['WWW-Authenticate', this.#digest.challenge()]] });
      return;
    }
    const device = this.#o.store.getDevice(deviceId);
    const result = this.#digest.verify({
      method: 'REGISTER',
      authorization,
      password: device?.password ?? this.#o.password,
      // A nonce stays bound to the device AND the address it was first used from, so a captured
      // REGISTER replayed from elsewhere within the nonce lifetime cannot move the device. The
      // port is left out: NAT ports change, and a device seen on a new port simply re-authenticates.
      identity: `${deviceId}@${tx.remote.address}`,
    });
    if (!result.ok) {
      switch (result.code) {
        case SipErrorCode.DIGEST_NONCE_STALE:
          this.#o.onFailure?.('stale-nonce', deviceId);
          tx.respond(401, 'Unauthorized', {
            headers: [['WWW-Authenticate', this.#digest.challenge({ stale: true })]],
          });
          return;
        case SipErrorCode.DIGEST_BAD_RESPONSE: {
          const locked = this.#lockout.recordFailure(lockKey);
          this.#fail(
            tx,
            403,
            'wrong-password',
            deviceId,
            log,
            locked ? 'wrong password; device+address now locked out' : 'wrong password',
          );
          return;
        }
        default:
          // Malformed, foreign or replayed credentials: a fresh challenge, nothing more.
          this.#o.onFailure?.('bad-credentials', deviceId);
          log.info({ code: result.code }, 'REGISTER credentials refused; challenging again');
          tx.respond(401, 'Unauthorized', { headers: [['WWW-Authenticate', this.#digest.challenge()]] });
          return;
      }
    }
    this.#lockout.recordSuccess(lockKey);
    const callId = req.headers.get('call-id') ?? '';
    const contact = req.headers.values('contact')[0];
    if (expires === 0) {
      this.#o.sessions.unregister(deviceId, 'unregistered');
      log.info('device unregistered');
      tx.respond(200, 'OK', {
        headers: [...(contact ? [['Contact', contact] as [string, string]] : []), ['Expires', '0']],
      });
      return;
    }
    const granted = Math.min(expires, this.#o.maxExpiresSec);
    this.#o.sessions.register(deviceId, tx.remote, granted, callId);
    log.info({ expires: granted, transport: tx.remote.transport }, 'device registered');
    tx.respond(200, 'OK', {
      headers: [
        ...(contact ? [['Contact', contact] as [string, string]] : []),
        ['Expires', String(granted)],
        // GB time sync: YYYY-MM-DDTHH:MM:SS.mmm in local time, not RFC 1123 (reference §1.4).
        ['Date', sipDateHeader(Date.now(), this.#o.timeZone)],
      ],
    });
  }

  #fail(
    tx: ServerTransaction,
    status: 400 | 403,
    reason: RegisterFailure,
    deviceId: string | undefined,
    log: Logger,
    message: string,
  ): void {
    log.warn({ reason }, message);
    this.#o.onFailure?.(reason, deviceId);
    tx.respond(status);
  }
}
