// The loop shared by test/fuzz/*.fuzz.test.ts (docs/testing.md §5): seeded inputs, a budget,
// a per-input time limit, a watchdog for endless loops, and a regression corpus.
//
//   FUZZ_ITERATIONS=1000000  budget per parser (default: the target's CI budget)
//   FUZZ_SEED=123            master seed (default: the target's fixed seed), printed either way
//   FUZZ_SAVE=0              do not write failing inputs to the corpus
//
// Every input that fails a check (an exception, a broken property, a slow or hanging input) is
// written to test/fuzz/regressions/<target>/<sha1>-<case seed>.bin before the test fails, and
// every file in that folder is replayed first on every run, so a crash found once stays a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoRoot } from './paths.js';
import { seededRandom } from './random.js';
import type { Rand } from './mutate.js';

export interface FuzzInput {
  input: Uint8Array;
  /** How the input was made (seed window, mutators), for the failure message. */
  label: string;
}

export interface FuzzTarget {
  /** Folder name under test/fuzz/regressions/, e.g. 'sip-message'. */
  name: string;
  /** Iterations when FUZZ_ITERATIONS is unset; sized so test/fuzz/ stays within ~3 min on one core. */
  ciIterations: number;
  /** Default master seed. */
  seed: number;
  /** Makes the i-th input from its own PRNG. */
  generate(rand: Rand, i: number): FuzzInput;
  /**
   * Runs the parser on one input and asserts its properties; throws on any violation. `rand`
   * drives input-independent choices (chunk sizes), and is re-created from the same case seed
   * when a saved input is replayed.
   */
  check(input: Uint8Array, rand: Rand): void;
  /** One input slower than this fails as "unbounded work". Default 2000 ms. */
  slowMs?: number;
  /** Called once after the loop (aggregate assertions, a summary line). */
  finish?(): void;
}

export const regressionsDir = (name: string): string => join(repoRoot, 'test', 'fuzz', 'regressions', name);

/** A wall-clock limit after which the watchdog kills the process (an endless loop). */
const HANG_MS = Number(process.env.FUZZ_HANG_MS ?? 30_000);
const WATCHDOG_CAPACITY = 1 << 20;

function saveInput(name: string, input: Uint8Array, caseSeed: number): string | undefined {
  if (process.env.FUZZ_SAVE === '0') {
    return undefined;
  }
  const dir = regressionsDir(name);
  mkdirSync(dir, { recursive: true });
  const sha = createHash('sha1').update(input).digest('hex').slice(0, 12);
  const file = join(dir, `${sha}-${caseSeed}.bin`);
  writeFileSync(file, input);
  return file;
}

/** Case seed encoded in a corpus file name (`…-<seed>.bin`); 0 for hand-named files. */
function caseSeedOf(file: string): number {
  const m = /-(\d+)\.bin$/.exec(file);
  return m ? Number(m[1]) >>> 0 : 0;
}

