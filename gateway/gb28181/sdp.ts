// GB/T 28181 SDP (2016 Annex F / 2022 Annex G on RFC 4566; reference §7): offers for live
// (s=Play), playback (s=Playback) and download (s=Download) over UDP or RFC 4571 TCP, answers,
// and reading an answer into what the media receiver needs.
//
// Own line parser and writer instead of sdp-transform: GB adds `y=` (SSRC) and `f=` (format)
// lines that generic grammars reject or drop (wvp strips them before parsing), and the offer
// must keep the reference's line order (a=recvonly before the rtpmaps, y= last), which
// sdp-transform's writer reorders. The GB subset is small: v o s u c t m a y f.
import { CLOCK_HZ } from '../../codecs/types.js';
import { fail, ok, GbErrorCode, type GbResult } from './errors.js';
import { DEFAULT_TIME_ZONE, gbTimeToEpochSeconds } from './gb-date.js';
import { isGbSsrc } from './ssrc.js';

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

const MAX_SDP_LENGTH = 16 * 1024;
const DIRECTIONS: readonly MediaDirection[] = ['sendonly', 'recvonly', 'sendrecv', 'inactive'];

// ---- writing

function addressLine(address: string): string {
  return `IN ${address.includes(':') ? 'IP6' : 'IP4'} ${address}`;
}

function protoOf(t: MediaTransport): string {
  return t.protocol === 'udp' ? 'RTP/AVP' : 'TCP/RTP/AVP';
}

