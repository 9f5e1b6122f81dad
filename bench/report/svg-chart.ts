// Charts for the benchmark report, written as SVG by hand (no chart library): a line chart
// (x/y series with markers, optional log x, horizontal reference rules) and a grouped bar
// chart. Output is self-contained SVG 1.1 that browsers and rsvg-convert render alike.
import type { Chart } from '../suite.js';
import { formatNumber } from './format.js';
import { linearScale, logScale, type Scale } from './nice-scale.js';

const W = 760;
const H = 420;
const M = { left: 72, right: 24, top: 44, bottom: 96 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
/** Colour-blind-safe palette (Okabe & Ito, 2008). */
const COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const RULE_COLOR = '#C0392B';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n2 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** `extra` pixels below the plot (slanted category names) push the legend down. */
function frame(title: string, body: string[], extra = 0): string {
  const h = H + extra;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${h}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(scale: Scale, label: string): string[] {
  const out: string[] = [];
  for (const t of scale.ticks) {
    const y = M.top + PLOT_H * (1 - scale.norm(t));
    out.push(`<line x1="${M.left}" y1="${n2(y)}" x2="${M.left + PLOT_W}" y2="${n2(y)}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${M.left - 8}" y="${n2(y + 4)}" text-anchor="end">${escapeXml(formatNumber(t))}</text>`,
    );
  }
  const cy = M.top + PLOT_H / 2;
  out.push(
    `<text x="18" y="${cy}" text-anchor="middle" transform="rotate(-90 18 ${cy})">${escapeXml(label)}</text>`,
  );
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PLOT_H}" stroke="#333"/>`);
  out.push(
    `<line x1="${M.left}" y1="${M.top + PLOT_H}" x2="${M.left + PLOT_W}" y2="${M.top + PLOT_H}" stroke="#333"/>`,
  );
  return out;
}

function rules(scale: Scale, list: { y: number; label: string }[] | undefined): string[] {
  const out: string[] = [];
  for (const r of list ?? []) {
    if (r.y < scale.min || r.y > scale.max) {
      continue;
    }
    const y = M.top + PLOT_H * (1 - scale.norm(r.y));
    out.push(
      `<line x1="${M.left}" y1="${n2(y)}" x2="${M.left + PLOT_W}" y2="${n2(y)}" stroke="${RULE_COLOR}" stroke-dasharray="6 4"/>`,
    );
    // Labelled at the left, where growth curves are usually still low.
    out.push(`<text x="${M.left + 6}" y="${n2(y - 5)}" fill="${RULE_COLOR}">${escapeXml(r.label)}</text>`);
  }
  return out;
}

/** Legend entries in rows below the plot. */
function legend(names: string[], dashed: boolean[] = [], extra = 0): string[] {
  const out: string[] = [];
  let x = M.left;
  let y = H + extra - 40;
  for (const [i, name] of names.entries()) {
    const width = 34 + name.length * 6.8;
    if (x + width > W - M.right && x > M.left) {
      x = M.left;
      y += 18;
    }
    const color = COLORS[i % COLORS.length];
    const dash = dashed[i] ? ' stroke-dasharray="5 3"' : '';
    out.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${color}" stroke-width="3"${dash}/>`,
    );
    out.push(`<text x="${x + 28}" y="${y}">${escapeXml(name)}</text>`);
    x += width + 14;
  }
  return out;
}

