// The REGISTER client of a lower platform (docs/gb28181.md §1; RFC 3261 §10.2, §22.2): register with
// digest, refresh before expiry on the same Call-ID, back off after failures, unregister with
// Expires: 0. Registration state is reported through a callback; nothing here throws.
import { answerDigestChallenge, parseDigestChallenge } from '../../sip/digest.js';
import { parseNameAddr } from '../../sip/headers.js';
import { newCallId, newTag } from '../../sip/ids.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { parseSipUri } from '../../sip/uri.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { UpperLink } from './upper-link.js';

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'unregistering' | 'closed';

export interface RegistrationOptions {
  link: UpperLink;
  password: string;
  /** Digest username when it differs from the device ID (docs/gb28181.md §1.3, quirk 19). Default localId. */
  authUsername?: string;
  /** Requested lifetime. Default 3600 (what devices send, docs/gb28181.md §1.4). */
  expiresSec?: number;
  /** Retry timing after timeouts and errors. */
  backoff?: BackoffOptions;
  /** Minimum wait after a 403 (2016: no sooner than 60 s, docs/gb28181.md §1.4). Default 60 000 ms. */
  forbiddenRetryMs?: number;
  /** Wait for one REGISTER transaction. Default: the SIP stack's 64·T1. */
  requestTimeoutMs?: number;
  /** Consecutive `stale=true` challenges answered before giving up on the attempt. Default 3. */
  maxStaleRetries?: number;
}

export interface RegistrationEvents {
  onState(state: RegistrationState, detail: { error?: string; status?: number }): void;
  /** A 200 OK: the granted lifetime and its Date header (time sync, docs/gb28181.md §1.4), if any. */
  onRegistered(info: { expiresSec: number; date: string | undefined }): void;
}

export class Registration {
  readonly #o: RegistrationOptions;
  readonly #events: RegistrationEvents;
  readonly #backoff: Backoff;
  /** Kept across refreshes and the unregister (docs/gb28181.md §1.4: refresh on the same Call-ID). */
  #callId: string;
  readonly #fromTag = newTag();
  #cseq = 0;
  #state: RegistrationState = 'idle';
  #timer: NodeJS.Timeout | undefined;
  /** Bumped on every new attempt; a stale attempt's result is ignored. */
  #generation = 0;
  #lastError: string | undefined;
  #expiresSec: number;

  constructor(opts: RegistrationOptions, events: RegistrationEvents) {
    this.#o = opts;
    this.#expiresSec = opts.expiresSec ?? 3600;
    this.#events = events;
    this.#backoff = new Backoff(opts.backoff);
    this.#callId = newCallId(opts.link.ua.publicHost);
  }

  get state(): RegistrationState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Lifetime asked for from the next REGISTER on (DeviceConfig BasicParam Expiration). */
  setExpires(expiresSec: number): void {
    this.#expiresSec = expiresSec;
  }

  get expiresSec(): number {
    return this.#expiresSec;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#backoff.failures;
  }

  /**
   * Register now (cancelling any scheduled refresh or retry). `newCallId` plays a device that
   * takes a fresh Call-ID for a refresh, as some firmware does (the upper platform must not take
   * that alone for a restart).
   */
  start(opts: { newCallId?: boolean } = {}): void {
    if (this.#state === 'closed' || this.#state === 'unregistering') {
      return;
    }
    if (opts.newCallId) {
      this.#callId = newCallId(this.#o.link.ua.publicHost);
    }
    this.#clearTimer();
    void this.#attempt(this.#expiresSec);
  }

  /**
   * The registration was lost (three unanswered keepalives, a closed TCP connection, docs/gb28181.md §2):
   * register again after a back-off delay.
   */
  lost(reason: string): void {
    if (this.#state === 'closed' || this.#state === 'unregistering') {
      return;
    }
    this.#fail(reason, undefined, 0);
  }

  /** Stop refreshing and retrying without a word to the upper (a device losing power). */
  halt(): void {
    this.#clearTimer();
    this.#generation++;
  }

