// Reads a WHIP publisher's SDP offer (RFC 9725 §4.2; RFC 8866 syntax): the audio m-section the
// browser sends from, and the G.711 payload type to answer with (docs/voice.md §3). Browsers offer
// Opus first and PCMU/PCMA further down (RFC 7874 §3 makes both mandatory to implement); the
// gateway answers G.711 so devices get it without transcoding, preferring the talk's law. An
// offer without G.711 is refused with a reason a developer can act on.
import { parse } from 'sdp-transform';
import type { G711Law } from '../../../codecs/g711/law-convert.js';
import { GatewayError } from '../../errors.js';
import { MAX_OFFER_BYTES, stripMdnsCandidates } from '../../outputs/webrtc/sdp-offer.js';

export interface WhipOffer {
  /** The offer with mDNS candidates removed (docs/browser-notes.md §2.4 pitfall 3). */
  sdp: string;
  /** Index of the audio m-section. */
  index: number;
  /** The G.711 payload type chosen, and its law. */
  payloadType: number;
  law: G711Law;
}

/** RFC 3551 static payload types, used when an offer lists 0 or 8 without an rtpmap. */
const STATIC: Readonly<Record<number, G711Law>> = { 0: 'PCMU', 8: 'PCMA' };

const bad = (why: string): never => {
  throw new GatewayError('GW_ERR_BAD_SDP', `the WHIP offer is not usable: ${why}`);
};

/** Throws GatewayError GW_ERR_BAD_SDP or GW_ERR_TALK_CODEC. */
export function readWhipOffer(text: string, preferred: G711Law): WhipOffer {
  if (text.length === 0) {
    bad('the body is empty');
  }
  if (text.length > MAX_OFFER_BYTES) {
    bad(`it is larger than ${MAX_OFFER_BYTES} bytes`);
  }
  if (!/^v=0\r?\n/.test(text)) {
    bad('it must start with "v=0"');
  }
  const { sdp } = stripMdnsCandidates(text);
  let session: ReturnType<typeof parse>;
  try {
    session = parse(sdp);
  } catch (err) {
    return bad(`parser error (${err instanceof Error ? err.message : String(err)})`);
  }
  const media = session.media ?? [];
  const index = media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (index < 0) {
    return bad('it has no audio m= section; add the microphone track before creating the offer');
  }
  const m = media[index];
  const direction = m.direction ?? session.direction ?? 'sendrecv';
  if (direction !== 'sendonly' && direction !== 'sendrecv') {
    bad(`the audio m= section is ${direction}; a WHIP publisher sends (sendonly or sendrecv)`);
  }
  if (!(m.iceUfrag ?? session.iceUfrag) || !(m.icePwd ?? session.icePwd)) {
    bad('the audio m= section has no a=ice-ufrag/a=ice-pwd');
  }
  if (!(m.fingerprint ?? session.fingerprint)) {
    bad('the audio m= section has no a=fingerprint (DTLS-SRTP is mandatory, RFC 8827 §6.5)');
  }
  const offered = String(m.payloads ?? '')
    .split(' ')
    .filter((p) => p !== '')
    .map(Number);
  const lawOf = (pt: number): G711Law | undefined => {
    const name = m.rtp.find((r) => r.payload === pt)?.codec.toUpperCase() ?? STATIC[pt];
    return name === 'PCMA' || name === 'PCMU' ? name : undefined;
  };
  const g711 = offered.filter((pt) => lawOf(pt) !== undefined);
  if (g711.length === 0) {
    const names = offered.map((pt) => m.rtp.find((r) => r.payload === pt)?.codec ?? String(pt));
    throw new GatewayError(
      'GW_ERR_TALK_CODEC',
      `the offer's audio has ${names.join(', ') || 'no codecs'} but no PCMA or PCMU: keep G.711 in the ` +
        'codec list (setCodecPreferences without it removes it); the gateway does not transcode Opus',
    );
  }
  const payloadType = g711.find((pt) => lawOf(pt) === preferred) ?? g711[0];
  return { sdp, index, payloadType, law: lawOf(payloadType)! };
}
