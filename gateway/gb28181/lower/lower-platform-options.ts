// What a lower-platform identity (lower-platform.ts) is built with, and the events it emits.
import type { Logger } from '../../log.js';
import type { FaultOptions } from '../../outbound/ps-rtp-sender.js';
import type { SipUserAgent } from '../../sip/user-agent.js';
import type { ManscdpCharset } from '../manscdp/charset.js';
import type { PtzCommand } from '../ptz.js';
import type { LowerBackend } from './backend.js';
import type { BackoffOptions } from './backoff.js';
import type { BroadcastCallInfo, BroadcastEnd } from './broadcast-call.js';
import type { MediaSessionInfo, SessionEndReason } from './media-session.js';
import type { PagingFaults } from './paged-sender.js';
import type { RegistrationState } from './registration.js';
import type { UpperPlatformAddress } from './upper-link.js';
import type { VendorName, VendorProfile } from './vendor-profile.js';

export interface LowerPlatformOptions {
  /** The user agent to send with; share one across identities with a LowerSipRouter. Create it without `userAgent` (each platform writes its profile's). */
  ua: SipUserAgent;
  /** Our 20-digit SIP ID. */
  localId: string;
  /** SIP domain and digest realm, e.g. '3402000000'. */
  realm: string;
  upper: UpperPlatformAddress;
  password: string;
  /** Digest username when it differs from localId (docs/gb28181.md §1.3). */
  authUsername?: string;
  /** Default 3600. */
  expiresSec?: number;
  /** Default 60. */
  keepaliveIntervalSec?: number;
  /** Unanswered keepalives before re-registering. Default 3. */
  keepaliveMaxMisses?: number;
  /** Charset of our MANSCDP bodies. Default 'GB2312'. */
  charset?: ManscdpCharset;
  /** Vendor behaviour (vendor-profile.ts). Default 'generic'. */
  profile?: VendorName | VendorProfile;
  backend: LowerBackend;
  /** Device time zone (RecordInfo times, DeviceTime). Default Asia/Shanghai. */
  timeZone?: string;
  /** Address in SDP answers. Default the user agent's publicHost. */
  mediaHost?: string;
  /** Address media sockets bind to. Default '0.0.0.0'. */
  mediaBindHost?: string;
  /** Network faults for every media stream (PsRtpSender faults). */
  mediaFaults?: FaultOptions;
  /** Catalog/RecordInfo page order and duplication (docs/gb28181.md §3.2). */
  pagingFaults?: PagingFaults;
  backoff?: BackoffOptions;
  /** Minimum wait after a 403. Default 60 000 ms. */
  forbiddenRetryMs?: number;
  /**
   * TeleBoot: restart as a device does (media dialogs end, a new registration under a new Call-ID
   * after `rebootMs`). Off by default: a cascade's lower link is not a device to reboot.
   */
  rebootOnTeleBoot?: { rebootMs: number };
  /** Wait for one REGISTER transaction. Default 64·T1. */
  registerTimeoutMs?: number;
  log?: Logger;
}

export type LowerPlatformState = RegistrationState;

export interface LowerPlatformEvents {
  state: [state: LowerPlatformState, detail: { error?: string; status?: number }];
  registered: [info: { expiresSec: number }];
  timeSync: [info: { date: string; offsetMs: number }];
  keepalive: [info: { ok: boolean; status: number }];
  query: [info: { cmdType: string; sn: string }];
  ptz: [info: { channelId: string; command: PtzCommand }];
  sessionStart: [info: MediaSessionInfo];
  sessionEnd: [info: MediaSessionInfo, reason: SessionEndReason];
  /** A Broadcast notify was answered (docs/voice.md §2); `result` is what we told the upper. */
  broadcastNotify: [info: { targetId: string; sourceId: string; result: 'OK' | 'ERROR' }];
  broadcastStart: [info: BroadcastCallInfo];
  broadcastEnd: [info: BroadcastCallInfo, reason: BroadcastEnd];
  /** The upper acknowledged an alarm with its <Response> CmdType=Alarm (2016 §9.4.2). */
  alarmAcknowledged: [info: { sn: string; deviceId: string; result: string }];
  control: [info: { targetId: string; command: string }];
}
