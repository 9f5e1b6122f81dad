// The gateway CLI as a child process, for tests that kill it (-9), restart it, or read its log
// lines: the same build as the test itself, its stdout parsed as pino JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { waitFor } from './wait.js';

/**
 * How to run gateway/cli: the compiled dist/gateway/cli.js when this test runs compiled (npm test
 * builds first), else the TypeScript through tsx's loader, so a test always exercises the same
 * build of the gateway as itself. Either way ONE node process, so a SIGKILL hits the gateway
 * itself and not a wrapper (npx and the tsx CLI fork a child).
 */
export function gatewayCommand(): { command: string; args: string[] } {
  const compiled = join(repoRoot, 'dist', 'gateway', 'cli.js');
  if (import.meta.url.includes('/dist/') && existsSync(compiled)) {
    return { command: process.execPath, args: [compiled] };
  }
  return { command: process.execPath, args: ['--import', 'tsx', join(repoRoot, 'gateway', 'cli.ts')] };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** stdout lines so far (pino JSON lines and the CLI's own lines). */
  readonly lines: string[];
  /** stderr so far (the CLI's warnings). */
  stderr(): string;
  readonly httpBase: string;
  readonly token: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** Parsed pino lines whose `msg` matches. */
  logged(msg: RegExp): Record<string, unknown>[];
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), and wait for the exit. */
  stop(): Promise<void>;
}

export async function spawnGateway(o: {
  dataDir: string;
  sipPort: number;
  password: string;
  token: string;
  flags?: string[];
  /** 'files': the password and token go in through --password-file/--api-token-file (0600 files beside the data dir). */
  secretsVia?: 'flags' | 'files';
  /** Extra environment (GB_* settings). */
  env?: Record<string, string>;
  /** RLIMIT_NOFILE (soft and hard) for the gateway, set by prlimit(1), which then execs node itself. */
  openFiles?: number;
}): Promise<GatewayProcess> {
  const { command, args } = gatewayCommand();
  let secretFlags = ['--password', o.password, '--api-token', o.token];
  if (o.secretsVia === 'files') {
    const dir = mkdtempSync(join(tmpdir(), 'gb-secret-files-'));
    writeFileSync(join(dir, 'password'), `${o.password}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'token'), `${o.token}\n`, { mode: 0o600 });
    secretFlags = ['--password-file', join(dir, 'password'), '--api-token-file', join(dir, 'token')];
  }
  const limit = o.openFiles === undefined ? [] : [`--nofile=${o.openFiles}:${o.openFiles}`, command];
  const child = spawn(
    o.openFiles === undefined ? command : 'prlimit',
    [
      ...limit,
      ...args,
      '--sip-host',
      '127.0.0.1',
      '--sip-port',
      String(o.sipPort),
      '--http-port',
      '0',
      '--public-ip',
      '127.0.0.1',
      '--data-dir',
      o.dataDir,
      ...secretFlags,
      '--catalog-interval',
      '0',
      '--log-level',
      'info',
      ...(o.flags ?? []),
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', ...o.env },
    },
  );
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpBase = await waitFor(
    () => {
      if (child.exitCode !== null) {
        throw new Error(`gateway exited with ${child.exitCode}: ${stderr}`);
      }
      return lines
        .find((l) => l.startsWith('HTTP http://'))
        ?.slice(5)
        .replace(/\/$/, '');
    },
    30_000,
    'the gateway to print its HTTP address',
  );
  const api = async <T>(path: string, init: RequestInit = {}) => {
    const res = await fetch(httpBase + path, {
      ...init,
      headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: body as T };
  };
  const logged = (msg: RegExp) =>
    lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((j) => typeof j.msg === 'string' && msg.test(j.msg));
  return {
    child,
    lines,
    stderr: () => stderr,
    httpBase,
    token: o.token,
    api,
    logged,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
