// The SDP of a voice broadcast (GB/T 28181-2016 §9.12, docs/gb28181.md §9, docs/voice.md §2): the
// device INVITEs the upper for audio it will receive (`m=audio … 8 96`, a=recvonly, y=); the upper
// answers what it will send (a=sendonly, one payload, the same y=). Devices differ in what they
// want: raw G.711 (PT 8 PCMA / 0 PCMU, RFC 3551) or G.711 inside PS (a dynamic PT mapped to
// PS/90000, 96 by convention). Both sides are here: reading a device's offer and answering it
// (the gateway), and writing a device's offer (the simulator, the cascade toward its upper).
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';
import { isGbSsrc } from '../ssrc.js';
import type { GbSdp, GbSdpMedia, MediaTransport, RtpMap } from './model.js';

export type G711Law = 'PCMA' | 'PCMU';
export type AudioForm = 'rtp' | 'ps';

/** Media transport seen from the side that SENDS the audio (the upper platform). */
export type SenderTransport = 'udp' | 'tcp-passive' | 'tcp-active';

/** What the device asked for, read from its INVITE. */
export interface BroadcastOffer {
  address: string;
  port: number;
  /** tcp-passive: we listen and the device connects (its setup:active); tcp-active: we dial. */
  transport: SenderTransport;
  /** The audio payloads we can send, in the device's order of preference (RFC 3264 §5.1). */
  choices: BroadcastMedia[];
  /** The device's y=, when present and well-formed: the SSRC to send with. */
  ssrc?: string;
  sessionName: string;
}

export interface BroadcastMedia {
  form: AudioForm;
  law: G711Law;
  payloadType: number;
  /** The rtpmap line to answer with. */
  rtpmap: RtpMap;
}

/** f= of an audio-only G.711 stream: audio codec 1 (G.711), 64 kbit/s (code 8), 8 kHz (code 1). */
export const G711_FORMAT = 'v/////a/1/8/1';

/** Static payload types of RFC 3551 Table 4 that need no rtpmap. */
const STATIC: Readonly<Record<number, G711Law>> = { 0: 'PCMU', 8: 'PCMA' };

function choicesOf(m: GbSdpMedia): BroadcastMedia[] {
  const lawsOffered = new Set<G711Law>();
  const out: BroadcastMedia[] = [];
  const mapOf = (pt: number) => m.rtpmaps.find((r) => r.payloadType === pt);
  for (const pt of m.payloadTypes) {
    const map = mapOf(pt);
    const encoding = map?.encoding.toUpperCase() ?? STATIC[pt];
    if (encoding === 'PCMA' || encoding === 'PCMU') {
      lawsOffered.add(encoding);
      out.push({
        form: 'rtp',
        law: encoding,
        payloadType: pt,
        rtpmap: { payloadType: pt, encoding, clockRate: 8000 },
      });
    } else if (encoding === 'PS' || encoding === 'MP2P') {
      // The PS carries G.711 too; its law is decided below from what else was offered.
      out.push({
        form: 'ps',
        law: 'PCMA',
        payloadType: pt,
        rtpmap: { payloadType: pt, encoding: 'PS', clockRate: 90000 },
      });
    }
  }
  // Devices are set to G.711A (docs/gb28181.md §9); one that lists only µ-law gets µ-law in PS too.
  const psLaw: G711Law = lawsOffered.has('PCMU') && !lawsOffered.has('PCMA') ? 'PCMU' : 'PCMA';
  return out.map((c) => (c.form === 'ps' ? { ...c, law: psLaw } : c));
}

function senderTransport(t: MediaTransport): SenderTransport {
  if (t.protocol === 'udp') {
    return 'udp';
  }
  // RFC 4145 §4.1: an absent setup means active. actpass leaves us the choice: we listen, so a
  // device behind NAT connects out (the usual case for a camera on the Internet).
  return t.setup === 'passive' ? 'tcp-active' : 'tcp-passive';
}

