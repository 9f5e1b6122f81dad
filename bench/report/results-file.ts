// The results on disk, in bench/results/: <stamp>.json for each run (gitignored), latest.json
// with the newest result of every suite (a run of one suite keeps the others' last results,
// each with its own machine and date), latest.md and charts/<id>.svg rendered from latest.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../lib/paths.js';
import type { LatestFile, RunFile, StoredSuite } from './results-types.js';
import { renderMarkdown } from './markdown.js';
import { renderChart } from './svg-chart.js';

export type { LatestFile, RunFile, StoredSuite } from './results-types.js';

/** Suites in this order in latest.json and the report. */
export function mergeLatest(
  previous: LatestFile | undefined,
  run: RunFile,
  order: readonly string[],
): LatestFile {
  const byName = new Map<string, StoredSuite>();
  for (const s of previous?.suites ?? []) {
    byName.set(s.suite, s);
  }
  for (const s of run.suites) {
    byName.set(s.suite, s);
  }
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  return {
    schema: 1,
    updatedAt: run.finishedAt,
    suites: [...byName.values()].sort((a, b) => rank(a.suite) - rank(b.suite)),
  };
}

export function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) {
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface Written {
  runPath: string;
  latestPath: string;
  markdownPath: string;
  charts: string[];
}

const stamp = (iso: string): string =>
  iso
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');

export function writeResults(dir: string, run: RunFile, order: readonly string[]): Written {
  ensureDir(dir);
  const runPath = join(dir, `${stamp(run.startedAt)}.json`);
  writeFileSync(runPath, JSON.stringify(run, null, 2) + '\n');
  const latestPath = join(dir, 'latest.json');
  const latest = mergeLatest(readJson<LatestFile>(latestPath), run, order);
  writeFileSync(latestPath, JSON.stringify(latest, null, 2) + '\n');
  return { runPath, ...renderLatest(dir, latest) };
}

/** latest.md and charts/*.svg from a latest.json (also `npm run bench -- --render`). */
export function renderLatest(dir: string, latest: LatestFile): Omit<Written, 'runPath'> {
  const latestPath = join(dir, 'latest.json');
  const chartsDir = ensureDir(join(dir, 'charts'));
  const charts: string[] = [];
  for (const s of latest.suites) {
    for (const c of s.charts) {
      const path = join(chartsDir, `${c.id}.svg`);
      writeFileSync(path, renderChart(c));
      charts.push(path);
    }
  }
  const markdownPath = join(dir, 'latest.md');
  writeFileSync(markdownPath, renderMarkdown(latest, { chartsDir: 'charts' }));
  return { latestPath, markdownPath, charts };
}