  /** Unregister (Expires: 0) when registered, then stop. Idempotent; resolves when done or given up. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'unregistering') {
      return;
    }
    const wasRegistered = this.#state === 'registered';
    this.#clearTimer();
    this.#generation++;
    if (wasRegistered) {
      this.#setState('unregistering');
      await this.#exchange(0).catch(() => undefined);
    }
    this.#setState('closed');
  }

  async #attempt(expiresSec: number): Promise<void> {
    const generation = ++this.#generation;
    this.#setState('registering');
    const res = await this.#exchange(expiresSec);
    if (generation !== this.#generation || this.#state === 'closed') {
      return;
    }
    if (res.status >= 200 && res.status < 300) {
      this.#succeeded(res, expiresSec);
      return;
    }
    if (res.status === 302) {
      const target = parseSipUri(parseNameAddr(res.headers.values('contact')[0] ?? '')?.uri ?? '');
      if (target?.port !== undefined) {
        // 2022 §9.1.2.3 registration redirect: go to the named server at once.
        this.#o.link.redirect(target.host, target.port);
        this.#timer = setTimeout(() => void this.#attempt(expiresSec), 0);
        return;
      }
    }
    const floor = res.status === 403 ? (this.#o.forbiddenRetryMs ?? 60_000) : 0;
    this.#fail(`REGISTER answered ${res.status} ${res.reason}`, res.status, floor);
  }

  /** One REGISTER with the digest round trip(s); resolves with the last response. */
  async #exchange(expiresSec: number): Promise<SipResponse> {
    const link = this.#o.link;
    let req = this.#newRegister(expiresSec);
    let res = await link.request(req, this.#timeout());
    let staleRetries = 0;
    let answered = false;
    while (res.status === 401 || res.status === 407) {
      const header = res.headers.get(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate') ?? '';
      const challenge = parseDigestChallenge(header);
      // A second challenge after our answer is a wrong password, unless it says our nonce was
      // merely stale (RFC 2617 §3.2.1): then answer the new nonce without counting a failure.
      if (!challenge || (answered && !challenge.stale) || staleRetries > (this.#o.maxStaleRetries ?? 3)) {
        return res;
      }
      if (answered) {
        staleRetries++;
      }
      const authorization = answerDigestChallenge(challenge, {
        username: this.#o.authUsername ?? link.localId,
        password: this.#o.password,
        method: 'REGISTER',
        uri: req.uri,
      });
      if (!authorization) {
        return res;
      }
      answered = true;
      req = this.#newRegister(expiresSec, [
        [res.status === 401 ? 'Authorization' : 'Proxy-Authorization', authorization],
      ]);
      res = await link.request(req, this.#timeout());
    }
    return res;
  }

  /** §10.2: same Call-ID and From tag for every REGISTER of this binding, CSeq + 1 each time. */
  #newRegister(expiresSec: number, extra: [string, string][] = []): SipRequest {
    const link = this.#o.link;
    return link.ua.createRequest({
      method: 'REGISTER',
      requestUri: link.upperUri,
      to: link.aor,
      from: link.aor,
      fromTag: this.#fromTag,
      callId: this.#callId,
      cseq: ++this.#cseq,
      contact: link.contactUri,
      headers: [
        ['User-Agent', link.profile.userAgent],
        ['Expires', String(expiresSec)],
        // The edition a 2022 device reports (2022 Annex I; docs/gb28181.md §12).
        ...(link.profile.gbVersionHeader
          ? [['X-GB-Ver', link.profile.gbVersionHeader] as [string, string]]
          : []),
        ...extra,
      ],
    });
  }

  #succeeded(res: SipResponse, requestedSec: number): void {
    this.#backoff.reset();
    this.#lastError = undefined;
    const granted = grantedExpires(res, requestedSec);
    this.#setState('registered', { status: res.status });
    this.#events.onRegistered({ expiresSec: granted, date: res.headers.get('date') });
    // Refresh ahead of expiry: halfway for short lifetimes, a minute early for long ones.
    const refreshSec = Math.max(granted / 2, granted - 60);
    this.#timer = setTimeout(() => void this.#attempt(this.#expiresSec), refreshSec * 1000);
  }

  #fail(error: string, status: number | undefined, floorMs: number): void {
    this.#clearTimer();
    this.#generation++;
    this.#lastError = error;
    this.#setState('failed', status === undefined ? { error } : { error, status });
    const delay = this.#backoff.next(floorMs);
    this.#timer = setTimeout(() => void this.#attempt(this.#expiresSec), delay);
  }

  #timeout(): { timeoutMs?: number } {
    return this.#o.requestTimeoutMs === undefined ? {} : { timeoutMs: this.#o.requestTimeoutMs };
  }

  #setState(state: RegistrationState, detail: { error?: string; status?: number } = {}): void {
    if (this.#state === state && state !== 'failed') {
      return;
    }
    this.#state = state;
    this.#events.onState(state, detail);
  }

  #clearTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
    }
    this.#timer = undefined;
  }
}

/** The 200's Expires header, else the Contact's ;expires (RFC 3261 §10.2.4), else what we asked for. */
function grantedExpires(res: SipResponse, requested: number): number {
  const header = Number(res.headers.get('expires'));
  if (Number.isInteger(header) && header > 0) {
    return header;
  }
  const param = Number(parseNameAddr(res.headers.values('contact')[0] ?? '')?.params.get('expires'));
  if (Number.isInteger(param) && param > 0) {
    return param;
  }
  return requested;
}
