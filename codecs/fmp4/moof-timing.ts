// Reads back what a fragment says about one track's time: the decode time of its first sample
// (tfdt, ISO/IEC 14496-12 §8.8.12) and the sum of its sample durations (trun §8.8.8, or the
// tfhd default §8.8.7). Recordings use it to rebuild their index from the files alone (after a
// crash) and to list fragments for playback. Never throws: a box that does not parse gives
// undefined.
import { childrenOfType, readBoxes, readU32, type BoxRef } from './box.js';
import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_SAMPLE_DESCRIPTION,
  TFHD_DEFAULT_DURATION,
  TRUN_DATA_OFFSET,
  TRUN_FIRST_FLAGS,
  TRUN_DURATION,
  TRUN_SIZE,
  TRUN_FLAGS,
  TRUN_CTO,
} from './box-flags.js';

export interface TrackTiming {
  /** tfdt of the track's first traf in the moof, in the track's timescale. */
  readonly start: number;
  /** Sum of the durations of all the track's samples in the moof. */
  readonly duration: number;
  readonly samples: number;
}

/** `moof` is the whole moof box (header included). */
export function trackTimingOfMoof(moof: Uint8Array, trackId: number): TrackTiming | undefined {
  const top = readBoxes(moof)[0];
  if (!top || top.type !== 'moof') {
    return undefined;
  }
  let start: number | undefined;
  let duration = 0;
  let samples = 0;
  for (const traf of childrenOfType(moof, top, 'traf')) {
    const timing = trafTiming(moof, traf, trackId);
    if (timing === undefined) {
      continue;
    }
    start ??= timing.start;
    duration += timing.duration;
    samples += timing.samples;
  }
  return start === undefined ? undefined : { start, duration, samples };
}

function trafTiming(bytes: Uint8Array, traf: BoxRef, trackId: number): TrackTiming | undefined {
  const tfhd = childrenOfType(bytes, traf, 'tfhd')[0];
  const tfdt = childrenOfType(bytes, traf, 'tfdt')[0];
  if (!tfhd || !tfdt || tfhd.end - tfhd.start < 16 || tfdt.end - tfdt.start < 16) {
    return undefined;
  }
  const tfhdFlags = readU32(bytes, tfhd.start + 8) & 0xffffff;
  if (readU32(bytes, tfhd.start + 12) !== trackId) {
    return undefined;
  }
  // tfhd optional fields, in order: base_data_offset (8), sample_description_index (4), then
  // default_sample_duration.
  let at = tfhd.start + 16;
  at += tfhdFlags & TFHD_BASE_DATA_OFFSET ? 8 : 0;
  at += tfhdFlags & TFHD_SAMPLE_DESCRIPTION ? 4 : 0;
  const defaultDuration = tfhdFlags & TFHD_DEFAULT_DURATION && at + 4 <= tfhd.end ? readU32(bytes, at) : 0;
  const version = bytes[tfdt.start + 8];
  const start =
    version === 1
      ? tfdt.end - tfdt.start >= 20
        ? readU32(bytes, tfdt.start + 12) * 0x1_0000_0000 + readU32(bytes, tfdt.start + 16)
        : undefined
      : readU32(bytes, tfdt.start + 12);
  if (start === undefined) {
    return undefined;
  }
  let duration = 0;
  let samples = 0;
  for (const trun of childrenOfType(bytes, traf, 'trun')) {
    if (trun.end - trun.start < 16) {
      return undefined;
    }
    const flags = readU32(bytes, trun.start + 8) & 0xffffff;
    const count = readU32(bytes, trun.start + 12);
    let p = trun.start + 16 + (flags & TRUN_DATA_OFFSET ? 4 : 0) + (flags & TRUN_FIRST_FLAGS ? 4 : 0);
    const stride =
      4 *
      (Number((flags & TRUN_DURATION) !== 0) +
        Number((flags & TRUN_SIZE) !== 0) +
        Number((flags & TRUN_FLAGS) !== 0) +
        Number((flags & TRUN_CTO) !== 0));
    if (p + count * stride > trun.end) {
      return undefined;
    }
    for (let i = 0; i < count; i++, p += stride) {
      duration += flags & TRUN_DURATION ? readU32(bytes, p) : defaultDuration;
    }
    samples += count;
  }
  return { start, duration, samples };
}
