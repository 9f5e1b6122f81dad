// Client transactions (RFC 3261 §17.1): INVITE (§17.1.1, with the RFC 6026 Accepted state) and
// non-INVITE (§17.1.2). Retransmission over UDP only (Timers A and E); Timers B/F end the wait
// with a synthesized 408, a transport error with a synthesized 503 (§8.1.3.1).
import type { Logger } from '../log.js';
import { SipHeaders } from './header-list.js';
import { getTopVia, parseCSeq } from './headers.js';
import {
  createRequest,
  describeMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import type { SipRemote, SipTransportKind } from './remote.js';
import { buildResponse } from './response.js';
import { TimerSet, type SipTimers } from './timers.js';

/** What a transaction needs from the layer that owns it. */
export interface TransactionContext {
  send(message: SipMessage, remote: SipRemote, onError?: (err: Error) => void): void;
  readonly timers: SipTimers;
  readonly log: Logger;
  /** Headers every response carries unless the TU set them itself (Server). */
  readonly responseHeaders?: readonly (readonly [string, string])[];
  /** Our Contact, added to 1xx/2xx answering an INVITE when the TU gave none (§12.1.1). */
  contactFor?(transport: SipTransportKind): string;
}

export interface ClientTransactionEvents {
  onProvisional(res: SipResponse): void;
  /**
   * Exactly once: the first final response (`local` false), or a synthesized 408 on timeout or 503
   * on a transport error (`local` true).
   */
  onFinal(res: SipResponse, local: boolean): void;
  /** INVITE only: a 2xx retransmitted while Accepted; the TU re-sends its ACK (§13.2.2.4). */
  onRetransmitted2xx(res: SipResponse): void;
  /** INVITE only: a 2xx after we had already reported a timeout (a CANCEL lost the race, §9.1). */
  onLate2xx(res: SipResponse): void;
  onTerminated(tx: ClientTransaction): void;
}

export type ClientTransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export class ClientTransaction {
  readonly isInvite: boolean;
  readonly #ctx: TransactionContext;
  readonly #events: ClientTransactionEvents;
  readonly #timers = new TimerSet();
  readonly #timeoutMs: number;
  #state: ClientTransactionState;
  #ack?: SipRequest;
  #provisional = false;
  #reported = false;

  constructor(
    ctx: TransactionContext,
    readonly key: string,
    readonly request: SipRequest,
    readonly remote: SipRemote,
    events: ClientTransactionEvents,
    /** Replaces Timer B/F (64·T1) as the wait for a final response. */
    timeoutMs?: number,
  ) {
    this.#ctx = ctx;
    this.#events = events;
    this.isInvite = request.method === 'INVITE';
    this.#state = this.isInvite ? 'calling' : 'trying';
    this.#timeoutMs = timeoutMs ?? ctx.timers.transactionTimeout;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  /** True once a 1xx arrived (§9.1: a CANCEL may be sent only after that). */
  get hasProvisional(): boolean {
    return this.#provisional;
  }

  get #waiting(): boolean {
    return this.#state === 'calling' || this.#state === 'trying' || this.#state === 'proceeding';
  }

  get #reliable(): boolean {
    return this.remote.transport === 'tcp';
  }

  start(): void {
    this.#send(this.request);
    const t = this.#ctx.timers;
    if (!this.#reliable) {
      this.#armRetransmit(t.t1);
    }
    // Timer B (§17.1.1.2) / Timer F (§17.1.2.2). For INVITE it keeps running in Proceeding too, so a
    // device that sends 100 Trying and never answers still ends in 408; the TU then CANCELs
    // (docs/gb28181.md §7.3) and this transaction stays to ACK the 487 for another 64·T1.
    this.#timers.set('timeout', this.#timeoutMs, () => {
      if (!this.#waiting) {
        return;
      }
      this.#ctx.log.debug({ what: describeMessage(this.request) }, 'client transaction timed out');
      const timeout = buildResponse(this.request, 408, 'Request Timeout');
      if (!this.isInvite || this.#state !== 'proceeding') {
        this.#finish(timeout);
        return;
      }
      this.#report(timeout, true);
      this.#timers.set('grace', this.#ctx.timers.transactionTimeout, () => this.terminate());
    });
  }

  receiveResponse(res: SipResponse): void {
    if (this.#state === 'terminated') {
      return;
    }
    if (res.status < 200) {
      if (this.#state === 'calling' || this.#state === 'trying') {
        this.#state = 'proceeding';
      }
      if (this.#state !== 'proceeding') {
        return;
      }
      this.#provisional = true;
      if (this.isInvite) {
        this.#timers.clearOne('retransmit');
      } // Timer A stops in Proceeding
      if (!this.#reported) {
        this.#events.onProvisional(res);
      }
      return;
    }
    if (this.isInvite && res.status < 300) {
      if (this.#waiting) {
        // RFC 6026 §7.2: Accepted absorbs nothing; 2xx retransmissions go to the TU for a new ACK.
        this.#timers.clear();
        this.#state = 'accepted';
        if (this.#reported) {
          this.#events.onLate2xx(res);
        } else {
          this.#report(res, false);
        }
        this.#timers.set('M', this.#ctx.timers.transactionTimeout, () => this.terminate());
      } else if (this.#state === 'accepted') {
        this.#events.onRetransmitted2xx(res);
      }
      return;
    }
    if (!this.#waiting) {
      // A retransmitted final in Completed: §17.1.1.2 re-sends the ACK, §17.1.2.2 ignores it.
      if (this.#ack && this.#state === 'completed') {
        this.#send(this.#ack);
      }
      return;
    }
    this.#timers.clear();
    this.#state = 'completed';
    if (this.isInvite) {
      this.#ack = buildNon2xxAck(this.request, res);
      this.#send(this.#ack);
    }
    this.#report(res, false);
    // Timer D (INVITE) or K (non-INVITE): linger for retransmitted finals on UDP only.
    const linger = this.#reliable ? 0 : this.isInvite ? this.#ctx.timers.timerD : this.#ctx.timers.t4;
    if (linger === 0) {
      this.terminate();
    } else {
      this.#timers.set('linger', linger, () => this.terminate());
    }
  }

  /** Stop all timers and leave the table; idempotent, emits nothing else. */
  terminate(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#state = 'terminated';
    this.#timers.clear();
    this.#events.onTerminated(this);
  }

  /** Timer A doubles without bound (§17.1.1.2); Timer E doubles up to T2, and is T2 in Proceeding. */
  #armRetransmit(interval: number): void {
    this.#timers.set('retransmit', interval, () => {
      if (!this.#waiting || this.#reported) {
        return;
      }
      this.#send(this.request);
      const t = this.#ctx.timers;
      const next = this.isInvite
        ? interval * 2
        : this.#state === 'proceeding'
          ? t.t2
          : Math.min(interval * 2, t.t2);
      this.#armRetransmit(next);
    });
  }

  #send(m: SipMessage): void {
    this.#ctx.send(m, this.remote, (err) => {
      if (!this.#waiting || this.#reported) {
        return;
      }
      this.#ctx.log.debug(
        { err, what: describeMessage(this.request) },
        'transport error in client transaction',
      );
      this.#finish(buildResponse(this.request, 503, 'Service Unavailable'));
    });
  }

  /** End with a locally synthesized final response. */
  #finish(res: SipResponse): void {
    this.#timers.clear();
    this.#state = 'completed';
    this.#report(res, true);
    this.terminate();
  }

  #report(res: SipResponse, local: boolean): void {
    if (this.#reported) {
      return;
    }
    this.#reported = true;
    this.#events.onFinal(res, local);
  }
}

/**
 * §17.1.1.3: the ACK for a non-2xx final is part of the INVITE transaction: same Request-URI,
 * Call-ID, From, CSeq number and top Via (so the same branch), To from the response, the INVITE's
 * Route headers, no body.
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const via = getTopVia(invite.headers);
  if (via) {
    headers.append('Via', via.toString());
  }
  headers.append('From', invite.headers.get('from') ?? '');
  headers.append('To', res.headers.get('to') ?? invite.headers.get('to') ?? '');
  headers.append('Call-ID', invite.headers.get('call-id') ?? '');
  headers.append('CSeq', `${parseCSeq(invite.headers.get('cseq') ?? '')?.seq ?? 0} ACK`);
  for (const route of invite.headers.getAll('route')) {
    headers.append('Route', route);
  }
  headers.append('Max-Forwards', '70');
  return createRequest('ACK', invite.uri, headers);
}
