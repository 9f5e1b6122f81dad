// sipp (Debian's sip-tester) as an independent SIP peer: where it is, its scenarios as GB2312
// copies (sipp sends scenario bytes as they are, and 2016 devices write GB2312), and its
// -trace_msg file read back as one message per entry.
import { spawnSync } from 'node:child_process';
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
