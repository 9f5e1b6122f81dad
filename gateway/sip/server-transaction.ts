// Server transactions (RFC 3261 §17.2): INVITE (§17.2.1, with RFC 6026's Accepted state) and
// non-INVITE (§17.2.2). Retransmitted requests are absorbed and answered with the last response;
// the ACK for a non-2xx final ends the INVITE transaction and is never passed up.
import type { Logger } from '../log.js';
import type { TransactionContext } from './client-transaction.js';
import { safeCall } from './listeners.js';
import type { SipRequest, SipResponse } from './message.js';
import type { SipRemote } from './remote.js';
import { buildResponse, responseDestination, type ResponseOptions } from './response.js';
import { TimerSet } from './timers.js';

export type ServerTransactionState =
  'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type RespondOptions = Omit<ResponseOptions, 'toTag'>;

export interface ServerTransactionEvents {
  onTerminated(tx: ServerTransaction): void;
}

export class ServerTransaction {
  readonly method: string;
  readonly isInvite: boolean;
  /** Where responses go: the connection, or Via received/rport (RFC 3581). */
  readonly responseRemote: SipRemote;
  readonly #ctx: TransactionContext;
  readonly #events: ServerTransactionEvents;
  readonly #timers = new TimerSet();
  readonly #cancelCallbacks: (() => void)[] = [];
  #state: ServerTransactionState;
  #last?: SipResponse;
  #cancelled = false;

  constructor(
    ctx: TransactionContext,
    readonly key: string,
    /** The request with `received`/`rport` already on its top Via. */
    readonly request: SipRequest,
    /** Where the request came from (transport, source address, connection). */
    readonly remote: SipRemote,
    /** The To tag every response of this transaction carries (§8.2.6.2). */
    readonly toTag: string,
    events: ServerTransactionEvents,
  ) {
    this.#ctx = ctx;
    this.#events = events;
    this.method = request.method;
    this.isInvite = request.method === 'INVITE';
    this.#state = this.isInvite ? 'proceeding' : 'trying';
    this.responseRemote = responseDestination(request, remote);
  }

  get state(): ServerTransactionState {
    return this.#state;
  }

  /** True once a final (≥ 200) response was sent; later respond() calls are ignored. */
  get finalSent(): boolean {
    return this.#last !== undefined && this.#last.status >= 200;
  }

  get lastResponse(): SipResponse | undefined {
    return this.#last;
  }

