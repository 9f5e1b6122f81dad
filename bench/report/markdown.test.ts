import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MachineInfo } from '../machine.js';
import { formatValue } from './format.js';
import { cell, headlineTable, renderMarkdown, table } from './markdown.js';
import type { StoredSuite } from './results-types.js';
import { mergeLatest } from './results-file.js';
import type { RunFile } from './results-types.js';

const machine: MachineInfo = {
  cpuModel: 'AMD EPYC',
  cores: 2,
  memoryGb: 23.5,
  os: 'Linux 6.1',
  node: 'v20.20.2',
  loadAvgStart: [0.5, 0.4, 0.3],
  loadAvgEnd: [1.2, 0.5, 0.3],
  commit: 'abc1234',
};

const ingest: StoredSuite = {
  suite: 'ingest',
  title: 'Ingest capacity',
  status: 'ok',
  startedAt: '2025-01-02T03:04:05.000Z',
  durationSec: 280,
  method: 'N devices | one gateway',
  metrics: [
    {
      key: 'cpuPerStreamPct',
      label: 'CPU per stream',
      value: 0.72,
      unit: '% of a core',
      better: 'lower',
      target: { op: '<=', value: 0.8 },
      spread: { min: 0.7, median: 0.72, max: 0.75, runs: 3 },
      headline: true,
    },
    {
      key: 'maxStreams',
      label: 'Largest N',
      value: 96,
      unit: 'streams',
      better: 'higher',
      headline: true,
      note: 'lower bound: time',
    },
    { key: 'rssMb', label: 'RSS', value: 300, unit: 'MB', better: 'lower' },
  ],
  charts: [{ kind: 'line', id: 'ingest-cpu', title: 'CPU', xLabel: 'streams', yLabel: '%', series: [] }],
  notes: ['the machine was shared'],
  machine,
};

test('table cells escape pipes and newlines', () => {
  assert.equal(cell('a|b\nc'), 'a\\|b c');
  assert.equal(table(['x', 'y'], [['1', '2|3']]), '| x | y |\n|---|---|\n| 1 | 2\\|3 |');
});

test('the README table lists headline figures with target, verdict, date and a machine footnote', () => {
  const md = headlineTable([ingest]);
  const rows = md.split('\n');
  assert.equal(rows[0], '| Figure | Result | Target | Met | Measured |');
  assert.equal(
    rows[2],
    '| Ingest capacity: CPU per stream | 0.72 % of a core | ≤ 0.8 % of a core | yes | 2025-01-02 [1] |',
  );
  assert.equal(rows[3], '| Ingest capacity: Largest N | 96 streams (lower bound) |  |  | 2025-01-02 [1] |');
  assert.match(
    md,
    /\[1\] AMD EPYC, 2 cores, 23.5 GB RAM, Linux 6.1, Node v20.20.2; 1-min load average 0.5–1.2 during these runs/,
  );
  assert.ok(!md.includes('RSS'), 'only headline metrics');
});

test('the report has the summary first, then each suite with method, spread, chart and notes', () => {
  const md = renderMarkdown(
    { schema: 1, updatedAt: '2025-01-02T03:09:00.000Z', suites: [ingest] },
    { chartsDir: 'charts' },
  );
  assert.ok(md.indexOf('## Summary for README.md') < md.indexOf('## Ingest capacity (`ingest`)'));
  assert.match(md, /\*\*How:\*\* N devices \| one gateway/);
  assert.match(md, /0.7 \/ 0.72 \/ 0.75 \(3 runs\)/);
  assert.match(md, /!\[CPU\]\(charts\/ingest-cpu.svg\)/);
  assert.match(md, /- the machine was shared/);
  assert.match(md, /load average 0.5 at the start, 1.2 at the end/);
  assert.match(md, /commit abc1234/);
});

test('a run of one suite keeps the other suites of latest.json, in suite order', () => {
  const old = { ...ingest, suite: 'demux', title: 'PS demux', startedAt: '2024-12-31T00:00:00.000Z' };
  const run: RunFile = {
    schema: 1,
    startedAt: 'a',
    finishedAt: 'b',
    argv: [],
    machine,
    suites: [{ ...ingest, durationSec: 1 }],
  };
  const merged = mergeLatest({ schema: 1, updatedAt: 'x', suites: [{ ...ingest }, old] }, run, [
    'demux',
    'ingest',
  ]);
  assert.deepEqual(
    merged.suites.map((s) => [s.suite, s.durationSec]),
    [
      ['demux', 280],
      ['ingest', 1],
    ],
  );
});

test('values are formatted with about three significant digits and thousands separators', () => {
  assert.equal(formatValue(2014.4, 'MB/s'), '2,014 MB/s');
  assert.equal(formatValue(0.0437, '% of a core'), '0.044 % of a core');
  assert.equal(formatValue(12.345, 'ms'), '12.3 ms');
  assert.equal(formatValue(null, 'ms'), '–');
});