// The watchdog runs in a worker thread, so it keeps ticking while the main thread is stuck in a
// synchronous loop. The main thread publishes each input into shared memory before parsing it;
// if the iteration counter stops moving for HANG_MS, the worker saves that input and kills the
// process (a synchronous endless loop cannot be interrupted any other way).
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { ctrl, data, dir, hangMs } = workerData;
const state = new Int32Array(ctrl);
let last = -1, since = Date.now();
setInterval(() => {
  const n = Atomics.load(state, 0);
  if (n !== last || Atomics.load(state, 2) === 0) { last = n; since = Date.now(); return; }
  if (Date.now() - since < hangMs) return;
  const len = Atomics.load(state, 1);
  const seed = Atomics.load(state, 3) >>> 0;
  let file = '(not saved)';
  if (process.env.FUZZ_SAVE !== '0') {
    fs.mkdirSync(dir, { recursive: true });
    file = path.join(dir, 'hang-' + seed + '.bin');
    fs.writeFileSync(file, new Uint8Array(data, 0, len));
  }
  fs.writeSync(2, '\\nfuzz watchdog: iteration ' + n + ' ran for ' + (Date.now() - since) + ' ms; input saved to ' + file + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, 250);
`;

class Watchdog {
  readonly #state: Int32Array;
  readonly #data: Uint8Array;
  readonly #worker: Worker;

  constructor(name: string) {
    const ctrl = new SharedArrayBuffer(16);
    const data = new SharedArrayBuffer(WATCHDOG_CAPACITY);
    this.#state = new Int32Array(ctrl);
    this.#data = new Uint8Array(data);
    this.#worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: { ctrl, data, dir: regressionsDir(name), hangMs: HANG_MS },
    });
    this.#worker.unref();
    Atomics.store(this.#state, 2, 1);
  }

  publish(iteration: number, input: Uint8Array, caseSeed: number): void {
    const n = Math.min(input.length, WATCHDOG_CAPACITY);
    this.#data.set(input.subarray(0, n));
    Atomics.store(this.#state, 1, n);
    Atomics.store(this.#state, 3, caseSeed | 0);
    Atomics.store(this.#state, 0, iteration);
  }

  async stop(): Promise<void> {
    Atomics.store(this.#state, 2, 0);
    await this.#worker.terminate();
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Registers the corpus replay and the seeded loop for one parser. */
export function defineFuzz(target: FuzzTarget): void {
  const iterations = Number(process.env.FUZZ_ITERATIONS ?? target.ciIterations);
  const seed = Number(process.env.FUZZ_SEED ?? target.seed) >>> 0;
  const slowMs = target.slowMs ?? 2000;

  test(`${target.name}: every input in test/fuzz/regressions/${target.name}/ still passes`, () => {
    const dir = regressionsDir(target.name);
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => !f.startsWith('.'))
          .sort()
      : [];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      const t0 = performance.now();
      try {
        target.check(bytes, seededRandom(caseSeedOf(file)));
      } catch (err) {
        assert.fail(`regression ${file} fails again:\n${describeError(err)}`);
      }
      const ms = performance.now() - t0;
      assert.ok(ms < slowMs, `regression ${file} took ${ms.toFixed(0)} ms`);
    }
    console.log(`# ${target.name}: ${files.length} regression input(s) replayed`);
  });

  test(`${target.name}: ${iterations} seeded mutations (FUZZ_SEED=${seed})`, async () => {
    console.log(`# ${target.name}: FUZZ_SEED=${seed} FUZZ_ITERATIONS=${iterations}`);
    const master = seededRandom(seed);
    const watchdog = new Watchdog(target.name);
    const started = performance.now();
    let slowest = 0;
    let slowestLabel = '';
    let bytes = 0;
    const progressEvery = Math.max(100_000, Math.floor(iterations / 10));
    try {
      for (let i = 0; i < iterations; i++) {
        const caseSeed = Math.floor(master() * 0x1_0000_0000) >>> 0;
        const { input, label } = target.generate(seededRandom(caseSeed), i);
        bytes += input.length;
        const checkSeed = (caseSeed ^ 0x5bd1e995) >>> 0;
        watchdog.publish(i, input, checkSeed);
        const t0 = performance.now();
        let error: unknown;
        try {
          target.check(input, seededRandom(checkSeed));
        } catch (err) {
          error = err;
        }
        const ms = performance.now() - t0;
        if (ms > slowest) {
          slowest = ms;
          slowestLabel = label;
        }
        if (error !== undefined || ms > slowMs) {
          const file = saveInput(target.name, input, checkSeed);
          const what =
            error !== undefined
              ? describeError(error)
              : `took ${ms.toFixed(0)} ms (limit ${slowMs}): unbounded work?`;
          assert.fail(
            `${target.name} iteration ${i} (FUZZ_SEED=${seed}, case ${caseSeed}, ${input.length} bytes, ${label})\n` +
              `input saved to ${file ?? '(FUZZ_SAVE=0)'}\n${what}`,
          );
        }
        if ((i + 1) % progressEvery === 0 && i + 1 < iterations) {
          console.log(
            `# ${target.name}: ${i + 1} inputs, ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
        }
      }
    } finally {
      await watchdog.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `# ${target.name}: ${iterations} inputs (${(bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s, ` +
        `slowest ${slowest.toFixed(1)} ms (${slowestLabel})`,
    );
    target.finish?.();
  });
}
