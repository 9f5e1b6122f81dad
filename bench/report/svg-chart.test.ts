import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chart } from '../suite.js';
import { linearScale, logScale } from './nice-scale.js';
import { escapeXml, renderChart } from './svg-chart.js';

const line: Chart = {
  kind: 'line',
  id: 'cpu',
  title: 'CPU <against> streams & "viewers"',
  xLabel: 'streams',
  yLabel: '% of one core',
  series: [
    {
      name: 'gateway',
      points: [
        { x: 0, y: 1 },
        { x: 16, y: 12.5 },
        { x: 32, y: 25 },
      ],
    },
    {
      name: 'target 0.8 % per stream',
      points: [
        { x: 0, y: 0 },
        { x: 32, y: 25.6 },
      ],
    },
  ],
  rules: [{ y: 20, label: '20 % line' }],
};

test('a line chart is one well-formed SVG with a polyline per series, markers, a rule and a legend', () => {
  const svg = renderChart(line);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="760" height="420"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<polyline /g)?.length, 2);
  assert.equal(svg.match(/<circle /g)?.length, 3, 'markers on data series, none on the dashed target');
  assert.match(svg, /stroke-dasharray="5 3"/);
  assert.match(svg, /20 % line/);
  assert.match(svg, />gateway</);
  // every opened element is closed or self-closing
  const opened = (svg.match(/<(svg|text)\b/g) ?? []).length;
  const closed = (svg.match(/<\/(svg|text)>/g) ?? []).length;
  assert.equal(opened, closed);
});

test('titles and labels are escaped, so no text can break the markup', () => {
  const svg = renderChart(line);
  assert.match(svg, /CPU &lt;against&gt; streams &amp; &quot;viewers&quot;/);
  assert.equal(escapeXml(`a<b>&"c"`), 'a&lt;b&gt;&amp;&quot;c&quot;');
});

test('points sit inside the plot area: y grows upward from the x axis', () => {
  const svg = renderChart(line);
  const pts = /<polyline points="([^"]+)"/
    .exec(svg)![1]
    .split(' ')
    .map((p) => p.split(',').map(Number));
  for (const [x, y] of pts) {
    assert.ok(x >= 72 && x <= 736, `x ${x}`);
    assert.ok(y >= 44 && y <= 324, `y ${y}`);
  }
  assert.ok(pts[0][1] > pts[2][1], 'a larger value is drawn higher');
});

test('a bar chart draws one rect per value and skips missing ones', () => {
  const svg = renderChart({
    kind: 'bar',
    id: 'demux',
    title: 'demux',
    yLabel: 'MB/s',
    categories: ['ms_h264_1080p_g711u', 'ff_vob_h264_720p'],
    series: [
      { name: 'ours', values: [1800, 1700] },
      { name: 'ffmpeg', values: [48, null] },
    ],
    rules: [{ y: 1300, label: 'target' }],
  });
  assert.equal(svg.match(/<rect /g)?.length, 1 + 3, 'background + three bars');
  assert.match(svg, /target/);
  assert.doesNotMatch(svg, /rotate\(-20/, 'two names fit upright');
  const crowded = renderChart({
    kind: 'bar',
    id: 'd',
    title: 'd',
    yLabel: 'MB/s',
    categories: Array.from({ length: 6 }, (_, i) => `ms_h264_1080p_g711u_${i}`),
    series: [{ name: 'ours', values: [1, 2, 3, 4, 5, 6] }],
  });
  assert.match(crowded, /rotate\(-20/, 'crowded names are slanted');
});

test('a points-only series draws hollow markers and no line', () => {
  const svg = renderChart({
    kind: 'line',
    id: 'r',
    title: 'runs',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      {
        name: 'runs',
        points: [
          { x: 16, y: 12 },
          { x: 16, y: 14 },
        ],
        style: 'points',
      },
    ],
  });
  assert.equal(svg.match(/<polyline /g), null);
  assert.equal(svg.match(/<circle [^>]*fill="none"/g)?.length, 2);
});

test('empty data renders a placeholder instead of failing', () => {
  const svg = renderChart({
    kind: 'line',
    id: 'x',
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    series: [{ name: 's', points: [] }],
  });
  assert.match(svg, /no data/);
  assert.match(
    renderChart({ kind: 'bar', id: 'b', title: 't', yLabel: 'y', categories: [], series: [] }),
    /no data/,
  );
});

test('a log x axis takes latency distributions from sub-millisecond to seconds', () => {
  const svg = renderChart({
    kind: 'line',
    id: 'cdf',
    title: 'cdf',
    xLabel: 'ms',
    yLabel: '%',
    xLog: true,
    series: [
      {
        name: 'a',
        points: [
          { x: 0.4, y: 10 },
          { x: 2, y: 50 },
          { x: 90, y: 100 },
        ],
      },
    ],
  });
  for (const tick of ['>0.1<', '>1<', '>10<', '>100<']) {
    assert.ok(svg.includes(tick), tick);
  }
});

test('nice scales use 1-2-5 steps and cover the data', () => {
  const s = linearScale(0, 87);
  assert.deepEqual(s.ticks, [0, 20, 40, 60, 80, 100]);
  assert.equal(s.norm(50), 0.5);
  assert.deepEqual(linearScale(0, 0).ticks.slice(0, 2), [0, 0.2]);
  const l = logScale(0.3, 40);
  assert.equal(l.min, 0.1);
  assert.equal(l.max, 100);
  assert.ok(l.ticks.includes(0.2) && l.ticks.includes(50));
  assert.equal(l.norm(1), 1 / 3);
});
