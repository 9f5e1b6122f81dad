// Command line of `npm run bench -- [SUITE…] [flags]`. Suite names are positional (none or
// "all" runs every suite); unknown `--name value` pairs are passed to the suites as options.

export interface CliOptions {
  suites: string[];
  json: boolean;
  compare: boolean;
  saveBaseline: boolean;
  quick: boolean;
  list: boolean;
  help: boolean;
  /** Only re-render latest.md and the charts from latest.json. */
  render: boolean;
  /** Write bench/results/ (default true). */
  write: boolean;
  /** Per-suite time budget, seconds. */
  budgetSec: number;
  /** Overrides the baseline file's tolerance (fraction). */
  tolerance?: number;
  extra: Record<string, string>;
}

const BOOLEANS = new Set(['json', 'compare', 'save-baseline', 'quick', 'list', 'help', 'no-write', 'render']);

export const USAGE = `usage: npm run bench -- [SUITE...] [options]
  SUITE            one or more of the suites listed by --list (default: all)
  --json           machine output on stdout: one JSON line per suite, then a summary line
  --compare        check the figures against bench/baseline.json; exit 1 on a regression
  --tolerance F    allowed worsening as a fraction (overrides baseline.json's, e.g. 0.3)
  --save-baseline  write the latest figures to bench/baseline.json
  --quick          fewer, shorter steps (a smoke run; figures are noisier)
  --budget S       per-suite time budget in seconds (default 300)
  --no-write       do not write bench/results/
  --render         only re-render latest.md and charts/ from bench/results/latest.json
                   (with --save-baseline: take the baseline from latest.json, running nothing)
  --list           list the suites
  --NAME VALUE     suite options, e.g. --ingest-streams 16 --ingest-runs 3 --webrtc-max 400`;

export function parseCli(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    suites: [],
    json: false,
    compare: false,
    saveBaseline: false,
    quick: false,
    list: false,
    help: false,
    render: false,
    write: true,
    budgetSec: 300,
    extra: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (arg !== 'all') {
        o.suites.push(arg);
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'h') {
      o.help = true;
      continue;
    }
    if (BOOLEANS.has(name)) {
      if (name === 'json') {
        o.json = true;
      } else if (name === 'compare') {
        o.compare = true;
      } else if (name === 'save-baseline') {
        o.saveBaseline = true;
      } else if (name === 'quick') {
        o.quick = true;
      } else if (name === 'list') {
        o.list = true;
      } else if (name === 'help') {
        o.help = true;
      } else if (name === 'render') {
        o.render = true;
      } else {
        o.write = false;
      }
      continue;
    }
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new Error(`--${name} needs a value`);
      }
      i++;
    }
    if (name === 'budget') {
      o.budgetSec = Number(value);
    } else if (name === 'tolerance') {
      o.tolerance = Number(value);
    } else {
      o.extra[name] = value;
    }
  }
  if (!(o.budgetSec > 0)) {
    throw new Error('--budget must be a positive number of seconds');
  }
  if (o.tolerance !== undefined && !(o.tolerance >= 0)) {
    throw new Error('--tolerance must be a non-negative fraction');
  }
  return o;
}
