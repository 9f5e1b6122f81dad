// `--compare`: checks a run's figures against bench/baseline.json, on the model of hls.js's
// size budget: each baselined metric may be worse by its tolerance (a fraction, default the
// file's) plus an absolute slack before it counts as a regression. `--save-baseline` writes
// the headline and throughput figures of the latest results as the new baseline.
import type { Better } from '../suite.js';
import type { StoredSuite } from './results-types.js';

export interface BaselineEntry {
  value: number;
  better: Better;
  unit?: string;
  /** Fraction, e.g. 0.25; default the file's tolerance. */
  tolerance?: number;
  /** Absolute amount added to the allowance (for figures near zero). */
  slack?: number;
}

export interface BaselineFile {
  about?: string;
  machine?: string;
  tolerance: number;
  metrics: Record<string, BaselineEntry>;
}

const LOAD_TOLERANCE = 0.4;

export type CompareStatus = 'ok' | 'improved' | 'regressed' | 'missing';

export interface Comparison {
  key: string;
  baseline: number;
  current: number | null;
  unit: string;
  /** Signed change in %, positive = better. */
  changePct: number | null;
  allowedPct: number;
  status: CompareStatus;
}

export function compare(suites: readonly StoredSuite[], baseline: BaselineFile): Comparison[] {
  const current = new Map<string, number | null>();
  for (const s of suites) {
    if (s.status !== 'ok') {
      continue;
    }
    for (const m of s.metrics) {
      current.set(`${s.suite}.${m.key}`, m.value);
    }
  }
  const ran = new Set(suites.map((s) => s.suite));
  const out: Comparison[] = [];
  for (const [key, b] of Object.entries(baseline.metrics)) {
    if (!ran.has(key.slice(0, key.indexOf('.')))) {
      continue; // that suite was not part of this run
    }
    const tol = b.tolerance ?? baseline.tolerance;
    const cur = current.get(key);
    if (cur === undefined || cur === null || !Number.isFinite(cur)) {
      out.push({
        key,
        baseline: b.value,
        current: null,
        unit: b.unit ?? '',
        changePct: null,
        allowedPct: tol * 100,
        status: 'missing',
      });
      continue;
    }
    const sign = b.better === 'higher' ? 1 : -1;
    const diff = (cur - b.value) * sign; // > 0 is better
    const allowance = Math.abs(b.value) * tol + (b.slack ?? 0);
    const changePct = b.value !== 0 ? (diff / Math.abs(b.value)) * 100 : null;
    const status: CompareStatus = diff < -allowance ? 'regressed' : diff > allowance ? 'improved' : 'ok';
    out.push({
      key,
      baseline: b.value,
      current: cur,
      unit: b.unit ?? '',
      changePct,
      allowedPct: tol * 100,
      status,
    });
  }
  return out;
}

/** Headline metrics plus the micro-benchmark throughputs; reference figures (ffmpeg) are left out. */
export function baselineFrom(
  suites: readonly StoredSuite[],
  previous: BaselineFile | undefined,
  machine: string,
): BaselineFile {
  const metrics: Record<string, BaselineEntry> = { ...(previous?.metrics ?? {}) };
  for (const s of suites) {
    if (s.status !== 'ok') {
      continue;
    }
    for (const m of s.metrics) {
      const isThroughput = m.unit === 'MB/s' && !m.note;
      if ((!m.headline && !isThroughput) || m.value === null || !Number.isFinite(m.value)) {
        continue;
      }
      const key = `${s.suite}.${m.key}`;
      // Load figures (CPU shares, capacities, delays) vary more between runs than throughputs.
      const tolerance = metrics[key]?.tolerance ?? (isThroughput ? undefined : LOAD_TOLERANCE);
      metrics[key] = {
        ...metrics[key],
        value: m.value,
        better: m.better,
        unit: m.unit,
        ...(tolerance !== undefined ? { tolerance } : {}),
      };
    }
  }
  return {
    about:
      previous?.about ??
      'Accepted figures for `npm run bench -- --compare`; regenerate with `--save-baseline`. Load suites vary more than micro-benchmarks, so they carry a wider tolerance.',
    machine,
    tolerance: previous?.tolerance ?? 0.25,
    metrics,
  };
}
