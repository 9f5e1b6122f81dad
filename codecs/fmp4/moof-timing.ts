// Reads back what a fragment says about one track's time: the decode time of its first sample
// (tfdt, ISO/IEC 14496-12 §8.8.12) and the sum of its sample durations (trun §8.8.8, or the
// tfhd default §8.8.7). Recordings use it to rebuild their index from the files alone (after a
// crash) and to list fragments for playback. Never throws: a box that does not parse gives
// undefined.
import { childrenOfType, readBoxes, readU32, type BoxRef } from './box.js';
import { TRUN_DURATION } from './box-flags.js';
import { readTfdt, readTfhd, readTrun } from './traf-fields.js';

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
  const tfhdBox = childrenOfType(bytes, traf, 'tfhd')[0];
  const tfdt = childrenOfType(bytes, traf, 'tfdt')[0];
  const tfhd = tfhdBox && readTfhd(bytes, tfhdBox);
  if (!tfhd || !tfdt || tfhd.trackId !== trackId) {
    return undefined;
  }
  const start = readTfdt(bytes, tfdt);
  if (start === undefined) {
    return undefined;
  }
  let duration = 0;
  let samples = 0;
  for (const trunBox of childrenOfType(bytes, traf, 'trun')) {
    const trun = readTrun(bytes, trunBox);
    if (!trun) {
      return undefined;
    }
    for (let i = 0, p = trun.entries; i < trun.count; i++, p += trun.stride) {
      duration += trun.flags & TRUN_DURATION ? readU32(bytes, p) : tfhd.defaultDuration;
    }
    samples += trun.count;
  }
  return { start, duration, samples };
}
