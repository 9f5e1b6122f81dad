// Our side of the signalling relationship with one upper platform: where it is, how we name it and
// ourselves in URIs, and the device-initiated out-of-dialog requests (REGISTER, MESSAGE) built
// with that identity. Several lower platforms may share one SipUserAgent (a simulator fleet on one
// socket), so identity is written per request here rather than taken from the user agent.
import type { SipRequest, SipResponse } from '../../sip/message.js';
import type { SipRemote } from '../../sip/remote.js';
import type { RequestOptions, SipUserAgent } from '../../sip/user-agent.js';
import { formatHostPort } from '../../sip/uri.js';
import type { ManscdpCharset } from '../manscdp/charset.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import { encodeLowerManscdp, MANSCDP_CONTENT_TYPE } from './manscdp-writer.js';
import type { VendorProfile } from './vendor-profile.js';

export interface UpperPlatformAddress {
  /** The upper platform's 20-digit SIP ID. */
  id: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

export interface UpperLinkOptions {
  ua: SipUserAgent;
  localId: string;
  /** SIP domain / digest realm, e.g. '3402000000'. */
  realm: string;
  upper: UpperPlatformAddress;
  profile: VendorProfile;
  charset: ManscdpCharset;
}

export class UpperLink {
  readonly ua: SipUserAgent;
  readonly localId: string;
  readonly realm: string;
  readonly profile: VendorProfile;
  readonly charset: ManscdpCharset;
  #upper: UpperPlatformAddress;
  #sn = Math.floor(Math.random() * 1_000_000);

  constructor(opts: UpperLinkOptions) {
    this.ua = opts.ua;
    this.localId = opts.localId;
    this.realm = opts.realm;
    this.profile = opts.profile;
    this.charset = opts.charset;
    this.#upper = { ...opts.upper };
  }

  get upper(): Readonly<UpperPlatformAddress> {
    return this.#upper;
  }

  /** Where requests go; over TCP the transport reuses (or dials) the connection to this address. */
  get remote(): SipRemote {
    return { transport: this.#upper.transport, address: this.#upper.host, port: this.#upper.port };
  }

  /** After a 302 (2022 §9.1.2.3): register at the address the upper named. */
  redirect(host: string, port: number): void {
    this.#upper = { ...this.#upper, host, port };
  }

  /** Our address-of-record: sip:<localId>@<domain>. */
  get aor(): string {
    return `sip:${this.localId}@${this.realm}`;
  }

  /** The upper as R-URI/To: domain after '@' (Hikvision) or its IP:port (Dahua), docs/gb28181.md §0. */
  get upperUri(): string {
    const host =
      this.profile.uriHost === 'domain' ? this.realm : formatHostPort(this.#upper.host, this.#upper.port);
    return `sip:${this.#upper.id}@${host}`;
  }

  /** Our Contact: where the upper sends requests (it should use the packet source anyway, docs/gb28181.md §1.5). */
  get contactUri(): string {
    const t = this.#upper.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${this.localId}@${formatHostPort(this.ua.publicHost, this.ua.publicPort)}${t}`;
  }

  /** A fresh SN for device-initiated notifies (keepalive, MediaStatus). */
  nextSn(): string {
    this.#sn = (this.#sn + 1) % 1_000_000_000;
    return String(this.#sn);
  }

  encode(message: ManscdpMessage): Uint8Array {
    return encodeLowerManscdp(message, this.charset, this.profile);
  }

  /** A MESSAGE to the upper platform outside any dialog (new Call-ID, CSeq 1, docs/gb28181.md §2). */
  createMessage(body: Uint8Array): SipRequest {
    return this.ua.createRequest({
      method: 'MESSAGE',
      requestUri: this.upperUri,
      to: this.upperUri,
      from: this.aor,
      contact: false,
      headers: [['User-Agent', this.profile.userAgent]],
      body,
      contentType: MANSCDP_CONTENT_TYPE,
    });
  }

  /** Build, encode and send one MANSCDP message; resolves with the final response (408 on timeout). */
  sendManscdp(message: ManscdpMessage, opts?: RequestOptions): Promise<SipResponse> {
    return this.request(this.createMessage(this.encode(message)), opts);
  }

  request(req: SipRequest, opts?: RequestOptions): Promise<SipResponse> {
    return this.ua.request(req, this.remote, opts);
  }
}
