// The parent side of the benchmark RPC: forks a compiled child module with an IPC channel,
// sends its output to a log file under bench/.cache/logs (the terminal belongs to the
// progress bar), waits for 'ready', and makes numbered calls with a timeout.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, ensureDir } from './paths.js';
import type { ChildMessage } from './rpc-messages.js';

export interface ChildOptions {
  /** Name for the log file: bench/.cache/logs/<name>.log (overwritten per run). */
  name: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export class ChildRpc<Ready = unknown> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  readonly logFile: string;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: Ready,
    logFile: string,
  ) {
    this.logFile = logFile;
    child.on('message', (m: ChildMessage) => {
      if (m.type !== 'result' && m.type !== 'error') {
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'result') {
        p?.resolve(m.value);
      } else {
        p?.reject(new Error(m.message));
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) {
        p.reject(new Error(`child exited (${code ?? signal}) before answering; see ${logFile}`));
      }
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start<R>(modulePath: string, opts: ChildOptions): Promise<ChildRpc<R>> {
    const logFile = join(ensureDir(join(cacheDir, 'logs')), `${opts.name}.log`);
    const fd = openSync(logFile, 'w');
    // BENCH_CPU_PROF=1: every child writes a V8 CPU profile (open in Chrome DevTools) on exit.
    const profile = process.env.BENCH_CPU_PROF
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${ensureDir(join(cacheDir, 'prof'))}`,
          `--cpu-prof-name=${opts.name}.cpuprofile`,
        ]
      : [];
    const child = fork(modulePath, opts.args ?? [], {
      stdio: ['ignore', fd, fd, 'ipc'],
      env: { ...process.env, ...opts.env },
      execArgv: [...process.execArgv, ...profile],
    });
    closeSync(fd);
    const ready = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`${opts.name} did not start within ${opts.readyTimeoutMs ?? 30_000} ms; see ${logFile}`),
        );
      }, opts.readyTimeoutMs ?? 30_000);
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(m.value as R);
        } else if (m.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${opts.name} failed to start: ${m.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${opts.name} exited with ${code} while starting; see ${logFile}`));
      });
    });
    return new ChildRpc<R>(child, ready, logFile);
  }

  call<T>(method: string, params?: unknown, timeoutMs = 60_000): Promise<T> {
    if (this.exited) {
      return Promise.reject(new Error(`child has exited; see ${this.logFile}`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} got no answer within ${timeoutMs} ms; see ${this.logFile}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ type: 'call', id, method, params });
    });
  }

  /** Asks the child to close (its 'close' handler), then kills this child if it lingers. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const gone = new Promise<void>((r) => (this.exited ? r() : this.child.once('exit', () => r())));
    if (this.exited) {
      return;
    }
    await this.call('close', undefined, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }

  /** Ends this child at once (SIGKILL), e.g. a fleet of 10,000 devices whose goodbyes do not matter. */
  async kill(): Promise<void> {
    const gone = new Promise<void>((r) => (this.exited ? r() : this.child.once('exit', () => r())));
    this.child.kill('SIGKILL');
    await gone;
  }
}
