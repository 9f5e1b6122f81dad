// REGISTER handling for the upper platform (docs/gb28181.md §1): digest challenge, verification with
// the device's own password or the global one, lockout after repeated failures (per device and
// address, and an exponential back-off per address across device IDs), the 200 OK with the GB
// `Date` time-sync header, refresh and unregister.
import {
  AuthBackoff,
  DigestServer,
  FailureLockout,
  SipErrorCode,
  formatRemote,
  parseNameAddr,
  parseSipUri,
  type AuthBackoffOptions,
  type ServerTransaction,
  type SipRequest,
} from '../../sip/index.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { DeviceStore } from '../../store/device-store.js';
import type { GbEdition } from '../../device-settings.js';
import { isGbId } from '../gb-id.js';
import { sipDateHeader } from '../gb-date.js';
import type { DeviceSessions } from './device-sessions.js';

/** Why a REGISTER was refused; metrics emit a counter per reason from the start. */
export const REGISTER_FAILURES = [
  'no-credentials',
  'bad-id',
  'wrong-password',
  'locked-out',
  'throttled',
  'stale-nonce',
  'bad-credentials',
  'bad-expires',
] as const;
export type RegisterFailure = (typeof REGISTER_FAILURES)[number];

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
  /**
   * Registration granted to a REGISTER that names no expiry (RFC 3261 §10.2.1.1 leaves it to the
   * registrar). Default 3600 s, at most maxExpiresSec.
   */
  defaultExpiresSec?: number;
  /** Lockout: failures per device+address within the window before a lock. */
  lockout?: { maxFailures: number; windowMs: number; lockMs: number };
  /** Back-off per source address, across device IDs (sip/auth-backoff.ts for the defaults). */
  addressBackoff?: AuthBackoffOptions;
  nonceTtlMs?: number;
  /** Clock in ms for the lockout and the back-off, for tests. Default Date.now. */
  now?: () => number;
  onFailure?(reason: RegisterFailure, deviceId: string | undefined): void;
}

/**
 * Expires header, else the Contact's expires parameter (RFC 3261 §10.2.1.1): the seconds asked
 * for, 'absent' when neither is there (the registrar picks), 'malformed' when one is unreadable.
 */
function requestedExpires(req: SipRequest): number | 'absent' | 'malformed' {
  const header = req.headers.get('expires');
  if (header !== undefined) {
    return /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) : 'malformed';
  }
  const contact = parseNameAddr(req.headers.values('contact')[0] ?? '');
  const param = contact?.params.get('expires');
  if (param === undefined) {
    return 'absent';
  }
  return typeof param === 'string' && /^\d{1,10}$/.test(param) ? Number(param) : 'malformed';
}

/**
 * The edition a REGISTER's `X-GB-Ver` names (2022 Annex I: 1.0 = 2011, 2.0 = 2016, 3.0 = 2022;
 * docs/gb28181.md §12); undefined when absent or unknown, which leaves a stored edition as it is.
 */
export function gbEditionOf(header: string | undefined): GbEdition | undefined {
  const major = /^\s*(\d+)(?:\.\d+)?\s*$/.exec(header ?? '')?.[1];
  return major === '1' ? '2011' : major === '2' ? '2016' : major === '3' ? '2022' : undefined;
}

