// Micro-benchmark timing (style.md §8.7): untimed warm-up passes so the JIT has compiled the
// hot path, then a fixed number of timed passes with process.hrtime.bigint(); the median pass
// is the figure, the fastest is kept to show the spread.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import type { AccessUnit } from '../../codecs/types.js';
import { vectorsDir } from './paths.js';
import { median } from './stats.js';

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
  return [...demuxer.push(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)), ...demuxer.flush()];
}

/** Share of one core a 4 Mbit/s stream costs at `mbPerSec` of processing speed, in %. */
export const pctOfCorePer4Mbps = (mbPerSec: number): number => (0.5 / mbPerSec) * 100;
