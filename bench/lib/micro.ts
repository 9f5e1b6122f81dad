// Micro-benchmark timing (docs/testing.md §8): untimed warm-up passes so the JIT has compiled the
// hot path, then a fixed number of timed passes with process.hrtime.bigint(); the median pass
// is the figure, the fastest is kept to show the spread.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import type { AccessUnit } from '../../codecs/types.js';
import { vectorsDir } from './paths.js';
import { median, round, roundSig } from './stats.js';
import type { Metric } from '../suite.js';

export interface PassTimes {
  medianMs: number;
  minMs: number;
  passes: number;
}

export function timePasses(pass: () => void, opts: { warmup?: number; passes: number }): PassTimes {
  for (let i = 0; i < (opts.warmup ?? 3); i++) {
    pass();
  }
  const times: number[] = [];
  for (let i = 0; i < opts.passes; i++) {
    const t0 = process.hrtime.bigint();
    pass();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { medianMs: median(times), minMs: Math.min(...times), passes: opts.passes };
}

/**
 * Other work on a shared machine slows some passes; when the median pass is more than 30 %
 * slower than the fastest, the round is repeated (up to `rounds` in all) and the round with
 * the fastest median kept.
 */
export function steadiest<T extends { medianMs: number; minMs: number }>(
  measure: () => T,
  rounds = 3,
): T & { rounds: number } {
  let best = measure();
  let n = 1;
  while (n < rounds && best.medianMs > best.minMs * 1.3) {
    const next = measure();
    n++;
    if (next.medianMs < best.medianMs) {
      best = next;
    }
  }
  return { ...best, rounds: n };
}

/** All access units of a PS vector, in decode order (undefined when the file is absent). */
export function vectorAccessUnits(name: string): AccessUnit[] | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(join(vectorsDir, name));
  } catch {
    return undefined;
  }
  const demuxer = new PsDemuxer();
  return [
    ...demuxer.push({ payload: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) }),
    ...demuxer.flush(),
  ];
}

/** Share of one core a 4 Mbit/s stream costs at `mbPerSec` of processing speed, in %. */
export const pctOfCorePer4Mbps = (mbPerSec: number): number => (0.5 / mbPerSec) * 100;

/** The per-stream codec suites (packetize, fmp4) run over the video of these two vectors. */
export const VECTORS_1080P = [
  { codec: 'H264', file: 'ms_h264_1080p_g711u.ps' },
  { codec: 'H265', file: 'ms_h265_1080p_g711a.ps' },
] as const;

/** Bytes carried by the access units' NAL units or audio frames. */
export function unitBytes(aus: readonly AccessUnit[]): number {
  let n = 0;
  for (const au of aus) {
    for (const u of au.units) {
      n += u.byteLength;
    }
  }
  return n;
}

/**
 * The two figures every per-stream codec suite reports for one input: its speed in MB/s (the
 * headline for H.264) and the share of a core one 4 Mbit/s stream costs at that speed.
 */
export function throughputMetrics(
  codec: string,
  label: string,
  mbPerSec: number,
): { speed: Metric; corePer4Mbps: Metric } {
  const k = codec.toLowerCase();
  return {
    speed: {
      key: `${k}.mbPerSec`,
      label,
      value: mbPerSec,
      unit: 'MB/s',
      better: 'higher',
      headline: codec === 'H264',
    },
    corePer4Mbps: {
      key: `${k}.pctCorePer4Mbps`,
      label: `${codec}: share of a core per 4 Mbit/s stream`,
      value: roundSig(pctOfCorePer4Mbps(mbPerSec), 2),
      unit: '% of a core',
      better: 'lower',
    },
  };
}

/** The timing fields a suite step records from a steadiest(timePasses(…)) result. */
export function timingFields(t: PassTimes & { rounds: number }): {
  medianMs: number;
  minMs: number;
  rounds: number;
} {
  return { medianMs: round(t.medianMs, 3), minMs: round(t.minMs, 3), rounds: t.rounds };
}
