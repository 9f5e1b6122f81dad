// Small order statistics for benchmark samples: quantiles with linear interpolation between
// closest ranks (the "R-7" definition most tools use), and min/median/max summaries.

export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number;
}

/** q in [0, 1]; `sorted` ascending. NaN for an empty list. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0] ?? Number.NaN,
    median: quantileSorted(sorted, 0.5),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    runs: sorted.length,
  };
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) {
    return x;
  }
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Rounds to `significant` significant digits (for figures whose scale varies a lot). */
export function roundSig(x: number, significant = 3): number {
  if (!Number.isFinite(x) || x === 0) {
    return x;
  }
  const digits = significant - 1 - Math.floor(Math.log10(Math.abs(x)));
  return round(x, Math.max(0, digits));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
