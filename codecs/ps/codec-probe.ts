// Which codec an elementary stream really carries. The PSM is only a hint: it can be
// missing (ffmpeg's PS muxer writes none) or wrong (docs/gb28181.md §10.6 and quirk #20: Kedacom
// labels H.265 as 0x1B H.264; Dahua labels AAC as 0x90 G.711), so the payload decides.
import type { AudioCodec, VideoCodec } from '../types.js';
import * as h264 from '../h264/nal.js';
import { isPlausibleH264Header } from '../h264/nal.js';
import * as h265 from '../h265/nal.js';
import { isPlausibleH265Header } from '../h265/nal.js';

/**
 * Codec of a NAL unit from its first two header bytes, or undefined while they fit both
 * codecs (or neither) and no hint breaks the tie; the caller then tries the next NAL unit.
 * An H.264 header with nal_ref_idc odd has the H.265 nuh_layer_id high bit set, and most
 * H.265 headers (VPS 40 01, SPS 42 01, AUD 46 01, IDR 26 01) are H.264 types that cannot
 * occur with that nal_ref_idc, so real streams decide on their first parameter set.
 */
export function probeVideoCodec(
  b0: number,
  b1: number,
  hint: VideoCodec | undefined,
): VideoCodec | undefined {
  const h264 = isPlausibleH264Header(b0);
  const h265 = isPlausibleH265Header(b0, b1);
  if (h264 && !h265) {
    return 'H264';
  }
  if (h265 && !h264) {
    return 'H265';
  }
  return h264 && h265 ? hint : undefined;
}

/**
 * The header of an AUD, VPS or SPS (while decoding H.264) or of an AUD or SPS (while decoding
 * H.265) that only the other codec can have (codec-probe.ts): how a new encoder's first
 * access unit starts, and so how a codec change shows in the payload.
 */
export function startsOtherCodec(codec: VideoCodec, b0: number, b1: number): boolean {
  if (codec === 'H264') {
    const type = h265.nalType(b0);
    const starts = type === h265.NalType.AUD || type === h265.NalType.VPS || type === h265.NalType.SPS;
    return starts && probeVideoCodec(b0, b1, undefined) === 'H265';
  }
  const type = h264.nalType(b0);
  const starts = type === h264.NalType.AUD || type === h264.NalType.SPS;
  return starts && probeVideoCodec(b0, b1, undefined) === 'H264';
}

/**
 * An ADTS header (ISO/IEC 13818-7 §6.2): syncword 0xFFF, layer 00, and an aac_frame_length
 * that fits the bytes. G.711 µ-law silence is 0xFF too, but with layer bits 11.
 */
export function looksLikeAdts(payload: Uint8Array): boolean {
  if (payload.length < 7 || payload[0] !== 0xff || (payload[1] & 0xf6) !== 0xf0) {
    return false;
  }
  const frameLength = ((payload[3] & 3) << 11) | (payload[4] << 3) | (payload[5] >> 5);
  return frameLength >= 7 && frameLength <= payload.length;
}

/** The audio codec to use: ADTS bytes win over any PSM label; otherwise the PSM's. */
export function probeAudioCodec(payload: Uint8Array, hint: AudioCodec | undefined): AudioCodec | undefined {
  if (looksLikeAdts(payload)) {
    return 'AAC';
  }
  return hint;
}
