// Axis scales for the hand-written SVG charts: "nice" tick steps of 1, 2 or 5 × 10^k
// (the classic Heckbert "Nice numbers for graph labels", Graphics Gems 1990), and a log scale
// for latency distributions.

export interface Scale {
  min: number;
  max: number;
  ticks: number[];
  /** Maps a data value to [0, 1] along the axis. */
  norm(v: number): number;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  // Round to the nearest of 1, 2, 5, 10 (geometric midpoints), so the axis stays close to the data.
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/** A linear scale covering [lo, hi] with about `count` ticks; lo/hi widen to tick multiples. */
export function linearScale(lo: number, hi: number, count = 5): Scale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi <= lo) {
    hi = lo === 0 ? 1 : lo + Math.abs(lo);
  }
  const step = niceStep(hi - lo, count);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = min; v <= max + step / 2; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return { min, max, ticks, norm: (v) => (v - min) / (max - min) };
}

/** A base-10 log scale over whole decades containing [lo, hi] (both > 0); ticks at 1, 2, 5 × 10^k. */
export function logScale(lo: number, hi: number): Scale {
  const safeLo = lo > 0 && Number.isFinite(lo) ? lo : 0.01;
  const safeHi = hi > safeLo && Number.isFinite(hi) ? hi : safeLo * 10;
  const min = 10 ** Math.floor(Math.log10(safeLo));
  const max = 10 ** Math.ceil(Math.log10(safeHi));
  const ticks: number[] = [];
  for (let d = min; d <= max * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = Number((d * m).toPrecision(12));
      if (v >= min && v <= max * 1.0001) {
        ticks.push(v);
      }
    }
  }
  const l0 = Math.log10(min);
  const l1 = Math.log10(max);
  return { min, max, ticks, norm: (v) => (Math.log10(Math.max(v, min)) - l0) / (l1 - l0) };
}