export class Registrar {
  readonly #digest: DigestServer;
  readonly #lockout: FailureLockout;
  readonly #backoff: AuthBackoff;
  readonly #failures: LogThrottle;
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
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.#failures = new LogThrottle(opts.log, { linesPerWindow: 20 });
    this.#backoff = new AuthBackoff({ ...(opts.now ? { now: opts.now } : {}), ...opts.addressBackoff });
  }

  handle(req: SipRequest, tx: ServerTransaction): void {
    const from = parseNameAddr(req.headers.get('from') ?? '');
    // Identity comes from the From user part; the digest username may differ (docs/gb28181.md §1.3).
    const deviceId = from && parseSipUri(from.uri)?.user;
    const log = this.#o.log.child({ deviceId, remote: `${tx.remote.address}:${tx.remote.port}` });
    if (!deviceId || !isGbId(deviceId)) {
      this.#fail(tx, 403, 'bad-id', undefined, 'REGISTER from a non-20-digit ID');
      return;
    }
    const lockKey = `${deviceId}|${tx.remote.address}`;
    if (this.#lockout.isLocked(lockKey)) {
      this.#fail(
        tx,
        403,
        'locked-out',
        deviceId,
        'REGISTER refused: device+address locked after repeated failures',
      );
      return;
    }
    const asked = requestedExpires(req);
    if (asked === 'malformed') {
      this.#fail(tx, 400, 'bad-expires', deviceId, 'REGISTER with an unreadable Expires');
      return;
    }
    const expires = asked === 'absent' ? (this.#o.defaultExpiresSec ?? 3600) : asked;
    const authorization = req.headers.get('authorization');
    if (!authorization) {
      tx.respond(401, 'Unauthorized', {
        headers: [['WWW-Authenticate', this.#digest.challenge({ scope: tx.remote.address })]],
      });
      return;
    }
    // Checked before the digest: an answer from an address that must wait is not looked at, so
    // even the right password teaches a guesser nothing until the wait is over.
    const waitMs = this.#backoff.waitMs(tx.remote.address);
    if (waitMs > 0) {
      this.#fail(tx, 403, 'throttled', deviceId, 'REGISTER refused unchecked: address backing off', {
        waitMs,
      });
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
      // The nonce must have been sent to this IP: a guesser spoofing the source address of a
      // site (UDP) cannot count failures against it and so make its devices wait (AuthBackoff).
      scope: tx.remote.address,
    });
    if (!result.ok) {
      switch (result.code) {
        case SipErrorCode.DIGEST_NONCE_STALE:
          this.#o.onFailure?.('stale-nonce', deviceId);
          tx.respond(401, 'Unauthorized', {
            headers: [
              ['WWW-Authenticate', this.#digest.challenge({ stale: true, scope: tx.remote.address })],
            ],
          });
          return;
        case SipErrorCode.DIGEST_BAD_RESPONSE: {
          const locked = this.#lockout.recordFailure(lockKey);
          const waitMs = this.#backoff.recordFailure(tx.remote.address);
          this.#fail(
            tx,
            403,
            'wrong-password',
            deviceId,
            locked ? 'wrong password; device+address now locked out' : 'wrong password',
            waitMs > 0 ? { addressWaitMs: waitMs } : {},
          );
          return;
        }
        default:
          // Malformed, foreign or replayed credentials: a fresh challenge, nothing more.
          this.#o.onFailure?.('bad-credentials', deviceId);
          this.#failures.info(
            'bad-credentials',
            { deviceId, remote: formatRemote(tx.remote), code: result.code },
            'REGISTER credentials refused; challenging again',
          );
          tx.respond(401, 'Unauthorized', {
            headers: [['WWW-Authenticate', this.#digest.challenge({ scope: tx.remote.address })]],
          });
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
    const edition = gbEditionOf(req.headers.get('x-gb-ver'));
    this.#o.sessions.register(deviceId, tx.remote, granted, callId, edition ? { gbVersion: edition } : {});
    log.info({ expires: granted, transport: tx.remote.transport }, 'device registered');
    tx.respond(200, 'OK', {
      headers: [
        ...(contact ? [['Contact', contact] as [string, string]] : []),
        ['Expires', String(granted)],
        // GB time sync: YYYY-MM-DDTHH:MM:SS.mmm in local time, not RFC 1123 (docs/gb28181.md §1.4).
        ['Date', sipDateHeader(Date.now(), this.#o.timeZone)],
      ],
    });
  }

  /** Refuse, count, and log: a bounded number of lines per reason, as a guesser controls the rate. */
  #fail(
    tx: ServerTransaction,
    status: 400 | 403,
    reason: RegisterFailure,
    deviceId: string | undefined,
    message: string,
    fields: Record<string, unknown> = {},
  ): void {
    tx.respond(status);
    this.#o.onFailure?.(reason, deviceId);
    this.#failures.warn(reason, { reason, deviceId, remote: formatRemote(tx.remote), ...fields }, message);
  }
}
