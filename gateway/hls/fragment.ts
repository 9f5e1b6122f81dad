// Movie fragments (ISO/IEC 14496-12 §8.8) for one LL-HLS part: a moof+mdat pair per track
// run, written by mux.js's generator. mux.js computes trun.data_offset for one traf whose
// mdat follows at once, so video and audio each get their own pair (which ffprobe and
// hls.js both read as one muxed fragment).
import gen, { type MuxSample, type MuxSampleFlags } from 'mux.js/lib/mp4/mp4-generator.js';
import { box, concatBytes } from '../../codecs/fmp4/box.js';
import type { AudioSampleIn, VideoSampleOut } from './segmenter.js';

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

/** One traf's worth: samples that are contiguous in decode time. */
export interface TrackRun {
  readonly id: number;
  readonly type: 'video' | 'audio';
  readonly baseMediaDecodeTime: number;
  readonly samples: MuxSample[];
  readonly payload: readonly Uint8Array[];
}

// mux.js writes every flag field; missing ones would become 0/NaN bits.
const SYNC: MuxSampleFlags = {
  isLeading: 0,
  dependsOn: 2, // does not depend on others (I picture)
  isDependedOn: 0,
  hasRedundancy: 0,
  paddingValue: 0,
  isNonSyncSample: 0,
  degradationPriority: 0,
};
const NON_SYNC: MuxSampleFlags = { ...SYNC, dependsOn: 1, isNonSyncSample: 1 };

export function videoRun(samples: readonly VideoSampleOut[], id = VIDEO_TRACK_ID): TrackRun {
  return {
    id,
    type: 'video',
    baseMediaDecodeTime: samples[0]?.dts ?? 0,
    samples: samples.map((s) => ({
      duration: s.duration,
      size: s.data.byteLength,
      flags: s.keyframe ? SYNC : NON_SYNC,
      compositionTimeOffset: s.cto,
    })),
    payload: samples.map((s) => s.data),
  };
}

/** Audio frames split into runs wherever one does not start where the previous ended. */
export function audioRuns(samples: readonly AudioSampleIn[], id = AUDIO_TRACK_ID): TrackRun[] {
  const runs: TrackRun[] = [];
  let current: TrackRun | undefined;
  let next = Number.NaN;
  for (const s of samples) {
    if (!current || s.time !== next) {
      current = { id, type: 'audio', baseMediaDecodeTime: s.time, samples: [], payload: [] };
      runs.push(current);
    }
    current.samples.push({ duration: s.duration, size: s.data.byteLength });
    (current.payload as Uint8Array[]).push(s.data);
    next = s.time + s.duration;
  }
  return runs;
}

/**
 * moof+mdat for each non-empty run, in order. Sequence numbers (mfhd) start at `sequence`
 * and increase by one per moof; returns the next free one.
 */
export function buildFragment(
  sequence: number,
  runs: readonly TrackRun[],
): { bytes: Uint8Array; nextSequence: number } {
  const parts: Uint8Array[] = [];
  let seq = sequence;
  for (const run of runs) {
    if (run.samples.length === 0) {
      continue;
    }
    const moof = gen.moof(seq++, [
      { id: run.id, type: run.type, baseMediaDecodeTime: run.baseMediaDecodeTime, samples: run.samples },
    ]);
    parts.push(moof, box('mdat', ...run.payload)); // same bytes as gen.mdat, one copy fewer
  }
  return { bytes: concatBytes(parts), nextSequence: seq };
}
