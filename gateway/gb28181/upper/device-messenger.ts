// Upper → device MANSCDP MESSAGEs (docs/gb28181.md §3.1): R-URI and To name the target (device or
// channel) at the address the device was seen at; the body goes out in the device's charset.
import type { SipResponse, SipUserAgent } from '../../sip/index.js';
import { formatHostPort } from '../../sip/uri.js';
import { encodeManscdp, type ManscdpMessage } from '../manscdp/codec.js';
import type { DeviceSession } from './device-sessions.js';

export const MANSCDP_CONTENT_TYPE = 'Application/MANSCDP+xml';

export class DeviceMessenger {
  constructor(private readonly ua: SipUserAgent) {}

  /** Sends `message` to `targetId` (a device or one of its channels) through `session`. */
  send(
    session: DeviceSession,
    message: ManscdpMessage,
    targetId = session.deviceId,
    timeoutMs?: number,
  ): Promise<SipResponse> {
    const uri = `sip:${targetId}@${formatHostPort(session.remote.address, session.remote.port)}`;
    const req = this.ua.createRequest({
      method: 'MESSAGE',
      requestUri: uri,
      to: uri,
      contact: false,
      body: encodeManscdp(message, session.charset),
      contentType: MANSCDP_CONTENT_TYPE,
    });
    return this.ua.request(req, session.remote, timeoutMs === undefined ? {} : { timeoutMs });
  }
}
