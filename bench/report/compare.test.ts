import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MachineInfo } from '../machine.js';
import { baselineFrom, compare, type BaselineFile } from './compare.js';
import type { StoredSuite } from './results-types.js';

const machine: MachineInfo = {
  cpuModel: 'x',
  cores: 2,
  memoryGb: 1,
  os: 'Linux',
  node: 'v20',
  loadAvgStart: [0, 0, 0],
};
const suite = (metrics: StoredSuite['metrics'], name = 'demux'): StoredSuite => ({
  suite: name,
  title: name,
  status: 'ok',
  startedAt: '',
  durationSec: 1,
  method: '',
  metrics,
  charts: [],
  notes: [],
  machine,
});

const baseline: BaselineFile = {
  tolerance: 0.2,
  metrics: {
    'demux.speed': { value: 1000, better: 'higher', unit: 'MB/s' },
    'demux.cpu': { value: 1, better: 'lower', unit: '%', slack: 0.1 },
    'demux.gone': { value: 5, better: 'higher' },
    'ingest.cpuPerStreamPct': { value: 0.8, better: 'lower' },
  },
};

test('a figure worse than its tolerance regresses; within it passes; far better is reported as improved', () => {
  const rows = compare(
    [
      suite([
        { key: 'speed', label: '', value: 790, unit: 'MB/s', better: 'higher' },
        { key: 'cpu', label: '', value: 1.25, unit: '%', better: 'lower' },
      ]),
    ],
    baseline,
  );
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.equal(byKey['demux.speed'].status, 'regressed');
  assert.equal(byKey['demux.speed'].changePct, -21);
  assert.equal(byKey['demux.cpu'].status, 'ok', '0.25 worse is within 20 % + 0.1 slack');
  assert.equal(byKey['demux.gone'].status, 'missing');
  assert.equal(byKey['ingest.cpuPerStreamPct'], undefined, 'suites that did not run are not compared');
  const better = compare(
    [suite([{ key: 'speed', label: '', value: 1300, unit: 'MB/s', better: 'higher' }])],
    baseline,
  );
  assert.equal(better.find((r) => r.key === 'demux.speed')!.status, 'improved');
});

test('a failed suite counts as missing figures', () => {
  const rows = compare([{ ...suite([]), status: 'failed' }], baseline);
  assert.ok(rows.every((r) => r.status === 'missing'));
});

test('saving a baseline keeps headline and throughput figures and the tolerances already chosen', () => {
  const b = baselineFrom(
    [
      suite([
        { key: 'speed', label: '', value: 1500, unit: 'MB/s', better: 'higher' },
        { key: 'ffmpeg', label: '', value: 40, unit: 'MB/s', better: 'higher', note: 'reference, not ours' },
        { key: 'rss', label: '', value: 300, unit: 'MB', better: 'lower' },
        { key: 'cpu', label: '', value: 0.7, unit: '%', better: 'lower', headline: true },
      ]),
    ],
    { ...baseline, metrics: { 'demux.cpu': { value: 1, better: 'lower', tolerance: 0.5 } } },
    'test machine',
  );
  assert.deepEqual(Object.keys(b.metrics).sort(), ['demux.cpu', 'demux.speed']);
  assert.equal(b.metrics['demux.cpu'].value, 0.7);
  assert.equal(b.metrics['demux.cpu'].tolerance, 0.5);
  assert.equal(b.tolerance, 0.2);
  assert.equal(b.machine, 'test machine');
});
