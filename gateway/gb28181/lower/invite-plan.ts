// Reading an upper platform's INVITE offer on the device side (docs/gb28181.md §7): what is asked for
// (s=Play / Playback / Download with u= and t=), how the media must travel (UDP to c=/m=, or RFC
// 4571 TCP in the role opposite to the offer's a=setup), and which SSRC goes in the answer's y=
// and in the RTP headers, per vendor profile (quirk 11), and which encoder stream a live offer
// asks for (docs/gb28181.md §7.5). Pure; failures are data (a SIP status).
import { type GbSdp, type GbSdpMedia } from '../sdp/model.js';
import { parseGbSdp } from '../sdp/parse.js';
import { isGbSsrc, ssrcToUint32 } from '../ssrc.js';
import { readSelection } from '../sdp/stream-selection.js';
import type { SelectionDialect } from '../../device-settings.js';
import type { MediaRequest } from './backend.js';
import type { VendorProfile } from './vendor-profile.js';

export type SenderTransport =
  /** RTP datagrams to the offer's c=/m=. */
  | { kind: 'udp'; remoteHost: string; remotePort: number }
  /** Offer `a=setup:passive`: the upper listens, we dial its c=/m= (the 2022 default, Annex D). */
  | { kind: 'tcp-active'; remoteHost: string; remotePort: number }
  /** Offer `a=setup:active`: the upper dials us; we listen and put our port in the answer. */
  | { kind: 'tcp-passive' };

export interface InvitePlan {
  offer: GbSdp;
  request: MediaRequest;
  transport: SenderTransport;
  /** y= of the answer; undefined to leave it out. */
  answerSsrc: string | undefined;
  /** SSRC in the RTP header. */
  rtpSsrc: number;
  /** live: the dialects the offer named a stream in (the answer names the served one in them). */
  selectionDialects: SelectionDialect[];
}

export type PlanResult = { ok: true; plan: InvitePlan } | { ok: false; status: number; reason: string };

const KIND_BY_SESSION: Readonly<Record<string, MediaRequest['kind']>> = {
  play: 'live',
  playback: 'playback',
  download: 'download',
};

export function planInvite(
  offerText: string,
  profile: VendorProfile,
  realm: string,
  random: () => number = Math.random,
): PlanResult {
  const parsed = parseGbSdp(offerText);
  if (!parsed.ok) {
    return refuse(488, `offer: ${parsed.error} ${parsed.detail}`);
  }
  const offer = parsed.value;
  const media =
    offer.media.find((m) => m.type === 'video' && m.port > 0) ?? offer.media.find((m) => m.port > 0);
  if (!media) {
    return refuse(488, 'no media with a port');
  }

  const kind = KIND_BY_SESSION[offer.sessionName.toLowerCase()];
  if (!kind) {
    return refuse(488, `unsupported s=${offer.sessionName.slice(0, 20)}`);
  }
  const request: MediaRequest = { kind, scale: 1 };
  const selection = kind === 'live' ? readSelection(media.otherAttributes) : undefined;
  if (selection && profile.subStream === 'honour') {
    request.stream = selection.stream;
  }
  if (kind !== 'live') {
    // t= is Unix seconds (docs/gb28181.md §7.4), not RFC 4566 NTP seconds.
    if (!(offer.time.stop > offer.time.start)) {
      return refuse(488, `bad t=${offer.time.start} ${offer.time.stop}`);
    }
    request.startMs = offer.time.start * 1000;
    request.endMs = offer.time.stop * 1000;
    if (kind === 'download') {
      request.scale = media.downloadSpeed ?? 1;
    }
  }

  const transport = senderTransport(offer, media);
  if (!transport) {
    return refuse(488, 'no c= address for the media');
  }

  const offered = offer.ssrc !== undefined && isGbSsrc(offer.ssrc) ? offer.ssrc : undefined;
  let answerSsrc: string | undefined;
  switch (profile.answerSsrc) {
    case 'offer':
      answerSsrc = offered;
      break;
    case 'own':
      answerSsrc = ownSsrc(kind, realm, random);
      break;
    case 'omit':
      answerSsrc = undefined;
      break;
  }
  const carried = answerSsrc ?? offered;
  const rtpSsrc =
    profile.rtpSsrc === 'zero'
      ? 0
      : carried !== undefined
        ? ssrcToUint32(carried)!
        : Math.floor(random() * 0xffffffff);
  const selectionDialects = selection && profile.subStream !== 'ignore' ? selection.dialects : [];
  return { ok: true, plan: { offer, request, transport, answerSsrc, rtpSsrc, selectionDialects } };
}

function senderTransport(offer: GbSdp, media: GbSdpMedia): SenderTransport | undefined {
  const t = media.transport;
  if (t.protocol === 'tcp' && t.setup === 'active') {
    return { kind: 'tcp-passive' };
  }
  const host = media.connectionAddress ?? offer.connectionAddress;
  if (host === undefined) {
    return undefined;
  }
  // passive (the usual), actpass or none: the upper listens, so the device dials (RFC 4145 §4.1).
  return t.protocol === 'tcp'
    ? { kind: 'tcp-active', remoteHost: host, remotePort: media.port }
    : { kind: 'udp', remoteHost: host, remotePort: media.port };
}

/**
 * A y= of the device's own choosing (Hikvision NCG / Kedacom, wvp #127, #507): live/history digit,
 * digits 4-8 of the domain, and a random stream number.
 */
function ownSsrc(kind: MediaRequest['kind'], realm: string, random: () => number): string {
  const domain = realm.padEnd(8, '0').slice(3, 8);
  const serial = String(1 + Math.floor(random() * 9999)).padStart(4, '0');
  return `${kind === 'live' ? '0' : '1'}${domain}${serial}`;
}

function refuse(status: number, reason: string): PlanResult {
  return { ok: false, status, reason };
}
