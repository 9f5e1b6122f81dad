// `npm run bench -- [SUITE…] [--json] [--compare] …` (cli.ts has the flags): runs the suites
// one after another with a progress bar on stderr, prints what each measured and how, writes
// bench/results/ (JSON, Markdown, SVG charts) and optionally checks against bench/baseline.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCli, USAGE, type CliOptions } from './cli.js';
import { baselinePath, repoRoot, resultsDir } from './lib/paths.js';
import { syncReadmeTable } from './report/readme-table.js';
import {
  describeMachine,
  finishMachine,
  loadLine,
  machineLine,
  restartMachine,
  type MachineInfo,
} from './machine.js';
import { Progress } from './progress.js';
import { baselineFrom, compare, type BaselineFile, type Comparison } from './report/compare.js';
import { formatNumber, formatTarget, formatValue } from './report/format.js';
import {
  readJson,
  renderLatest,
  writeResults,
  type LatestFile,
  type RunFile,
  type StoredSuite,
} from './report/results-file.js';
import { SUITES } from './suites/index.js';
import { meetsTarget, type Suite } from './suite.js';

function printSuite(s: StoredSuite, log: (line: string) => void): void {
  log(`\n== ${s.title} (${s.suite}) — ${s.status}, ${formatNumber(s.durationSec)} s`);
  log(`how: ${s.method}`);
  if (s.error) {
    log(`error: ${s.error}`);
  }
  for (const m of s.metrics) {
    const ok = meetsTarget(m);
    const target = m.target
      ? `   target ${formatTarget(m.target, m.unit)} ${ok ? '(met)' : '(NOT met)'}`
      : '';
    const sp =
      m.spread && m.spread.runs > 1
        ? `   [min ${formatNumber(m.spread.min)}, max ${formatNumber(m.spread.max)} of ${m.spread.runs} runs]`
        : '';
    log(`  ${m.label}: ${formatValue(m.value, m.unit)}${sp}${target}${m.note ? `   (${m.note})` : ''}`);
  }
  for (const n of s.notes) {
    log(`  note: ${n}`);
  }
}

async function runSuite(
  suite: Suite,
  opts: CliOptions,
  progress: Progress,
  runMachine: MachineInfo,
): Promise<StoredSuite> {
  const started = new Date();
  const machine = restartMachine(runMachine);
  progress.startSuite(suite.name, suite.estimateSec);
  const log = (line: string) => progress.log(line);
  log(`\n-- ${suite.title} (${suite.name}) --`);
  const base = { suite: suite.name, title: suite.title, startedAt: started.toISOString() };
  try {
    const out = await suite.run({
      options: { quick: opts.quick, extra: opts.extra },
      // Leave room for tearing down the processes a suite started.
      deadlineMs: started.getTime() + (opts.budgetSec - 20) * 1000,
      progress: (f, label) => progress.update(f, label),
      log,
    });
    const end = finishMachine(machine);
    const busy = Math.max(machine.loadAvgStart[0] ?? 0, end.loadAvgEnd?.[0] ?? 0);
    const notes = [...(out.notes ?? []), ...(out.skipped ? [`skipped: ${out.skipped}`] : [])];
    if (busy > machine.cores * 0.75) {
      notes.push(
        `The machine was busy with other work (1-min load average up to ${busy} on ${machine.cores} cores): CPU shares, event-loop delay and loss are worse than on an idle machine. Rerun when it is quiet.`,
      );
    }
    return {
      ...base,
      status: out.skipped ? 'skipped' : 'ok',
      durationSec: (Date.now() - started.getTime()) / 1000,
      method: out.method,
      metrics: out.metrics,
      charts: out.charts ?? [],
      ...(out.steps ? { steps: out.steps } : {}),
      notes,
      machine: end,
    };
  } catch (err) {
    return {
      ...base,
      status: 'failed',
      durationSec: (Date.now() - started.getTime()) / 1000,
      method: '',
      metrics: [],
      charts: [],
      notes: [],
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      machine: finishMachine(machine),
    };
  } finally {
    progress.endSuite();
  }
}

