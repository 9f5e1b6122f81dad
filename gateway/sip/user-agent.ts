// SipUserAgent: the façade gb28181/ and simulator/ build on. It builds requests (RFC 3261 §8.1.1),
// runs them as client transactions, hands incoming requests to one handler with their server
// transaction, and sends ACK (§13.2.2.4) and CANCEL (§9.1). Works as UAC and UAS over UDP and TCP.
import { createLogger, type Logger } from '../log.js';
import type { TransactionContext } from './client-transaction.js';
import { targetAtRemote } from './dialog.js';
import { headerPairs, SipHeaders, type HeaderInit } from './header-list.js';
import { getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import { newBranch, newCallId, newTag } from './ids.js';
import { safeCall } from './listeners.js';
import { createRequest, toBodyBytes, type SipRequest, type SipResponse } from './message.js';
import type { SipRemote, SipTransportKind } from './remote.js';
import { buildResponse } from './response.js';
import type { ServerTransaction } from './server-transaction.js';
import { resolveTimers, type SipTimerOptions } from './timers.js';
import { TransactionLayer } from './transaction-layer.js';
import type { SipTransport } from './transport.js';
import { formatHostPort } from './uri.js';

export interface SipUserAgentOptions {
  transport: SipTransport;
  /** Our 20-digit SIP ID (GB/T 28181 coding rule, docs/gb28181.md §3.4). */
  localId: string;
  /** SIP domain written after '@' in our From, e.g. '3402000000'. */
  domain: string;
  /** Host written into Via and Contact: the address devices reach us at. */
  publicHost: string;
  /** Port written into Via and Contact. Default: the transport's port. */
  publicPort?: number;
  /** How we name ourselves: User-Agent on requests, Server on responses; neither when absent. */
  userAgent?: string;
  timers?: SipTimerOptions;
  log?: Logger;
}

export interface CreateRequestOptions {
  method: string;
  requestUri: string;
  /** The To URI ('sip:…'), or a full name-addr ('<sip:…>;tag=…'). */
  to: string;
  /** The From URI; default sip:<localId>@<domain>. A fresh tag is always added unless fromTag is set. */
  from?: string;
  fromTag?: string;
  /** Default: a fresh one (§8.1.1.4). */
  callId?: string;
  /** Default 1. */
  cseq?: number;
  /** Contact URI; default ours; false for none. */
  contact?: string | false;
  /** Extra headers, after the standard ones (Subject, Expires, Authorization, …). */
  headers?: HeaderInit;
  body?: Uint8Array | string;
  contentType?: string;
  /** Write the Via now for this transport; otherwise request() writes it for the remote's transport. */
  transport?: SipTransportKind;
}

export interface RequestOptions {
  /** Called for each 1xx; exceptions are logged. */
  onProvisional?: (res: SipResponse) => void;
  /** Replaces the 64·T1 wait (Timer B/F). For INVITE, a CANCEL follows when a 1xx had arrived. */
  timeoutMs?: number;
}

export class SipUserAgent {
  readonly transport: SipTransport;
  readonly localId: string;
  readonly domain: string;
  readonly publicHost: string;
  readonly publicPort: number;
  readonly #log: Logger;
  readonly #layer: TransactionLayer;
  readonly #userAgent?: string;
  #handler?: (req: SipRequest, tx: ServerTransaction) => void;
  #ackHandler?: (ack: SipRequest, remote: SipRemote) => void;
  /** INVITEs whose CANCEL waits for a provisional response (§9.1). */
  readonly #cancelWhenProvisional = new Set<SipRequest>();
  #closed = false;

  constructor(opts: SipUserAgentOptions) {
    this.transport = opts.transport;
    this.localId = opts.localId;
    this.domain = opts.domain;
    this.publicHost = opts.publicHost;
    this.publicPort = opts.publicPort ?? opts.transport.port;
    this.#userAgent = opts.userAgent;
    this.#log = opts.log ?? createLogger('sip-ua');
    const ctx: TransactionContext = {
      send: (m, remote, onError) => this.transport.send(m, remote, onError),
      timers: resolveTimers(opts.timers),
      log: this.#log,
      // A UAS names itself in Server, a UAC in User-Agent (RFC 3261 §20.35, §20.41).
      responseHeaders: opts.userAgent ? [['Server', opts.userAgent]] : [],
      contactFor: (t) => `<${this.contactUri(t)}>`,
    };
    this.#layer = new TransactionLayer(this.transport, ctx, {
      onRequest: (req, tx) => {
        if (this.#handler) {
          this.#handler(req, tx);
        } else {
          tx.respond(501);
        }
      },
      onAck: (ack, remote) => this.#ackHandler?.(ack, remote),
    });
  }

  /** Our URI for From: sip:<localId>@<domain>. */
  get aor(): string {
    return `sip:${this.localId}@${this.domain}`;
  }

  /** Our Contact URI: sip:<localId>@<publicHost>:<publicPort>, with ;transport=tcp over TCP. */
  contactUri(transport: SipTransportKind = 'udp'): string {
    const t = transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${this.localId}@${formatHostPort(this.publicHost, this.publicPort)}${t}`;
  }

  /**
   * The one handler for incoming requests (a second call replaces it). Retransmissions, CANCEL and
   * ACK never reach it; respond through `tx`. A handler that throws gets 500 sent for it.
   */
  onRequest(handler: (req: SipRequest, tx: ServerTransaction) => void): void {
    this.#handler = handler;
  }

  /** ACK for a 2xx we sent to an INVITE (once per INVITE). */
  onAck(handler: (ack: SipRequest, remote: SipRemote) => void): void {
    this.#ackHandler = handler;
  }

  /** A new out-of-dialog request (§8.1.1); Via is written by request() unless `transport` is given. */
  createRequest(o: CreateRequestOptions): SipRequest {
    const headers = new SipHeaders();
    if (o.transport) {
      headers.append('Via', this.#via(o.transport));
    }
    headers.append('From', `<${o.from ?? this.aor}>;tag=${o.fromTag ?? newTag()}`);
    headers.append('To', o.to.includes('<') ? o.to : `<${o.to}>`);
    headers.append('Call-ID', o.callId ?? newCallId(this.publicHost));
    headers.append('CSeq', `${o.cseq ?? 1} ${o.method}`);
    if (o.contact !== false) {
      headers.append('Contact', `<${o.contact ?? this.contactUri(o.transport)}>`);
    }
    headers.append('Max-Forwards', '70');
    if (this.#userAgent) {
      headers.append('User-Agent', this.#userAgent);
    }
    for (const [name, value] of headerPairs(o.headers)) {
      headers.append(name, value);
    }
    const body = toBodyBytes(o.body);
    if (body.length > 0 && o.contentType) {
      headers.set('Content-Type', o.contentType);
    }
    return createRequest(o.method, o.requestUri, headers, body);
  }

  /**
   * The same request again as a new transaction: CSeq + 1, no Via (a new branch is written on
   * send), headers set or replaced from `set` (e.g. Authorization after a 401, docs/gb28181.md §1.1).
   */
  createFollowUp(previous: SipRequest, set?: HeaderInit): SipRequest {
    const headers = previous.headers.clone();
    headers.remove('via');
    const cseq = parseCSeq(headers.get('cseq') ?? '');
    headers.set('CSeq', `${(cseq?.seq ?? 0) + 1} ${previous.method}`);
    for (const [name, value] of headerPairs(set)) {
      headers.set(name, value);
    }
    return createRequest(previous.method, previous.uri, headers, previous.body);
  }

  /**
   * Send `req` as a client transaction to `remote`. Resolves with the final response: the real one,
   * a synthesized 408 on timeout, or 503 on a transport error or close. Never rejects for network
   * reasons; rejects only on misuse (ACK, or a request already in flight).
   */
  request(req: SipRequest, remote: SipRemote, opts: RequestOptions = {}): Promise<SipResponse> {
    if (req.method === 'ACK') {
      return Promise.reject(new TypeError('ACK is not a transaction; use sendAck()'));
    }
    if (this.#closed) {
      return Promise.resolve(buildResponse(req, 503, 'Service Unavailable'));
    }
    if (!req.headers.has('via')) {
      req.headers.prepend('Via', this.#via(remote.transport));
      // createRequest() without a transport wrote our UDP Contact; say TCP when it goes over TCP.
      if (remote.transport === 'tcp' && req.headers.get('contact') === `<${this.contactUri('udp')}>`) {
        req.headers.set('Contact', `<${this.contactUri('tcp')}>`);
      }
    }
    return new Promise<SipResponse>((resolve, reject) => {
      let settled = false;
      const settle = (res: SipResponse): void => {
        if (settled) {
          return;
        }
        settled = true;
        this.#cancelWhenProvisional.delete(req);
        resolve(res);
      };
      try {
        this.#layer.sendRequest(
          req,
          remote,
          {
            onProvisional: (res) => {
              if (this.#cancelWhenProvisional.delete(req)) {
                this.#sendCancel(req, remote);
              }
              safeCall(this.#log, 'onProvisional', opts.onProvisional, res);
            },
            onFinal: (res, local) => {
              if (
                local &&
                res.status === 408 &&
                req.method === 'INVITE' &&
                this.#layer.findClient(req)?.hasProvisional
              ) {
                this.#sendCancel(req, remote); // docs/gb28181.md §7.3: no final answer in time ⇒ CANCEL
              }
              settle(res);
            },
            onLate2xx: (res) => this.#hangUpLate2xx(req, res, remote),
            onTerminated: () => settle(buildResponse(req, 503, 'Service Unavailable')),
          },
          opts.timeoutMs,
        );
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /**
   * ACK a 2xx to our INVITE (§13.2.2.4): new branch, the INVITE's CSeq number, To from the 2xx,
   * Request-URI = the 2xx Contact (remote target) at the host:port `remote` names. It goes to
   * `remote` (where the device was seen, docs/gb28181.md §7.3) and is re-sent for retransmitted 2xx.
   */
  sendAck(
    invite: SipRequest,
    response: SipResponse,
    remote: SipRemote,
    opts: { body?: Uint8Array | string; contentType?: string } = {},
  ): SipRequest {
    const contact = parseNameAddr(response.headers.values('contact')[0] ?? '')?.uri;
    const target = contact ? targetAtRemote(contact, remote) : invite.uri;
    const headers = new SipHeaders();
    headers.append('Via', this.#via(remote.transport));
    headers.append('From', invite.headers.get('from') ?? '');
    headers.append('To', response.headers.get('to') ?? '');
    headers.append('Call-ID', invite.headers.get('call-id') ?? '');
    headers.append('CSeq', `${parseCSeq(invite.headers.get('cseq') ?? '')?.seq ?? 0} ACK`);
    headers.append('Max-Forwards', '70');
    if (this.#userAgent) {
      headers.append('User-Agent', this.#userAgent);
    }
    const body = toBodyBytes(opts.body);
    if (body.length > 0 && opts.contentType) {
      headers.append('Content-Type', opts.contentType);
    }
    const ack = createRequest('ACK', target, headers, body);
    this.#layer.sendAck(ack, remote);
    return ack;
  }

  /**
   * CANCEL a pending INVITE (§9.1). Sent at once when a provisional response has arrived, else as
   * soon as one does; a no-op once the INVITE has a final response. The INVITE's own promise then
   * settles with 487 (or whatever final the device sends).
   */
  cancel(invite: SipRequest): void {
    const tx = this.#layer.findClient(invite);
    if (!tx || (tx.state !== 'calling' && tx.state !== 'proceeding')) {
      return;
    }
    if (tx.hasProvisional) {
      this.#sendCancel(invite, tx.remote);
    } else {
      this.#cancelWhenProvisional.add(invite);
    }
  }

  /** Stops every transaction and timer and detaches from the transport (which its owner closes). Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#layer.close();
      this.#cancelWhenProvisional.clear();
    }
    return Promise.resolve();
  }

  /** §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via (branch) as the INVITE. */
  #sendCancel(invite: SipRequest, remote: SipRemote): void {
    const headers = new SipHeaders();
    const via = getTopVia(invite.headers);
    if (via) {
      headers.append('Via', via.toString());
    }
    for (const name of ['From', 'To', 'Call-ID']) {
      headers.append(name, invite.headers.get(name) ?? '');
    }
    headers.append('CSeq', `${parseCSeq(invite.headers.get('cseq') ?? '')?.seq ?? 0} CANCEL`);
    for (const route of invite.headers.getAll('route')) {
      headers.append('Route', route);
    }
    headers.append('Max-Forwards', '70');
    const cancel = createRequest('CANCEL', invite.uri, headers);
    this.request(cancel, remote).then(
      (res) => this.#log.debug({ status: res.status }, 'CANCEL answered'),
      (err: unknown) => this.#log.warn({ err }, 'CANCEL not sent'),
    );
  }

  /** A 2xx that arrived after we reported a timeout: ACK it, then BYE the unwanted dialog (§15). */
  #hangUpLate2xx(invite: SipRequest, res: SipResponse, remote: SipRemote): void {
    const ack = this.sendAck(invite, res, remote);
    const headers = new SipHeaders();
    for (const name of ['From', 'To', 'Call-ID']) {
      headers.append(name, ack.headers.get(name) ?? '');
    }
    headers.append('CSeq', `${(parseCSeq(invite.headers.get('cseq') ?? '')?.seq ?? 0) + 1} BYE`);
    headers.append('Max-Forwards', '70');
    this.request(createRequest('BYE', ack.uri, headers), remote).then(
      (r) => this.#log.info({ status: r.status }, 'hung up a 2xx that came after the INVITE timed out'),
      (err: unknown) => this.#log.warn({ err }, 'BYE after a late 2xx not sent'),
    );
  }

  /** §8.1.1.7 and RFC 3581 §3: our sent-by, a fresh branch, and an empty rport to ask for NAT help. */
  #via(transport: SipTransportKind): string {
    return `SIP/2.0/${transport.toUpperCase()} ${formatHostPort(this.publicHost, this.publicPort)};rport;branch=${newBranch()}`;
  }
}
