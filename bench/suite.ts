// The shape every benchmark suite shares: what it measured (metrics with units, direction and
// target), how (a method paragraph printed and put in the report), charts, and notes on what
// was cut or could not be measured. Suites get a context with a progress callback and a
// deadline (each suite is budgeted to five minutes on the reference machine).

export type Better = 'higher' | 'lower';

export interface Target {
  op: '>=' | '<=' | '<' | '>';
  value: number;
}

export interface Metric {
  /** Stable key within its suite, e.g. "cpuPerStreamPct"; baseline.json uses "suite.key". */
  key: string;
  label: string;
  value: number | null;
  unit: string;
  better: Better;
  target?: Target;
  /** Repeated runs of the same measurement. */
  spread?: { min: number; median: number; max: number; runs: number };
  /** Shown in the README table (the headline figures). */
  headline?: boolean;
  note?: string;
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  /** 'points': markers only (repeated runs at one x). Default a line with markers. */
  style?: 'line' | 'points';
}

export type Chart =
  | {
      kind: 'line';
      id: string;
      title: string;
      xLabel: string;
      yLabel: string;
      series: Series[];
      /** Horizontal reference lines (targets, limits). */
      rules?: { y: number; label: string }[];
      /** Draw x on a log scale (latency CDFs). */
      xLog?: boolean;
      /** Fixed top of the y axis (100 for percentages). */
      yMax?: number;
    }
  | {
      kind: 'bar';
      id: string;
      title: string;
      yLabel: string;
      categories: string[];
      series: { name: string; values: (number | null)[] }[];
      rules?: { y: number; label: string }[];
    };

export interface SuiteResult {
  suite: string;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  startedAt: string;
  durationSec: number;
  /** How it was measured, in a few sentences. */
  method: string;
  metrics: Metric[];
  charts: Chart[];
  /** Raw step-by-step data (one object per step), kept in the JSON for later analysis. */
  steps?: Record<string, unknown>[];
  notes: string[];
  error?: string;
}

export interface SuiteOptions {
  /** Fewer and shorter steps (a smoke run); figures are noisier. */
  quick: boolean;
  /** Free-form per-suite options from the command line (`--ingest-streams 16` → {"ingest-streams": "16"}). */
  extra: Record<string, string>;
}

export interface SuiteContext {
  options: SuiteOptions;
  /** Wall-clock deadline (ms since epoch) the suite should finish by. */
  deadlineMs: number;
  /** fraction in [0, 1] of this suite; label says what runs now. */
  progress(fraction: number, label: string): void;
  /** A line for the human log (stderr; kept out of --json stdout). */
  log(line: string): void;
}

export interface SuiteOutput {
  method: string;
  metrics: Metric[];
  charts?: Chart[];
  steps?: Record<string, unknown>[];
  notes?: string[];
  skipped?: string;
}

export interface Suite {
  name: string;
  title: string;
  /** Rough duration on the reference machine, for the progress bar. */
  estimateSec: number;
  run(ctx: SuiteContext): Promise<SuiteOutput> | SuiteOutput;
}

/** Whether a metric meets its target (undefined when it has none or no value). */
export function meetsTarget(m: Pick<Metric, 'value' | 'target'>): boolean | undefined {
  if (!m.target || m.value === null || !Number.isFinite(m.value)) {
    return undefined;
  }
  const { op, value } = m.target;
  switch (op) {
    case '>=':
      return m.value >= value;
    case '<=':
      return m.value <= value;
    case '<':
      return m.value < value;
    case '>':
      return m.value > value;
  }
}
