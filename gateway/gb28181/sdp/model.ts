// The GB/T 28181 SDP model (2016 Annex F / 2022 Annex G on RFC 4566; docs/gb28181.md §7): the subset
// GB uses (v o s u c t m a y f), with `y=` (SSRC) and `f=` (format) as fields of their own.
//
// Our own line parser (parse.ts) and writer (write.ts) instead of sdp-transform: GB adds `y=` and
// `f=` lines that generic grammars reject or drop (wvp strips them before parsing), and an offer
// must keep the reference's line order (a=recvonly before the rtpmaps, y= last), which
// sdp-transform's writer reorders.
import { CLOCK_HZ } from '../../../codecs/types.js';

export type TcpSetup = 'active' | 'passive' | 'actpass';

/**
 * RTP/AVP over UDP, or TCP/RTP/AVP (RFC 4571 framing) with the RFC 4145 role. In an offer,
 * `passive` means WE listen and the device connects (works across NAT; wvp's default).
 */
export type MediaTransport =
  { protocol: 'udp' } | { protocol: 'tcp'; setup: TcpSetup | undefined; connection?: 'new' | 'existing' };

export type MediaDirection = 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';

export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
}

export interface GbSdpMedia {
  /** 'video' or 'audio' (broadcast); other types are kept as sent. */
  type: string;
  port: number;
  transport: MediaTransport;
  payloadTypes: number[];
  rtpmaps: RtpMap[];
  direction?: MediaDirection;
  /** Media-level c= address, when present. */
  connectionAddress?: string;
  /** a=filesize (bytes) in download/playback answers, for progress. */
  fileSize?: number;
  /** a=downloadspeed (multiplier) in download offers. */
  downloadSpeed?: number;
  /** Every other a= line, verbatim without "a=" (e.g. "streamnumber:0"). */
  otherAttributes: string[];
}

export interface GbSdp {
  origin: { username: string; sessionId: string; sessionVersion: string; address: string };
  /** Play | Playback | Download | Talk, or whatever the peer wrote. */
  sessionName: string;
  /** u=<channelId>:<param> for playback/download. */
  uri?: string;
  connectionAddress?: string;
  /** t= values; Unix seconds (not NTP) for playback/download, 0 0 for live. */
  time: { start: number; stop: number };
  media: GbSdpMedia[];
  /** y=, verbatim (10 decimal digits when well-formed). */
  ssrc?: string;
  /** f=, verbatim (e.g. "v/2/6/25/2/4096a///"). */
  format?: string;
}

/** The 2016 example payload set: 96 PS, 97 MPEG-4, 98 H.264. Devices answer 96 and send PS. */
export const GB_VIDEO_PAYLOADS: readonly RtpMap[] = [
  { payloadType: 96, encoding: 'PS', clockRate: CLOCK_HZ },
  { payloadType: 97, encoding: 'MPEG4', clockRate: CLOCK_HZ },
  { payloadType: 98, encoding: 'H264', clockRate: CLOCK_HZ },
];