function lineChart(c: Extract<Chart, { kind: 'line' }>): string {
  const pts = c.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (pts.length === 0) {
    return frame(c.title, [`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`]);
  }
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const top = Math.max(...ys);
  // A reference line far above the data (a 100 % line over 10 % figures) would flatten it: such rules are left out.
  const visibleRules = (c.rules ?? []).filter((r) => r.y <= Math.max(top * 1.6, c.yMax ?? 0));
  const x = c.xLog
    ? logScale(Math.min(...xs.filter((v) => v > 0)), Math.max(...xs))
    : linearScale(Math.min(0, ...xs), Math.max(...xs));
  const y =
    c.yMax !== undefined
      ? linearScale(0, c.yMax)
      : linearScale(Math.min(0, ...ys), Math.max(top, ...visibleRules.map((r) => r.y)) * 1.05);
  const px = (v: number) => M.left + PLOT_W * x.norm(v);
  const py = (v: number) => M.top + PLOT_H * (1 - y.norm(v));
  const body = yAxis(y, c.yLabel);
  for (const t of x.ticks) {
    body.push(
      `<line x1="${n2(px(t))}" y1="${M.top + PLOT_H}" x2="${n2(px(t))}" y2="${M.top + PLOT_H + 5}" stroke="#333"/>`,
    );
    body.push(
      `<text x="${n2(px(t))}" y="${M.top + PLOT_H + 19}" text-anchor="middle">${escapeXml(formatNumber(t))}</text>`,
    );
  }
  body.push(
    `<text x="${M.left + PLOT_W / 2}" y="${M.top + PLOT_H + 40}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`,
  );
  body.push(...rules(y, visibleRules));
  const dashed = c.series.map((s) => /target|limit/i.test(s.name));
  for (const [i, s] of c.series.entries()) {
    const color = COLORS[i % COLORS.length];
    const valid = s.points.filter(
      (p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!c.xLog || p.x > 0),
    );
    if (valid.length === 0) {
      continue;
    }
    const d = valid.map((p) => `${n2(px(p.x))},${n2(py(p.y))}`).join(' ');
    const dash = dashed[i] ? ' stroke-dasharray="5 3"' : '';
    const pointsOnly = s.style === 'points';
    if (!pointsOnly) {
      body.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    if (pointsOnly || (valid.length <= 15 && !dashed[i])) {
      for (const p of valid) {
        body.push(
          `<circle cx="${n2(px(p.x))}" cy="${n2(py(p.y))}" r="${pointsOnly ? 5 : 3.5}" fill="${pointsOnly ? 'none' : color}" stroke="${color}" stroke-width="2"/>`,
        );
      }
    }
  }
  body.push(
    ...legend(
      c.series.map((s) => s.name),
      dashed,
    ),
  );
  return frame(c.title, body);
}

function barChart(c: Extract<Chart, { kind: 'bar' }>): string {
  const values = c.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0 || c.categories.length === 0) {
    return frame(c.title, [`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`]);
  }
  const y = linearScale(0, Math.max(...values, ...(c.rules ?? []).map((r) => r.y)) * 1.08);
  const py = (v: number) => M.top + PLOT_H * (1 - y.norm(v));
  const body = yAxis(y, c.yLabel);
  const group = PLOT_W / c.categories.length;
  const barW = Math.min(48, (group * 0.8) / c.series.length);
  const longest = Math.max(...c.categories.map((cat) => cat.length));
  const rotate = longest * 7.4 > group;
  // sin 20° of the slanted name's length, minus the room the upright layout already has
  const extra = rotate ? Math.max(0, Math.round(longest * 7 * 0.35) - 20) : 0;
  for (const [ci, cat] of c.categories.entries()) {
    const gx = M.left + group * ci + (group - barW * c.series.length) / 2;
    for (const [si, s] of c.series.entries()) {
      const v = s.values[ci];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        continue;
      }
      const x = gx + si * barW;
      const top = py(v);
      body.push(
        `<rect x="${n2(x)}" y="${n2(top)}" width="${n2(barW - 2)}" height="${n2(M.top + PLOT_H - top)}" fill="${COLORS[si % COLORS.length]}"/>`,
      );
      if (barW >= 26) {
        body.push(
          `<text x="${n2(x + (barW - 2) / 2)}" y="${n2(top - 4)}" text-anchor="middle" font-size="10">${escapeXml(formatNumber(v))}</text>`,
        );
      }
    }
    const cx = M.left + group * (ci + 0.5);
    const ly = M.top + PLOT_H + 16;
    body.push(
      rotate
        ? `<text x="${n2(cx)}" y="${ly}" text-anchor="end" font-size="11" transform="rotate(-20 ${n2(cx)} ${ly})">${escapeXml(cat)}</text>`
        : `<text x="${n2(cx)}" y="${ly}" text-anchor="middle">${escapeXml(cat)}</text>`,
    );
  }
  body.push(...rules(y, c.rules));
  body.push(
    ...legend(
      c.series.map((s) => s.name),
      [],
      extra,
    ),
  );
  return frame(c.title, body, extra);
}

export function renderChart(c: Chart): string {
  return c.kind === 'line' ? lineChart(c) : barChart(c);
}
