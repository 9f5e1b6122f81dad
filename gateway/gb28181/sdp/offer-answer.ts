// GB offers for live (s=Play), playback (s=Playback) and download (s=Download) over UDP or
// RFC 4571 TCP, the device-side answer (simulator, cascade), and reading an answer into what the
// media receiver needs (docs/gb28181.md §7.2, §7.3).
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';
import { DEFAULT_TIME_ZONE, gbTimeToEpochSeconds } from '../gb-date.js';
import { isGbSsrc } from '../ssrc.js';
import {
  GB_VIDEO_PAYLOADS,
  type GbSdp,
  type GbSdpMedia,
  type MediaTransport,
  type RtpMap,
  type TcpSetup,
} from './model.js';
import { writeGbSdp } from './write.js';

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
  /** Further media a= attributes without "a=", e.g. a stream selection (stream-selection.ts). */
  attributes?: readonly string[];
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
    otherAttributes: [...(p.attributes ?? [])],
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
  /** Further media a= attributes without "a=", e.g. the stream served (stream-selection.ts). */
  attributes?: readonly string[];
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
    otherAttributes: [...(p.attributes ?? [])],
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

/** What the receiver needs from the device's 200 (docs/gb28181.md §7.3). */
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
  /** The media's a= attributes this model has no field for (a stream selection, stream-selection.ts). */
  attributes: string[];
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
    attributes: m.otherAttributes,
  };
  if (answered !== undefined) {
    out.answeredSsrc = answered;
  }
  if (m.fileSize !== undefined) {
    out.fileSize = m.fileSize;
  }
  return ok(out);
}
