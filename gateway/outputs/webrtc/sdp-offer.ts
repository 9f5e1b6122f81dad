// Reads a WHEP viewer's SDP offer (RFC 8866 syntax, RFC 8829 JSEP usage): which codecs each
// m-section offers, with their fmtp parameters, and whether the offer is usable at all.
// Also drops mDNS (.local) candidates, which werift would try to resolve by multicast DNS
// with up to 10 s timeouts (docs/browser-notes.md §2.4 pitfall 3).
import { parse } from 'sdp-transform';
import { WhepError } from './errors.js';
import { offerHasBundle } from './sdp-answer.js';

/** Upper bound for an offer; Chromium's full offer is about 6 KB. */
export const MAX_OFFER_BYTES = 64 * 1024;

export interface OfferedCodec {
  payloadType: number;
  /** Encoding name upper-cased: 'H264', 'H265', 'PCMA', 'OPUS', 'RTX', … */
  name: string;
  clockRate: number;
  channels?: number;
  /** fmtp key=value pairs; keys lower-cased, values kept as strings (profile-level-id is hex). */
  fmtp: Readonly<Record<string, string>>;
  /** rtcp-fb values for this payload type (and '*'), e.g. 'nack', 'nack pli', 'ccm fir'. */
  rtcpFb: readonly string[];
}

export interface OfferedMedia {
  /** m= media type: 'video', 'audio', 'application', … */
  kind: string;
  /** a=mid; undefined in non-bundled legacy offers. */
  mid?: string;
  /** m= port 0 marks a rejected or stopped section. */
  rejected: boolean;
  direction: 'sendrecv' | 'recvonly' | 'sendonly' | 'inactive';
  /** In m= line order (the offerer's preference, RFC 3264 §5.1). */
  codecs: readonly OfferedCodec[];
}

export interface ParsedOffer {
  /** The offer text with mDNS candidates removed; what werift gets (after codec filtering). */
  sdp: string;
  media: readonly OfferedMedia[];
  /** How many a=candidate lines with a .local host were dropped. */
  mdnsCandidatesDropped: number;
  /** The offer groups its m-sections with a=group:BUNDLE (RFC 8843); the answer may only then. */
  bundled: boolean;
}

/** Parses `key=value;key=value` (RFC 6184 §8.2.1 style) without turning hex into numbers. */
export function parseFmtp(config: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of config.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      continue;
    }
    out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Drops `a=candidate` lines whose connection address is an mDNS name (RFC 8445 §5.1, draft-ietf-mmusic-mdns-ice-candidates). */
export function stripMdnsCandidates(sdp: string): { sdp: string; dropped: number } {
  let dropped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith('a=candidate:')) {
      return true;
    }
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ …
    const address = line.split(' ')[4] ?? '';
    if (address.toLowerCase().endsWith('.local')) {
      dropped++;
      return false;
    }
    return true;
  });
  return { sdp: lines.join('\r\n'), dropped };
}

const DIRECTIONS = new Set(['sendrecv', 'recvonly', 'sendonly', 'inactive']);

/** Throws WhepError GW_ERR_BAD_SDP with a reason a developer can act on. */
export function parseOffer(text: string): ParsedOffer {
  const bad = (why: string): never => {
    throw new WhepError('GW_ERR_BAD_SDP', `the SDP offer is not usable: ${why}`);
  };
  if (text.length === 0) {
    bad('the body is empty');
  }
  if (text.length > MAX_OFFER_BYTES) {
    throw new WhepError('GW_ERR_PAYLOAD_TOO_LARGE', `the SDP offer is larger than ${MAX_OFFER_BYTES} bytes`);
  }
  if (!/^v=0\r?\n/.test(text)) {
    bad('it must start with "v=0"');
  }
  const { sdp, dropped } = stripMdnsCandidates(text);
  let session: ReturnType<typeof parse>;
  try {
    session = parse(sdp);
  } catch (err) {
    return bad(`parser error (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!session.media || session.media.length === 0) {
    bad('it has no m= sections');
  }
  const media: OfferedMedia[] = session.media.map((m) => {
    const rtcpFbFor = (pt: number): string[] =>
      (m.rtcpFb ?? [])
        .filter((fb) => String(fb.payload) === String(pt) || fb.payload === '*')
        .map((fb) => (fb.subtype ? `${fb.type} ${fb.subtype}` : fb.type));
    const fmtpFor = (pt: number): Record<string, string> => {
      const line = m.fmtp.find((f) => f.payload === pt);
      return line ? parseFmtp(line.config) : {};
    };
    const order = String(m.payloads ?? '')
      .split(' ')
      .filter((p) => p !== '')
      .map(Number);
    const codecs = order.flatMap((pt): OfferedCodec[] => {
      const rtp = m.rtp.find((r) => r.payload === pt);
      if (!rtp) {
        return [];
      }
      return [
        {
          payloadType: pt,
          name: rtp.codec.toUpperCase(),
          clockRate: rtp.rate ?? 0,
          ...(rtp.encoding !== undefined ? { channels: rtp.encoding } : {}),
          fmtp: fmtpFor(pt),
          rtcpFb: rtcpFbFor(pt),
        },
      ];
    });
    const direction = m.direction ?? session.direction ?? 'sendrecv';
    return {
      kind: m.type,
      ...(m.mid !== undefined ? { mid: String(m.mid) } : {}),
      rejected: m.port === 0,
      direction: DIRECTIONS.has(direction) ? direction : 'sendrecv',
      codecs,
    };
  });
  const hasIce = (m: (typeof session.media)[number]) =>
    Boolean((m.iceUfrag ?? session.iceUfrag) && (m.icePwd ?? session.icePwd));
  const hasFingerprint = (m: (typeof session.media)[number]) => Boolean(m.fingerprint ?? session.fingerprint);
  for (const m of session.media) {
    if (m.port === 0) {
      continue;
    }
    if (!hasIce(m)) {
      bad(`m=${m.type} has no a=ice-ufrag/a=ice-pwd`);
    }
    if (!hasFingerprint(m)) {
      bad(`m=${m.type} has no a=fingerprint (DTLS-SRTP is mandatory, RFC 8827 §6.5)`);
    }
    if (!/RTP\/SAVPF|DTLS\/SCTP/.test(m.protocol)) {
      bad(`m=${m.type} uses ${m.protocol}; WebRTC needs UDP/TLS/RTP/SAVPF`);
    }
  }
  const video = media.find((m) => m.kind === 'video' && !m.rejected);
  if (!video) {
    bad('it has no video m= section; add a recvonly video transceiver');
  }
  if (video && (video.direction === 'sendonly' || video.direction === 'inactive')) {
    bad(`the video m= section is ${video.direction}; a WHEP viewer must offer recvonly or sendrecv`);
  }
  return { sdp, media, mdnsCandidatesDropped: dropped, bundled: offerHasBundle(sdp) };
}
