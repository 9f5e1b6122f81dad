// The transaction layer (RFC 3261 §17): tables of client and server transactions, matching of
// incoming messages, and the UAS rules that sit right on top of it: CANCEL (§9.2), ACK for 2xx
// (§13.3.1.4, RFC 6026), and re-sending our ACK when a 2xx is retransmitted (§13.2.2.4).
import type { Logger } from '../log.js';
import {
  ClientTransaction,
  type ClientTransactionEvents,
  type TransactionContext,
} from './client-transaction.js';
import { parseCSeq } from './headers.js';
import { newTag } from './ids.js';
import { describeMessage, type SipMessage, type SipRequest, type SipResponse } from './message.js';
import { formatRemote, type SipRemote } from './remote.js';
import { ServerTransaction } from './server-transaction.js';
import { clientTransactionKey, serverTransactionKey } from './transaction-key.js';
import type { SipTransport } from './transport.js';

export interface TransactionUser {
  /** A new request (not a retransmission, ACK or CANCEL). Exceptions are caught: 500 if unanswered. */
  onRequest(req: SipRequest, tx: ServerTransaction): void;
  /** An ACK for a 2xx we sent, once per INVITE, or an ACK matching nothing we know. */
  onAck(ack: SipRequest, remote: SipRemote): void;
}

const ACK_CACHE_LIMIT = 2_000;

