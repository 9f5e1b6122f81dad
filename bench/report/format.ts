// Number formatting shared by the terminal summary, the Markdown report and the charts:
// thousands separators, and about three significant digits for small values.

export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) {
    return '–';
  }
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatValue(x: number | null | undefined, unit: string): string {
  const n = formatNumber(x);
  if (n === '–' || !unit) {
    return n;
  }
  return `${n} ${unit}`;
}

export function formatTarget(t: { op: string; value: number } | undefined, unit: string): string {
  if (!t) {
    return '';
  }
  const op = t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : t.op;
  return `${op} ${formatValue(t.value, unit)}`;
}