function printComparison(rows: Comparison[], log: (line: string) => void): void {
  log('\n== compare with bench/baseline.json');
  for (const r of rows) {
    const change =
      r.changePct === null
        ? ''
        : ` (${r.changePct >= 0 ? '+' : ''}${r.changePct.toFixed(1)} %, allowed −${r.allowedPct.toFixed(0)} %)`;
    log(
      `  ${r.status.padEnd(9)} ${r.key}: ${formatNumber(r.current)} vs ${formatNumber(r.baseline)} ${r.unit}${change}`,
    );
  }
}

async function main(): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help || opts.list) {
    console.log(
      opts.help
        ? USAGE
        : SUITES.map((s) => `${s.name.padEnd(10)} ${s.title} (about ${s.estimateSec} s)`).join('\n'),
    );
    return 0;
  }
  if (opts.render) {
    const latest = readJson<LatestFile>(`${resultsDir}/latest.json`);
    if (!latest) {
      console.error(`${resultsDir}/latest.json is missing`);
      return 1;
    }
    const w = renderLatest(resultsDir, latest);
    console.error(`rendered ${w.markdownPath} and ${w.charts.length} chart(s)`);
    if (opts.saveBaseline) {
      const machine = latest.suites[0]?.machine;
      writeFileSync(
        baselinePath,
        JSON.stringify(
          baselineFrom(
            latest.suites,
            readJson<BaselineFile>(baselinePath),
            machine ? machineLine(machine) : '',
          ),
          null,
          2,
        ) + '\n',
      );
      console.error(`baseline written from latest.json: ${baselinePath}`);
    }
    return 0;
  }
  const unknown = opts.suites.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const chosen = opts.suites.length > 0 ? SUITES.filter((s) => opts.suites.includes(s.name)) : [...SUITES];
  const machine = describeMachine();
  const progress = new Progress(chosen.reduce((n, s) => n + s.estimateSec * (opts.quick ? 0.4 : 1), 0));
  const log = (line: string) => progress.log(line);
  log(`machine: ${machineLine(machine)}; ${loadLine(machine)}`);
  const startedAt = new Date().toISOString();
  const results: StoredSuite[] = [];
  for (const suite of chosen) {
    const r = await runSuite(suite, opts, progress, machine);
    results.push(r);
    if (opts.json) {
      process.stdout.write(JSON.stringify(r) + '\n');
    }
    printSuite(r, log);
  }
  const run: RunFile = {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    machine: finishMachine(machine),
    suites: results,
  };
  let exit = results.some((r) => r.status === 'failed') ? 1 : 0;
  const summary: Record<string, unknown> = {
    type: 'summary',
    suites: results.map((r) => ({ suite: r.suite, status: r.status, durationSec: r.durationSec })),
  };
  if (opts.write) {
    const w = writeResults(
      resultsDir,
      run,
      SUITES.map((s) => s.name),
    );
    const readme = join(repoRoot, 'README.md');
    const synced = syncReadmeTable(readme, readFileSync(w.markdownPath, 'utf8'));
    log(
      `\nresults: ${w.runPath}\n         ${w.latestPath}\n         ${w.markdownPath} (its headline table ${synced ? 'copied into' : 'NOT found in'} ${readme})\n         ${w.charts.length} chart(s) in ${resultsDir}/charts/`,
    );
    summary.files = w;
  }
  if (opts.compare) {
    const baseline = readJson<BaselineFile>(baselinePath);
    if (!baseline) {
      log(`--compare: ${baselinePath} is missing or unreadable`);
      exit = 1;
    } else {
      const rows = compare(
        results,
        opts.tolerance !== undefined ? { ...baseline, tolerance: opts.tolerance } : baseline,
      );
      printComparison(rows, log);
      summary.compare = rows;
      if (rows.some((r) => r.status === 'regressed' || r.status === 'missing')) {
        exit = 1;
      }
    }
  }
  if (opts.saveBaseline) {
    const latest = readJson<LatestFile>(`${resultsDir}/latest.json`);
    const suites = opts.write && latest ? latest.suites : results;
    writeFileSync(
      baselinePath,
      JSON.stringify(
        baselineFrom(suites, readJson<BaselineFile>(baselinePath), machineLine(machine)),
        null,
        2,
      ) + '\n',
    );
    log(`baseline written: ${baselinePath}`);
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
  }
  progress.finish();
  return exit;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