export class TransactionLayer {
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** INVITE server transactions by "Call-ID|CSeq": the ACK for a 2xx has a new branch (§17.1.1.3). */
  readonly #invitesByCallSeq = new Map<string, ServerTransaction>();
  /** ACKs we sent for 2xx, by "Call-ID|CSeq", for answering retransmitted 2xx (§13.2.2.4). */
  readonly #sentAcks = new Map<string, { ack: SipRequest; remote: SipRemote; at: number }>();
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    private readonly transport: SipTransport,
    private readonly ctx: TransactionContext,
    private readonly tu: TransactionUser,
  ) {
    this.#unsubscribe = transport.onMessage((m, remote) => this.#receive(m, remote));
  }

  get #log(): Logger {
    return this.ctx.log;
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.#clients.size, servers: this.#servers.size };
  }

  /** Start a client transaction; the request must carry its top Via already. */
  sendRequest(
    req: SipRequest,
    remote: SipRemote,
    events: Omit<ClientTransactionEvents, 'onRetransmitted2xx'>,
    timeoutMs?: number,
  ): ClientTransaction {
    const key = clientTransactionKey(req);
    if (!key) {
      throw new TypeError('request needs a top Via with a branch and a CSeq');
    }
    if (this.#clients.has(key)) {
      throw new Error(`a client transaction for ${key} already exists; create a new request`);
    }
    if (this.#closed) {
      throw new Error('transaction layer closed');
    }
    const tx = new ClientTransaction(
      this.ctx,
      key,
      req,
      remote,
      {
        ...events,
        onRetransmitted2xx: (res) => this.#resendAck(res),
        onTerminated: (t) => {
          if (this.#clients.get(t.key) === t) {
            this.#clients.delete(t.key);
          }
          events.onTerminated(t);
        },
      },
      timeoutMs,
    );
    this.#clients.set(key, tx);
    tx.start();
    return tx;
  }

  findClient(req: SipRequest): ClientTransaction | undefined {
    const key = clientTransactionKey(req);
    return key ? this.#clients.get(key) : undefined;
  }

  /** Send an ACK for a 2xx (not a transaction) and remember it for retransmitted 2xx. */
  sendAck(ack: SipRequest, remote: SipRemote): void {
    this.transport.send(ack, remote);
    const now = Date.now();
    const horizon = now - this.ctx.timers.transactionTimeout;
    for (const [k, v] of this.#sentAcks) {
      if (v.at >= horizon && this.#sentAcks.size < ACK_CACHE_LIMIT) {
        break;
      }
      this.#sentAcks.delete(k);
    }
    this.#sentAcks.set(callSeqKey(ack), { ack, remote, at: now });
  }

  /** Terminate every transaction (pending client requests then settle as closed). Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#unsubscribe();
    for (const tx of [...this.#clients.values()]) {
      tx.terminate();
    }
    for (const tx of [...this.#servers.values()]) {
      tx.terminate();
    }
    this.#sentAcks.clear();
  }

  #receive(m: SipMessage, remote: SipRemote): void {
    if (this.#closed) {
      return;
    }
    if (m.kind === 'response') {
      this.#receiveResponse(m, remote);
    } else if (m.method === 'ACK') {
      this.#receiveAck(m, remote);
    } else {
      this.#receiveRequest(m, remote);
    }
  }

  #receiveResponse(res: SipResponse, remote: SipRemote): void {
    const key = clientTransactionKey(res);
    const tx = key ? this.#clients.get(key) : undefined;
    if (tx) {
      tx.receiveResponse(res);
      return;
    }
    if (
      res.status >= 200 &&
      res.status < 300 &&
      parseCSeq(res.headers.get('cseq') ?? '')?.method === 'INVITE'
    ) {
      this.#resendAck(res);
      return;
    }
    this.#log.debug(
      { what: describeMessage(res), remote: formatRemote(remote) },
      'response matches no transaction; dropped',
    );
  }

  #receiveRequest(req: SipRequest, remote: SipRemote): void {
    const key = serverTransactionKey(req);
    if (!key) {
      return;
    } // the parser guarantees Via and CSeq; defensive only
    const existing = this.#servers.get(key);
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    const tx = new ServerTransaction(this.ctx, key, req, remote, newTag(), {
      onTerminated: (t) => {
        if (this.#servers.get(t.key) === t) {
          this.#servers.delete(t.key);
        }
        const cs = callSeqKey(t.request);
        if (this.#invitesByCallSeq.get(cs) === t) {
          this.#invitesByCallSeq.delete(cs);
        }
      },
    });
    this.#servers.set(key, tx);
    if (tx.isInvite) {
      this.#invitesByCallSeq.set(callSeqKey(req), tx);
    }
    tx.start();
    if (req.method === 'CANCEL') {
      this.#receiveCancel(req, tx);
      return;
    }
    try {
      this.tu.onRequest(req, tx);
    } catch (err) {
      this.#log.error({ err, what: describeMessage(req) }, 'request handler threw');
      if (!tx.finalSent) {
        tx.respond(500);
      }
    }
  }

  /** §9.2: 200 to the CANCEL and 487 to the INVITE it names, or 481 when there is none. */
  #receiveCancel(cancel: SipRequest, cancelTx: ServerTransaction): void {
    const inviteKey = serverTransactionKey({ ...cancel, method: 'INVITE' });
    const invite = inviteKey ? this.#servers.get(inviteKey) : undefined;
    if (!invite) {
      cancelTx.respond(481);
      return;
    }
    cancelTx.respond(200);
    invite.cancel();
  }

  #receiveAck(ack: SipRequest, remote: SipRemote): void {
    const key = serverTransactionKey(ack);
    const sameBranch = key ? this.#servers.get(key) : undefined;
    const tx = sameBranch ?? this.#invitesByCallSeq.get(callSeqKey(ack));
    if (tx) {
      // Non-2xx ACKs are absorbed; an ACK for our 2xx goes up once, retransmitted ACKs do not.
      if (tx.receiveAck()) {
        this.#safeAck(ack, remote);
      }
      return;
    }
    this.#safeAck(ack, remote);
  }

  #safeAck(ack: SipRequest, remote: SipRemote): void {
    try {
      this.tu.onAck(ack, remote);
    } catch (err) {
      this.#log.error({ err }, 'ACK handler threw');
    }
  }

  #resendAck(res: SipResponse): void {
    const sent = this.#sentAcks.get(callSeqKey(res));
    if (sent) {
      this.transport.send(sent.ack, sent.remote);
    }
  }
}

function callSeqKey(m: SipMessage): string {
  return `${m.headers.get('call-id') ?? ''}|${parseCSeq(m.headers.get('cseq') ?? '')?.seq ?? ''}`;
}