/** Writes the SDP with CRLF after every line (the reference's Content-Lengths count the last one). */
export function writeGbSdp(sdp: GbSdp): string {
  const o = sdp.origin;
  const lines = [
    'v=0',
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${addressLine(o.address)}`,
    `s=${sdp.sessionName}`,
  ];
  if (sdp.uri !== undefined) {
    lines.push(`u=${sdp.uri}`);
  }
  if (sdp.connectionAddress !== undefined) {
    lines.push(`c=${addressLine(sdp.connectionAddress)}`);
  }
  lines.push(`t=${sdp.time.start} ${sdp.time.stop}`);
  for (const m of sdp.media) {
    lines.push(`m=${m.type} ${m.port} ${protoOf(m.transport)} ${m.payloadTypes.join(' ')}`);
    if (m.connectionAddress !== undefined) {
      lines.push(`c=${addressLine(m.connectionAddress)}`);
    }
    if (m.direction !== undefined) {
      lines.push(`a=${m.direction}`);
    }
    for (const r of m.rtpmaps) {
      lines.push(`a=rtpmap:${r.payloadType} ${r.encoding}/${r.clockRate}`);
    }
    if (m.fileSize !== undefined) {
      lines.push(`a=filesize:${m.fileSize}`);
    }
    if (m.transport.protocol === 'tcp') {
      if (m.transport.setup !== undefined) {
        lines.push(`a=setup:${m.transport.setup}`);
      }
      if (m.transport.connection !== undefined) {
        lines.push(`a=connection:${m.transport.connection}`);
      }
    }
    if (m.downloadSpeed !== undefined) {
      lines.push(`a=downloadspeed:${m.downloadSpeed}`);
    }
    for (const a of m.otherAttributes) {
      lines.push(`a=${a}`);
    }
  }
  if (sdp.ssrc !== undefined) {
    lines.push(`y=${sdp.ssrc}`);
  }
  if (sdp.format !== undefined) {
    lines.push(`f=${sdp.format}`);
  }
  return lines.join('\r\n') + '\r\n';
}

// ---- parsing

function parseAddress(value: string): string | undefined {
  const m = /^IN\s+IP[46]\s+([^\s/]+)/i.exec(value.trim());
  return m?.[1];
}

function parseMediaLine(value: string): GbSdpMedia | undefined {
  const m = /^(\w+)\s+(\d{1,5})(?:\/\d+)?\s+(\S+)((?:\s+\d{1,3})*)\s*$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535) {
    return undefined;
  }
  // TCP/RTP/AVP is the GB form; RTP/AVP/TCP is seen from some devices.
  const transport: MediaTransport = /TCP/i.test(m[3])
    ? { protocol: 'tcp', setup: undefined }
    : { protocol: 'udp' };
  const payloadTypes = m[4].trim() === '' ? [] : m[4].trim().split(/\s+/).map(Number);
  return {
    type: m[1].toLowerCase(),
    port: Number(m[2]),
    transport,
    payloadTypes,
    rtpmaps: [],
    otherAttributes: [],
  };
}

function applyAttribute(media: GbSdpMedia, attr: string): void {
  const colon = attr.indexOf(':');
  const name = (colon === -1 ? attr : attr.slice(0, colon)).trim().toLowerCase();
  const value = colon === -1 ? '' : attr.slice(colon + 1).trim();
  const t = media.transport;
  if (DIRECTIONS.includes(name as MediaDirection)) {
    media.direction = name as MediaDirection;
  } else if (name === 'rtpmap') {
    // At most 10 clock-rate digits: longer ones became floats (9e+22) that write back as other
    // numbers (found by test/fuzz/sdp).
    const r = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,10})/.exec(value);
    if (r) {
      media.rtpmaps.push({ payloadType: Number(r[1]), encoding: r[2], clockRate: Number(r[3]) });
    }
  } else if (
    name === 'setup' &&
    t.protocol === 'tcp' &&
    ['active', 'passive', 'actpass'].includes(value.toLowerCase())
  ) {
    t.setup = value.toLowerCase() as TcpSetup;
  } else if (
    name === 'connection' &&
    t.protocol === 'tcp' &&
    ['new', 'existing'].includes(value.toLowerCase())
  ) {
    t.connection = value.toLowerCase() as 'new' | 'existing';
  } else if (name === 'filesize' && /^\d{1,15}$/.test(value)) {
    media.fileSize = Number(value);
  } else if (name === 'downloadspeed' && /^\d{1,6}$/.test(value)) {
    media.downloadSpeed = Number(value);
  } else {
    media.otherAttributes.push(attr);
  }
}

/** Tolerant parse: LF or CRLF, unknown lines ignored, y=/f= anywhere. Never throws. */
export function parseGbSdp(text: string): GbResult<GbSdp> {
  if (text.length > MAX_SDP_LENGTH) {
    return fail(GbErrorCode.SDP_SYNTAX, `longer than ${MAX_SDP_LENGTH}`);
  }
  let origin: GbSdp['origin'] | undefined;
  const sdp: Omit<GbSdp, 'origin'> = { sessionName: '', time: { start: 0, stop: 0 }, media: [] };
  let current: GbSdpMedia | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^([a-z])\s*=(.*)$/.exec(line);
    if (!m) {
      continue;
    }
    const [, type, value] = m as unknown as [string, string, string];
    switch (type) {
      case 'o': {
        const f = value.trim().split(/\s+/);
        if (f.length < 6) {
          return fail(GbErrorCode.SDP_SYNTAX, 'o=');
        }
        origin = { username: f[0], sessionId: f[1], sessionVersion: f[2], address: f[5] };
        break;
      }
      case 's':
        sdp.sessionName = value.trim();
        break;
      case 'u':
        sdp.uri = value.trim();
        break;
      case 'c': {
        const address = parseAddress(value);
        if (address === undefined) {
          return fail(GbErrorCode.SDP_BAD_VALUE, 'c=');
        }
        if (current) {
          current.connectionAddress = address;
        } else {
          sdp.connectionAddress = address;
        }
        break;
      }
      case 't': {
        const t = /^(\d{1,12})\s+(\d{1,12})$/.exec(value.trim());
        if (!t) {
          return fail(GbErrorCode.SDP_BAD_VALUE, 't=');
        }
        sdp.time = { start: Number(t[1]), stop: Number(t[2]) };
        break;
      }
      case 'm': {
        current = parseMediaLine(value);
        if (!current) {
          return fail(GbErrorCode.SDP_BAD_VALUE, `m=${value.slice(0, 40)}`);
        }
        sdp.media.push(current);
        break;
      }
      case 'a':
        if (current) {
          applyAttribute(current, value);
        }
        break;
      case 'y':
        sdp.ssrc = value.trim();
        break;
      case 'f':
        sdp.format = value.trim();
        break;
      default:
        break;
    }
  }
  if (!origin) {
    return fail(GbErrorCode.SDP_SYNTAX, 'no o= line');
  }
  if (sdp.media.length === 0) {
    return fail(GbErrorCode.SDP_NO_MEDIA, 'no m= line');
  }
  return ok({ origin, ...sdp });
}

// ---- offers, answers

export type GbStreamPurpose =
  | { kind: 'live' }
  /** start/end: RecordInfo times (YYYY-MM-DDTHH:MM:SS, device local; a +08:00 suffix wins over the zone). */
  | { kind: 'playback'; channelId: string; start: string; end: string }
  | { kind: 'download'; channelId: string; start: string; end: string; downloadSpeed: number };

export interface GbOfferParams {
  purpose: GbStreamPurpose;
  /** o= username: our own SIP ID (2022 §9.2.3). */
  originId: string;
  /** Where we receive (c= and o=); the port must already be bound. */
  address: string;
  port: number;
  /** TCP `passive`: we listen (listen before sending the INVITE); `active`: we connect after the 200. */
  transport: { protocol: 'udp' } | { protocol: 'tcp'; setup: 'active' | 'passive' };
  /** y=, from SsrcAllocator ('0…' live, '1…' playback/download). */
  ssrc: string;
  /** The device's time zone for playback/download t=. Default Asia/Shanghai. */
  timeZone?: string;
  /** Default GB_VIDEO_PAYLOADS. */
  payloads?: readonly RtpMap[];
  /** Optional f= line, verbatim. */
  format?: string;
}

const SESSION_NAME = { live: 'Play', playback: 'Playback', download: 'Download' } as const;

/** The offer as a model (write it with writeGbSdp, or use buildGbOffer). */
export function gbOffer(p: GbOfferParams): GbResult<GbSdp> {
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    return fail(GbErrorCode.SDP_BAD_VALUE, `port ${p.port}`);
  }
  if (!isGbSsrc(p.ssrc)) {
    return fail(GbErrorCode.BAD_SSRC, `y=${p.ssrc}`);
  }
  const sdp: GbSdp = {
    origin: { username: p.originId, sessionId: '0', sessionVersion: '0', address: p.address },
    sessionName: SESSION_NAME[p.purpose.kind],
    connectionAddress: p.address,
    time: { start: 0, stop: 0 },
    media: [],
    ssrc: p.ssrc,
  };
  const payloads = p.payloads ?? GB_VIDEO_PAYLOADS;
  const media: GbSdpMedia = {
    type: 'video',
    port: p.port,
    transport:
      p.transport.protocol === 'udp'
        ? { protocol: 'udp' }
        : { protocol: 'tcp', setup: p.transport.setup, connection: 'new' },
    payloadTypes: payloads.map((r) => r.payloadType),
    rtpmaps: [...payloads],
    direction: 'recvonly',
    otherAttributes: [],
  };
  const purpose = p.purpose;
  if (purpose.kind !== 'live') {
    const zone = p.timeZone ?? DEFAULT_TIME_ZONE;
    const start = gbTimeToEpochSeconds(purpose.start, zone);
    if (!start.ok) {
      return start;
    }
    const end = gbTimeToEpochSeconds(purpose.end, zone);
    if (!end.ok) {
      return end;
    }
    if (end.value <= start.value) {
      return fail(GbErrorCode.BAD_TIME, 'end is not after start');
    }
    sdp.uri = `${purpose.channelId}:0`;
    sdp.time = { start: start.value, stop: end.value };
    if (purpose.kind === 'download') {
      media.downloadSpeed = purpose.downloadSpeed;
    }
  }
  sdp.media.push(media);
  if (p.format !== undefined) {
    sdp.format = p.format;
  }
  return ok(sdp);
}

export function buildGbOffer(p: GbOfferParams): GbResult<string> {
  const sdp = gbOffer(p);
  return sdp.ok ? ok(writeGbSdp(sdp.value)) : sdp;
}

export interface GbAnswerParams {
  /** The device's ID for o=. */
  originId: string;
  /** Where the device sends from / listens (c= and o=). */
  address: string;
  port: number;
  /** y= to answer; default the offer's. */
  ssrc?: string;
  /** a=filesize (playback/download progress). */
  fileSize?: number;
  /** o= session id/version; devices write anything (the reference shows 2851). Default '0'. */
  sessionId?: string;
}

/** A device-side answer (simulator, cascade): PS on 96, sendonly, the opposite TCP role. */
export function gbAnswer(offer: GbSdp, p: GbAnswerParams): GbResult<GbSdp> {
  const m = offer.media.find((x) => x.port > 0);
  if (!m) {
    return fail(GbErrorCode.SDP_NO_MEDIA, 'no offered media');
  }
  const ps = m.rtpmaps.find((r) => r.encoding.toUpperCase() === 'PS') ?? GB_VIDEO_PAYLOADS[0];
  const opposite = (s: TcpSetup | undefined): TcpSetup => (s === 'active' ? 'passive' : 'active');
  const transport: MediaTransport =
    m.transport.protocol === 'udp'
      ? { protocol: 'udp' }
      : { protocol: 'tcp', setup: opposite(m.transport.setup), connection: 'new' };
  const media: GbSdpMedia = {
    type: m.type,
    port: p.port,
    transport,
    payloadTypes: [ps.payloadType],
    rtpmaps: [ps],
    direction: 'sendonly',
    otherAttributes: [],
  };
  if (p.fileSize !== undefined) {
    media.fileSize = p.fileSize;
  }
  const sid = p.sessionId ?? '0';
  const answer: GbSdp = {
    origin: { username: p.originId, sessionId: sid, sessionVersion: sid, address: p.address },
    sessionName: offer.sessionName,
    connectionAddress: p.address,
    time: offer.time,
    media: [media],
  };
  const ssrc = p.ssrc ?? offer.ssrc;
  if (ssrc !== undefined) {
    answer.ssrc = ssrc;
  }
  return ok(answer);
}

/** What the receiver needs from the device's 200 (reference §7.3). */
export interface GbAnswerMedia {
  /** Media-level c=, else session-level c=. */
  address: string;
  port: number;
  transport: MediaTransport;
  payloadTypes: number[];
  rtpmaps: RtpMap[];
  /** The answer's y= when present and well-formed. */
  answeredSsrc?: string;
  /**
   * The SSRC to expect: the answer's y= (Hikvision NCG and Kedacom answer their own, wvp #127,
   * #507), else the offered one (as wvp does when y= is absent).
   */
  ssrc: string;
  ssrcChanged: boolean;
  fileSize?: number;
}

export function readGbAnswer(answer: GbSdp, offeredSsrc: string): GbResult<GbAnswerMedia> {
  const m =
    answer.media.find((x) => x.port > 0 && x.type === 'video') ?? answer.media.find((x) => x.port > 0);
  if (!m) {
    return fail(GbErrorCode.SDP_NO_MEDIA, 'no media with a port');
  }
  const address = m.connectionAddress ?? answer.connectionAddress;
  if (address === undefined) {
    return fail(GbErrorCode.SDP_NO_CONNECTION, 'no c=');
  }
  const answered = answer.ssrc !== undefined && isGbSsrc(answer.ssrc) ? answer.ssrc : undefined;
  const out: GbAnswerMedia = {
    address,
    port: m.port,
    transport: m.transport,
    payloadTypes: m.payloadTypes,
    rtpmaps: m.rtpmaps,
    ssrc: answered ?? offeredSsrc,
    ssrcChanged: answered !== undefined && answered !== offeredSsrc,
  };
  if (answered !== undefined) {
    out.answeredSsrc = answered;
  }
  if (m.fileSize !== undefined) {
    out.fileSize = m.fileSize;
  }
  return ok(out);
}