  /** True when a CANCEL arrived for this INVITE (it was then answered 487 unless already final). */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  get #log(): Logger {
    return this.#ctx.log;
  }

  get #reliable(): boolean {
    return this.remote.transport === 'tcp';
  }

  /** §17.2.1: an INVITE the TU has not answered within 200 ms gets 100 Trying from us. */
  start(): void {
    if (!this.isInvite) {
      return;
    }
    this.#timers.set('trying', this.#ctx.timers.tryingDelay, () => {
      if (!this.#last && this.#state === 'proceeding') {
        this.respond(100);
      }
    });
  }

  /** Send a response; returns it, or undefined when a final was already sent (logged). */
  respond(status: number, reason?: string, opts: RespondOptions = {}): SipResponse | undefined {
    if (this.finalSent || this.#state === 'terminated') {
      this.#log.warn(
        { status, method: this.method, previous: this.#last?.status },
        'response after the final one ignored',
      );
      return undefined;
    }
    if (!Number.isInteger(status) || status < 100 || status > 699) {
      throw new RangeError(`bad SIP status ${status}`);
    }
    this.#timers.clearOne('trying');
    const res = buildResponse(this.request, status, reason, { ...opts, toTag: this.toTag });
    this.#addDefaults(res);
    this.#last = res;
    this.#send(res);
    if (status < 200) {
      if (this.#state === 'trying') {
        this.#state = 'proceeding';
      }
      return res;
    }
    const t = this.#ctx.timers;
    if (!this.isInvite) {
      this.#state = 'completed';
      this.#linger('J', this.#reliable ? 0 : t.transactionTimeout); // Timer J
    } else if (status < 300) {
      // RFC 6026 §7.1 Accepted; the UAS core retransmits the 2xx until the ACK (§13.3.1.4).
      this.#state = 'accepted';
      if (!this.#reliable) {
        this.#retransmitFinal(t.t1);
      }
      this.#timers.set('L', t.transactionTimeout, () => {
        if (this.#state === 'accepted') {
          this.#log.warn({ what: 'INVITE 2xx' }, 'no ACK for a 2xx within 64*T1');
        }
        this.terminate();
      });
    } else {
      this.#state = 'completed';
      if (!this.#reliable) {
        this.#retransmitFinal(t.t1);
      } // Timer G
      this.#timers.set('H', t.transactionTimeout, () => {
        this.#log.debug({ status }, 'no ACK for a non-2xx final (Timer H)');
        this.terminate();
      });
    }
    return res;
  }

  /** Register a callback for a CANCEL of this INVITE. */
  onCancel(cb: () => void): void {
    if (this.#cancelled) {
      safeCall(this.#log, 'onCancel', cb);
    } else {
      this.#cancelCallbacks.push(cb);
    }
  }

  /** A retransmission of the request arrived (§17.2.1, §17.2.2). */
  receiveRetransmission(): void {
    if (this.#state === 'proceeding' || this.#state === 'completed') {
      if (this.#last) {
        this.#send(this.#last);
      }
    }
    // trying: nothing to send yet; accepted/confirmed: absorbed (RFC 6026 §7.1).
  }

  /** An ACK matched this transaction. Returns true when it acknowledges a 2xx (the TU wants it). */
  receiveAck(): boolean {
    if (this.#state === 'completed' && this.isInvite) {
      this.#state = 'confirmed';
      this.#timers.clear();
      this.#linger('I', this.#reliable ? 0 : this.#ctx.timers.t4); // Timer I
      return false;
    }
    if (this.#state === 'accepted') {
      this.#timers.clearOne('retransmit');
      this.#state = 'confirmed';
      return true;
    }
    return false;
  }

  /** Called by the UA when a CANCEL matched: 487 unless a final was sent (§9.2). */
  cancel(): void {
    if (this.#cancelled) {
      return;
    }
    this.#cancelled = true;
    if (!this.finalSent) {
      this.respond(487);
    }
    for (const cb of this.#cancelCallbacks.splice(0)) {
      safeCall(this.#log, 'onCancel', cb);
    }
  }

  /** Stop timers and leave the table; idempotent. */
  terminate(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#state = 'terminated';
    this.#timers.clear();
    this.#events.onTerminated(this);
  }

  /** Timer G for non-2xx, §13.3.1.4 for 2xx: T1 doubling, capped at T2, until ACK. */
  #retransmitFinal(interval: number): void {
    this.#timers.set('retransmit', interval, () => {
      if ((this.#state !== 'completed' && this.#state !== 'accepted') || !this.#last) {
        return;
      }
      this.#send(this.#last);
      this.#retransmitFinal(Math.min(interval * 2, this.#ctx.timers.t2));
    });
  }

  /** Context defaults the TU did not set: Server, and Contact on 101–299 to INVITE (§12.1.1). */
  #addDefaults(res: SipResponse): void {
    for (const [name, value] of this.#ctx.responseHeaders ?? []) {
      if (!res.headers.has(name)) {
        res.headers.append(name, value);
      }
    }
    if (
      this.isInvite &&
      res.status > 100 &&
      res.status < 300 &&
      !res.headers.has('contact') &&
      this.#ctx.contactFor
    ) {
      res.headers.append('Contact', this.#ctx.contactFor(this.remote.transport));
    }
  }

  #linger(name: string, ms: number): void {
    if (ms === 0) {
      this.terminate();
    } else {
      this.#timers.set(name, ms, () => this.terminate());
    }
  }

  #send(res: SipResponse): void {
    this.#ctx.send(res, this.responseRemote, (err) => {
      this.#log.warn({ err, status: res.status, method: this.method }, 'could not send a response');
    });
  }
}
