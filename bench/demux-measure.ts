// Measures in-process PS demux throughput: whole input to access units with NAL units
// split, median of several timed passes after warm-up (docs/testing.md §8: hrtime, warm-up,
// fixed passes). Reusable by the bench suite; demux-file.ts is its command line.
import { performance } from 'node:perf_hooks';
import { PsDemuxer } from '../codecs/ps/demuxer.js';
import { describeH264 } from '../codecs/h264/describe.js';
import { describeH265 } from '../codecs/h265/describe.js';
import type { AccessUnit, AudioCodec, VideoCodec } from '../codecs/types.js';

export interface MeasureOptions {
  /** Timed passes (at least 5 are run). Default 11. */
  passes?: number;
  /**
   * Untimed passes first, so the JIT has compiled the hot path: at least this many (default 5)
   * and at least `warmupMs` of them (default 300 ms, so small files get more).
   */
  warmup?: number;
  warmupMs?: number;
  /** Push the input in chunks of this many bytes; 0 or absent: one push of the whole input. */
  chunk?: number;
}

export interface DemuxSummary {
  bytes: number;
  videoCodec: VideoCodec | null;
  audioCodec: AudioCodec | null;
  width: number | null;
  height: number | null;
  videoFrames: number;
  keyframes: number;
  audioFrames: number;
  audioBytes: number;
}

export interface DemuxMeasurement extends DemuxSummary {
  /** bytes / 1e6 / median seconds of the timed passes. */
  mbPerSec: number;
  passes: number;
  medianMs: number;
  minMs: number;
  chunk: number;
}

/** One full demux of `bytes`; returns the access units' summary. */
export function demuxOnce(bytes: Uint8Array, chunk = 0): DemuxSummary {
  const demuxer = new PsDemuxer();
  const s: DemuxSummary = {
    bytes: bytes.length,
    videoCodec: null,
    audioCodec: null,
    width: null,
    height: null,
    videoFrames: 0,
    keyframes: 0,
    audioFrames: 0,
    audioBytes: 0,
  };
  const take = (aus: AccessUnit[]): void => {
    for (const au of aus) {
      if (au.codec === 'H264' || au.codec === 'H265') {
        s.videoCodec ??= au.codec;
        s.videoFrames++;
        if (!au.keyframe) {
          continue;
        }
        s.keyframes++;
        if (s.width === null) {
          const d = au.codec === 'H264' ? describeH264(au.units) : describeH265(au.units);
          if (d) {
            s.width = d.width;
            s.height = d.height;
          }
        }
      } else {
        s.audioCodec ??= au.codec;
        s.audioFrames++;
        for (const u of au.units) {
          s.audioBytes += u.length;
        }
      }
    }
  };
  if (chunk > 0) {
    for (let i = 0; i < bytes.length; i += chunk) {
      take(demuxer.push({ payload: bytes.subarray(i, i + chunk) }));
    }
  } else {
    take(demuxer.push({ payload: bytes }));
  }
  take(demuxer.flush());
  return s;
}

export function measureDemux(bytes: Uint8Array, options: MeasureOptions = {}): DemuxMeasurement {
  const passes = Math.max(5, options.passes ?? 11);
  const warmup = options.warmup ?? 5;
  const warmupMs = options.warmupMs ?? 300;
  const started = performance.now();
  const chunk = options.chunk ?? 0;
  const summary = demuxOnce(bytes, chunk);
  for (let i = 1; i < warmup || performance.now() - started < warmupMs; i++) {
    demuxOnce(bytes, chunk);
  }
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    demuxOnce(bytes, chunk);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return {
    ...summary,
    mbPerSec: Math.round((bytes.length / 1e6 / (medianMs / 1000)) * 10) / 10,
    passes,
    medianMs: Math.round(medianMs * 1000) / 1000,
    minMs: Math.round(times[0] * 1000) / 1000,
    chunk,
  };
}
