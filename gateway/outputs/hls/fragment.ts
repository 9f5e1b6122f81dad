// Movie fragments (ISO/IEC 14496-12 §8.8) for one LL-HLS part: a moof+mdat pair per track
// run, the moof written by mux.js's generator. mux.js computes trun.data_offset for one traf
// whose mdat follows at once, so video and audio each get their own pair (which ffprobe and
// hls.js both read as one muxed fragment).
//
// Memory: the whole fragment is one allocation; video samples still held as NAL units (views
// of the demuxer's buffer) are length-prefixed straight into it, so each media byte is copied
// once between the demuxer and the bytes served.
import gen, { type MuxSample, type MuxSampleFlags } from 'mux.js/lib/mp4/mp4-generator.js';
import { writeU32 } from '../../../codecs/fmp4/box.js';
import { writeLengthPrefixed } from '../../../codecs/fmp4/avcc-sample.js';
import type { AudioSampleIn, SampleBytes, VideoSampleOut } from './segmenter.js';

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

/** One traf's worth: samples that are contiguous in decode time. */
export interface TrackRun {
  readonly id: number;
  readonly type: 'video' | 'audio';
  readonly baseMediaDecodeTime: number;
  readonly samples: MuxSample[];
  /** One entry per sample, in order; its byteLength is the sample's size. */
  readonly payload: readonly SampleBytes[];
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

/** 'mdat' as a big-endian 32-bit word. */
const MDAT = 0x6d646174;

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
    (current.payload as SampleBytes[]).push(s.data);
    next = s.time + s.duration;
  }
  return runs;
}

/**
 * moof+mdat for each non-empty run, in order, in one buffer. Sequence numbers (mfhd) start
 * at `sequence` and increase by one per moof; returns the next free one.
 */
export function buildFragment(
  sequence: number,
  runs: readonly TrackRun[],
): { bytes: Uint8Array; nextSequence: number } {
  const moofs: Uint8Array[] = [];
  const mdatSizes: number[] = [];
  let total = 0;
  let seq = sequence;
  for (const run of runs) {
    if (run.samples.length === 0) {
      continue;
    }
    const moof = gen.moof(seq++, [
      { id: run.id, type: run.type, baseMediaDecodeTime: run.baseMediaDecodeTime, samples: run.samples },
    ]);
    let mdatSize = 8;
    for (const p of run.payload) {
      mdatSize += p.byteLength;
    }
    moofs.push(moof);
    mdatSizes.push(mdatSize);
    total += moof.byteLength + mdatSize;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  let i = 0;
  for (const run of runs) {
    if (run.samples.length === 0) {
      continue;
    }
    bytes.set(moofs[i], at);
    at += moofs[i].byteLength;
    writeU32(bytes, at, mdatSizes[i]); // ISO/IEC 14496-12 §8.1.1: size, then 'mdat', then data
    writeU32(bytes, at + 4, MDAT);
    at += 8;
    for (const p of run.payload) {
      if (p instanceof Uint8Array) {
        bytes.set(p, at);
        at += p.byteLength;
      } else {
        at = writeLengthPrefixed(p.units, bytes, at);
      }
    }
    i++;
  }
  return { bytes, nextSequence: seq };
}
