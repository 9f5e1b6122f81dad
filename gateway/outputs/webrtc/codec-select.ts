// Picks the one video and (optionally) one audio payload type the gateway will send, from a
// viewer's offer and the source's codecs. werift would answer with every offered H.264 PT
// and send with the first (docs/browser-notes.md §2.4 pitfall 4), so the choice is made here and
// the offer is narrowed to it before werift sees it (sdp-munge.ts).
import type { AudioCodec, VideoCodec } from '../../../codecs/types.js';
import { WhepError } from './errors.js';
import type { OfferedCodec, OfferedMedia, ParsedOffer } from './sdp-offer.js';

export interface CodecChoice {
  /** a=mid of the m-section, or its index as a string when the offer has no mids. */
  mid: string;
  /** Index of the m-section in the offer. */
  index: number;
  codec: OfferedCodec;
}

export interface VideoChoice extends CodecChoice {
  /** What goes out on the wire. */
  sendCodec: VideoCodec;
  /** True when an H.265 source is sent as H.264 through the transcoder. */
  transcode: boolean;
}

export interface NegotiationPlan {
  video: VideoChoice;
  /** Absent when the source has no G.711 audio or the viewer offered no matching codec. */
  audio?: CodecChoice & { sendCodec: 'PCMA' | 'PCMU' };
  /** Why audio is absent, for the log; undefined when audio is sent or the source has none. */
  audioSkipped?: string;
}

export interface SourceCodecs {
  videoCodec: VideoCodec;
  audioCodec?: AudioCodec;
}

/**
 * RFC 6184 §8.1 profile-level-id = profile_idc, profile-iop (constraint flags), level_idc.
 * Lower rank is better. 42e01f (Constrained Baseline 3.1) first, then 42001f: every WebRTC
 * H.264 decoder accepts them, and Chromium decodes Main/High streams negotiated as 42e01f
 * (docs/browser-notes.md §1), so the camera's real profile does not have to match.
 */
export function h264Rank(fmtp: Readonly<Record<string, string>>): number {
  const pli = (fmtp['profile-level-id'] ?? '42001f').toLowerCase();
  if (pli === '42e01f') {
    return 0;
  }
  if (pli === '42001f') {
    return 1;
  }
  if (/^42[0-9a-f]{2}1f$/.test(pli)) {
    return 2;
  }
  if (pli.startsWith('42')) {
    return 3;
  }
  return 4;
}

/** packetization-mode 1 (non-interleaved) is what STAP-A/FU-A need; absent means 0 (RFC 6184 §8.1). */
export const isH264Mode1 = (c: OfferedCodec): boolean =>
  c.name === 'H264' && c.fmtp['packetization-mode'] === '1';

export function pickH264(codecs: readonly OfferedCodec[]): OfferedCodec | undefined {
  let best: OfferedCodec | undefined;
  for (const c of codecs) {
    if (!isH264Mode1(c)) {
      continue;
    }
    if (!best || h264Rank(c.fmtp) < h264Rank(best.fmtp)) {
      best = c;
    } // strict: ties keep offer order
  }
  return best;
}

/** RFC 7798 §7.1: profile-id 1 (Main) or absent first; tx-mode other than SRST needs DON, which we do not send. */
export function pickH265(codecs: readonly OfferedCodec[]): OfferedCodec | undefined {
  const h265 = codecs.filter(
    (c) => c.name === 'H265' && (c.fmtp['tx-mode'] ?? 'SRST').toUpperCase() === 'SRST',
  );
  return h265.find((c) => (c.fmtp['profile-id'] ?? '1') === '1') ?? h265[0];
}

const midOf = (m: OfferedMedia, index: number): string => m.mid ?? String(index);

/**
 * Throws WhepError GW_ERR_CODEC_UNSUPPORTED when the viewer cannot take the source video.
 * @param canTranscode an H.265 → H.264 transcoder is available for viewers without H.265.
 */
export function selectCodecs(
  offer: ParsedOffer,
  source: SourceCodecs,
  canTranscode = false,
): NegotiationPlan {
  const videoIndex = offer.media.findIndex((m) => m.kind === 'video' && !m.rejected);
  const videoMedia = offer.media[videoIndex];
  if (!videoMedia) {
    throw new WhepError('GW_ERR_BAD_SDP', 'the SDP offer has no video m= section');
  }
  let video: VideoChoice | undefined;
  if (source.videoCodec === 'H265') {
    const h265 = pickH265(videoMedia.codecs);
    const h264 = h265 ? undefined : pickH264(videoMedia.codecs);
    if (h265) {
      video = {
        mid: midOf(videoMedia, videoIndex),
        index: videoIndex,
        codec: h265,
        sendCodec: 'H265',
        transcode: false,
      };
    } else if (h264 && canTranscode) {
      video = {
        mid: midOf(videoMedia, videoIndex),
        index: videoIndex,
        codec: h264,
        sendCodec: 'H264',
        transcode: true,
      };
    } else {
      throw new WhepError(
        'GW_ERR_CODEC_UNSUPPORTED',
        'The camera sends H.265, this browser offered no H.265 decoder, and H.265 → H.264 transcoding is off on this gateway (--transcode-h265; it needs ffmpeg). Turn transcoding on, or play the HLS URL in a browser that decodes H.265 (Safari; Chrome or Edge with hardware HEVC decoding).',
      );
    }
  } else {
    const h264 = pickH264(videoMedia.codecs);
    if (!h264) {
      const modeZeroOnly = videoMedia.codecs.some((c) => c.name === 'H264');
      throw new WhepError(
        'GW_ERR_CODEC_UNSUPPORTED',
        modeZeroOnly
          ? 'The camera sends H.264 but this browser offered H.264 only with packetization-mode=0; the gateway needs packetization-mode=1.'
          : 'The camera sends H.264 and this browser offered no H.264 decoder over WebRTC; play the HLS URL instead (its MSE plays H.264).',
      );
    }
    video = {
      mid: midOf(videoMedia, videoIndex),
      index: videoIndex,
      codec: h264,
      sendCodec: 'H264',
      transcode: false,
    };
  }
  const plan: NegotiationPlan = { video };
  const audioCodec = source.audioCodec;
  if (audioCodec === undefined) {
    return plan;
  }
  if (!offer.bundled) {
    // One ICE/DTLS transport carries everything the gateway sends (peer-config.ts); an offer
    // without BUNDLE wants one per m-section, so only its video section is answered.
    plan.audioSkipped =
      'the offer does not BUNDLE its m-sections; audio is sent on the bundled transport only';
    return plan;
  }
  if (audioCodec !== 'PCMA' && audioCodec !== 'PCMU') {
    plan.audioSkipped = `the source audio is ${audioCodec}, which WebRTC cannot carry without transcoding`;
    return plan;
  }
  const audioIndex = offer.media.findIndex(
    (m) => m.kind === 'audio' && !m.rejected && (m.direction === 'recvonly' || m.direction === 'sendrecv'),
  );
  const audioMedia = offer.media[audioIndex];
  if (!audioMedia) {
    plan.audioSkipped = 'the offer has no receiving audio m= section';
    return plan;
  }
  // G.711 is 8 kHz mono by definition (RFC 3551 §4.5.14).
  const g711 = audioMedia.codecs.find((c) => c.name === audioCodec && c.clockRate === 8000);
  if (!g711) {
    plan.audioSkipped = `the viewer offered no ${audioCodec}`;
    return plan;
  }
  plan.audio = { mid: midOf(audioMedia, audioIndex), index: audioIndex, codec: g711, sendCodec: audioCodec };
  return plan;
}
