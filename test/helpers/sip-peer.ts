// A scripted device or lower platform on the gateway's own SIP stack (used only as a transport
// and transaction engine; the upper-platform logic under test is not involved): the test writes
// every REGISTER, MESSAGE and answer itself. It binds any loopback address (127.0.0.1 and
// 127.0.0.2 are two device addresses on Linux) and hands back what was sent, so a security test
// can replay a captured Authorization.
import {
  SipTransport,
  SipUserAgent,
  answerDigestChallenge,
  type SipRemote,
  type SipRequest,
  type SipResponse,
  type ServerTransaction,
} from '../../gateway/sip/index.js';
import { keepaliveBody } from './manscdp-bodies.js';

export const SERVER_ID = '34020000002000000001';
export const REALM = '3402000000';
/** The gateway's Request-URI for REGISTER and MESSAGE (docs/gb28181.md §1.1). */
export const SERVER_URI = `sip:${SERVER_ID}@${REALM}`;

export interface RegisterResult {
  challenge: SipResponse;
  /** The REGISTER that answered the challenge, when there was one. */
  authorized?: SipRequest;
  final: SipResponse;
}

export interface IncomingQuery {
  cmdType: string;
  sn: string;
  callId: string;
  req: SipRequest;
}

/**
 * A lower platform the test drives message by message over the gateway's own SIP stack (used here
 * only as a transport + transaction engine; the upper-platform logic under test is not involved).
 * Incoming MESSAGEs get 200 at once and are queued as queries; INVITEs get 488 unless handled.
 */
export class SipPeer {
  readonly queries: IncomingQuery[] = [];
  #keepaliveSn = 0;
  #waiters: (() => void)[] = [];
  onInvite: ((req: SipRequest, tx: ServerTransaction) => void) | undefined;
  /** Sees every request first; return true when it answered it (SUBSCRIBE, in-dialog requests). */
  onRequest: ((req: SipRequest, tx: ServerTransaction) => boolean) | undefined;
  /** Leave incoming MESSAGEs unanswered (no 200), like a device that ignores the upper. */
  ignoreMessages = false;

  private constructor(
    readonly deviceId: string,
    readonly transport: SipTransport,
    readonly ua: SipUserAgent,
    readonly gateway: SipRemote,
    readonly password: string,
  ) {
    ua.onRequest((req, tx) => this.#onRequest(req, tx));
  }

  static async start(o: {
    deviceId: string;
    password: string;
    gatewayPort: number;
    transport?: 'udp' | 'tcp';
    /** The loopback address the peer binds and sends from. Default 127.0.0.1. */
    host?: string;
  }): Promise<SipPeer> {
    const host = o.host ?? '127.0.0.1';
    const transport = await SipTransport.listen({ host, port: 0 });
    const ua = new SipUserAgent({ transport, localId: o.deviceId, domain: REALM, publicHost: host });
    const gateway: SipRemote = { transport: o.transport ?? 'udp', address: '127.0.0.1', port: o.gatewayPort };
    return new SipPeer(o.deviceId, transport, ua, gateway, o.password);
  }

  /** REGISTER, answer the 401 (docs/gb28181.md §1.1); the answers and the authorized REGISTER. */
  async register(o: { password?: string; expires?: number } = {}): Promise<RegisterResult> {
    const first = this.ua.createRequest({
      method: 'REGISTER',
      requestUri: SERVER_URI,
      to: `sip:${this.deviceId}@${REALM}`,
      headers: [['Expires', String(o.expires ?? 3600)]],
    });
    const challenge = await this.ua.request(first, this.gateway);
    if (challenge.status !== 401) {
      return { challenge, final: challenge };
    }
    const authorized = this.#authorized(first, challenge, o.password);
    return { challenge, authorized, final: await this.ua.request(authorized, this.gateway) };
  }

  /** Answer `challenge` for `previous` with the password (CSeq + 1, same Call-ID and tag). */
  authorize(previous: SipRequest, challenge: SipResponse, password = this.password): Promise<SipResponse> {
    return this.ua.request(this.#authorized(previous, challenge, password), this.gateway);
  }

  /**
   * A REGISTER carrying someone else's Authorization value (a captured one), as `from`
   * (default: this peer's device), in a new transaction.
   */
  replay(authorization: string, from = this.deviceId): Promise<SipResponse> {
    const req = this.ua.createRequest({
      method: 'REGISTER',
      requestUri: SERVER_URI,
      to: `sip:${from}@${REALM}`,
      from: `sip:${from}@${REALM}`,
      headers: [
        ['Expires', '3600'],
        ['Authorization', authorization],
      ],
    });
    return this.ua.request(req, this.gateway);
  }

  /** A device → upper MESSAGE with a fresh Call-ID (as real devices send, docs/gb28181.md §0). */
  message(body: Buffer | string, opts: { callId?: string } = {}): Promise<SipResponse> {
    const req = this.ua.createRequest({
      method: 'MESSAGE',
      requestUri: SERVER_URI,
      to: SERVER_URI,
      contact: false,
      body,
      contentType: 'Application/MANSCDP+xml',
      ...(opts.callId ? { callId: opts.callId } : {}),
    });
    return this.ua.request(req, this.gateway);
  }

  keepalive(): Promise<SipResponse> {
    return this.message(keepaliveBody(this.deviceId, ++this.#keepaliveSn));
  }

  /** The next query of `cmdType` not yet taken (waits up to `timeoutMs`). */
  async nextQuery(cmdType: string, timeoutMs = 10_000): Promise<IncomingQuery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queries.findIndex((q) => q.cmdType === cmdType);
      if (i >= 0) {
        return this.queries.splice(i, 1)[0];
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${cmdType} query within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  async close(): Promise<void> {
    await this.ua.close();
    await this.transport.close();
  }

  #authorized(previous: SipRequest, challenge: SipResponse, password = this.password): SipRequest {
    const auth = answerDigestChallenge(challenge.headers.get('www-authenticate') ?? '', {
      username: this.deviceId,
      password,
      method: 'REGISTER',
      uri: previous.uri,
    });
    if (!auth) {
      throw new Error('unusable challenge');
    }
    return this.ua.createFollowUp(previous, [['Authorization', auth]]);
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (this.onRequest?.(req, tx)) {
      return;
    }
    if (req.method === 'INVITE' && this.onInvite) {
      return this.onInvite(req, tx);
    }
    if (req.method === 'MESSAGE' && this.ignoreMessages) {
      return;
    }
    if (req.method !== 'MESSAGE') {
      tx.respond(req.method === 'BYE' ? 200 : 488);
      return;
    }
    tx.respond(200);
    const text = Buffer.from(req.body).toString('latin1');
    this.queries.push({
      cmdType: /<CmdType>\s*(\w+)\s*<\/CmdType>/.exec(text)?.[1] ?? '?',
      sn: /<SN>\s*(\d+)\s*<\/SN>/.exec(text)?.[1] ?? '?',
      callId: req.headers.get('call-id') ?? '',
      req,
    });
    for (const w of this.#waiters.splice(0)) {
      w();
    }
  }
}