/** Reads the device's INVITE offer; fails when it holds no audio we can send. */
export function readBroadcastOffer(sdp: GbSdp): GbResult<BroadcastOffer> {
  const m = sdp.media.find((x) => x.type === 'audio' && x.port > 0);
  if (!m) {
    return fail(GbErrorCode.SDP_NO_MEDIA, 'no m=audio with a port');
  }
  const address = m.connectionAddress ?? sdp.connectionAddress;
  if (address === undefined) {
    return fail(GbErrorCode.SDP_NO_CONNECTION, 'no c=');
  }
  const choices = choicesOf(m);
  if (choices.length === 0) {
    return fail(
      GbErrorCode.SDP_NO_CODEC,
      `m=audio offers ${m.payloadTypes.join(' ') || 'nothing'}; we send PCMA (8), PCMU (0) or PS`,
    );
  }
  const offer: BroadcastOffer = {
    address,
    port: m.port,
    transport: senderTransport(m.transport),
    choices,
    sessionName: sdp.sessionName,
  };
  if (sdp.ssrc !== undefined && isGbSsrc(sdp.ssrc)) {
    offer.ssrc = sdp.ssrc;
  }
  return ok(offer);
}

/**
 * The payload to answer with: the form this device used before when it is offered again (a
 * device that offers both forms may play only one, docs/voice.md §2), else the device's first.
 */
export function chooseBroadcastMedia(offer: BroadcastOffer, remembered?: AudioForm): BroadcastMedia {
  return offer.choices.find((c) => c.form === remembered) ?? offer.choices[0];
}

export interface BroadcastAnswerParams {
  /** o= username: our SIP ID. */
  originId: string;
  /** Where we send from (c=, o=) and our port: the TCP listen port, or the UDP source port. */
  address: string;
  port: number;
  media: BroadcastMedia;
  transport: SenderTransport;
  /** The device's y=, echoed; absent when the device sent none. */
  ssrc?: string;
  sessionName?: string;
}

/** Our 200's SDP: sendonly, one payload, the opposite TCP role, the device's y=, f= for G.711. */
export function broadcastAnswer(p: BroadcastAnswerParams): GbSdp {
  const transport: MediaTransport =
    p.transport === 'udp'
      ? { protocol: 'udp' }
      : { protocol: 'tcp', setup: p.transport === 'tcp-passive' ? 'passive' : 'active', connection: 'new' };
  const answer: GbSdp = {
    origin: { username: p.originId, sessionId: '0', sessionVersion: '0', address: p.address },
    sessionName: p.sessionName ?? 'Play',
    connectionAddress: p.address,
    time: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: p.port,
        transport,
        payloadTypes: [p.media.payloadType],
        rtpmaps: [p.media.rtpmap],
        direction: 'sendonly',
        otherAttributes: [],
      },
    ],
    format: G711_FORMAT,
  };
  if (p.ssrc !== undefined) {
    answer.ssrc = p.ssrc;
  }
  return answer;
}

/** Media transport seen from the device that RECEIVES: it dials (setup:active), listens, or UDP. */
export type ReceiverTransport = 'udp' | 'tcp-active' | 'tcp-passive';

export interface DeviceOfferParams {
  /** o= username: the device's ID. */
  originId: string;
  address: string;
  port: number;
  /** The payloads the device lists, in order (vendor profile, docs/voice.md §2). */
  forms: readonly AudioForm[];
  law: G711Law;
  transport: ReceiverTransport;
  ssrc: string;
}

/** A device's INVITE offer for broadcast audio (the simulator and the cascade toward its upper). */
export function deviceBroadcastOffer(p: DeviceOfferParams): GbResult<GbSdp> {
  if (!isGbSsrc(p.ssrc)) {
    return fail(GbErrorCode.BAD_SSRC, `y=${p.ssrc}`);
  }
  if (p.forms.length === 0) {
    return fail(GbErrorCode.SDP_NO_CODEC, 'no payload forms');
  }
  const rtpmaps: RtpMap[] = p.forms.map((form) =>
    form === 'rtp'
      ? { payloadType: p.law === 'PCMA' ? 8 : 0, encoding: p.law, clockRate: 8000 }
      : { payloadType: 96, encoding: 'PS', clockRate: 90000 },
  );
  const transport: MediaTransport =
    p.transport === 'udp'
      ? { protocol: 'udp' }
      : { protocol: 'tcp', setup: p.transport === 'tcp-active' ? 'active' : 'passive', connection: 'new' };
  return ok({
    origin: { username: p.originId, sessionId: '0', sessionVersion: '0', address: p.address },
    sessionName: 'Play',
    connectionAddress: p.address,
    time: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: p.port,
        transport,
        payloadTypes: rtpmaps.map((r) => r.payloadType),
        rtpmaps,
        direction: 'recvonly',
        otherAttributes: [],
      },
    ],
    ssrc: p.ssrc,
    format: G711_FORMAT,
  });
}
