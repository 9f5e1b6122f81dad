// A minimal registering device for the security tests, bound to a chosen loopback address
// (127.0.0.1 and 127.0.0.2 are two different "device addresses" on Linux): REGISTER, answer the
// digest challenge with a given password, and hand back what was sent and received, so a test
// can replay it.
import {
  SipTransport,
  SipUserAgent,
  answerDigestChallenge,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from '../../gateway/sip/index.js';

export const REALM = '3402000000';
export const SERVER_URI = `sip:34020000002000000001@${REALM}`;

export interface RegisterResult {
  challenge: SipResponse;
  authorized?: SipRequest;
  final: SipResponse;
}

export class SipDevice {
  private constructor(
    readonly deviceId: string,
    readonly transport: SipTransport,
    readonly ua: SipUserAgent,
    readonly gateway: SipRemote,
  ) {}

  static async start(deviceId: string, gatewayPort: number, host = '127.0.0.1'): Promise<SipDevice> {
    const transport = await SipTransport.listen({ host, port: 0 });
    const ua = new SipUserAgent({ transport, localId: deviceId, domain: REALM, publicHost: host });
    return new SipDevice(deviceId, transport, ua, {
      transport: 'udp',
      address: '127.0.0.1',
      port: gatewayPort,
    });
  }

  /** REGISTER, then answer the 401 with `password`. */
  async register(password: string, expires = 3600): Promise<RegisterResult> {
    const first = this.ua.createRequest({
      method: 'REGISTER',
      requestUri: SERVER_URI,
      to: `sip:${this.deviceId}@${REALM}`,
      headers: [['Expires', String(expires)]],
    });
    const challenge = await this.ua.request(first, this.gateway);
    if (challenge.status !== 401) {
      return { challenge, final: challenge };
    }
    const auth = answerDigestChallenge(challenge.headers.get('www-authenticate') ?? '', {
      username: this.deviceId,
      password,
      method: 'REGISTER',
      uri: first.uri,
    });
    if (!auth) {
      throw new Error('unusable challenge');
    }
    const authorized = this.ua.createFollowUp(first, [['Authorization', auth]]);
    const final = await this.ua.request(authorized, this.gateway);
    return { challenge, authorized, final };
  }

  /**
   * Sends a REGISTER carrying someone else's Authorization value (a captured one), as `from`
   * (default: this device), in a new transaction.
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

  async close(): Promise<void> {
    await this.ua.close();
    await this.transport.close();
  }
}
