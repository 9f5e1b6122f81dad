// sipp (Debian's sip-tester) as an independent SIP peer: where it is, its scenarios as GB2312
// copies (sipp sends scenario bytes as they are, and 2016 devices write GB2312), and its
// -trace_msg file read back as one message per entry.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { repoRoot } from './paths.js';

/** The sipp binary, or undefined when it is not installed. */
export const SIPP: string | undefined =
  spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' }).stdout.trim() || undefined;

/** test/sipp/<name> as a GB2312 file in `dir`, with `replace` applied to the UTF-8 template first. */
export function gb2312Scenario(dir: string, name: string, replace: Record<string, string> = {}): string {
  let text = readFileSync(join(repoRoot, 'test', 'sipp', name), 'utf8');
  for (const [from, to] of Object.entries(replace)) {
    text = text.replaceAll(from, to);
  }
  const path = join(dir, name.replace(/\.xml$/, '.gb2312.xml'));
  writeFileSync(path, iconv.encode(text, 'gb2312'));
  return path;
}

export interface TracedMessage {
  direction: 'sent' | 'received';
  text: string;
}

/** sipp's -trace_msg file as one message per entry (GB2312 bodies decoded). */
export function tracedMessages(path: string): TracedMessage[] {
  const text = iconv.decode(readFileSync(path), 'gb18030');
  // "----…---- <date>\nUDP message received [340] bytes :\n\n<message>" (sent: "(336 bytes):").
  const parts = text.split(/^-{10,} [^\n]*\n(?:UDP|TCP) message (sent|received)[^\n]*\n\n/m);
  const out: TracedMessage[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    out.push({ direction: parts[i] as 'sent' | 'received', text: parts[i + 1] });
  }
  return out;
}

export interface SippRun {
  /** sipp's exit code (null when killed). */
  readonly exit: Promise<number | null>;
  /** True while sipp has not exited. */
  readonly running: boolean;
  /** Kills sipp if it still runs and waits for it to be gone. */
  stop(): Promise<number | null>;
}

/**
 * Runs sipp in `cwd`; its stderr is printed when it exits with a code other than `quietExit`
 * (0: the scenario passed), so a failed scenario explains itself in the test output.
 */
export function runSipp(binary: string, args: readonly string[], cwd: string, quietExit = 0): SippRun {
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (code !== null && code !== quietExit && stderr) {
        console.log(`sipp exited ${code}: ${stderr.slice(0, 2000)}`);
      }
      resolve(code);
    }),
  );
  return {
    exit,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      return exit;
    },
  };
}
