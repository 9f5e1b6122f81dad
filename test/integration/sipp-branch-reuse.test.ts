// Field bug, with an implementation that is not ours as the device: sipp registers with digest,
// then sends keepalives that all carry ONE Via branch, each with its own Call-ID, CSeq and From
// tag (test/sipp/lower-keepalive-branch-reuse.xml). Every keepalive must get its own 200, with
// its own Call-ID and CSeq, and the device must stay online with every keepalive counted.
// Over TCP a server transaction ends with its final response (Timer J = 0, RFC 3261 §17.2.2),
// so only UDP, where it lingers 64·T1, could confuse the two; both transports are run.
//
// Skipped only when sipp is not installed and neither CI nor REQUIRE_E2E is set.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { repoRoot } from '../helpers/paths.js';
import { REALM, SERVER_ID } from '../helpers/sip-peer.js';
import { freePort } from '../helpers/ports.js';

const SIPP = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' }).stdout.trim() || undefined;
const KEEPALIVES = 3;
const FIXED_BRANCH = 'z9hG4bK-gb-fixed-keepalive-branch';

interface TracedMessage {
  direction: 'sent' | 'received';
  text: string;
}

/** sipp's -trace_msg file: blocks headed "<transport> message sent|received ...", split by dashed lines. */
function readTrace(path: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const block of readFileSync(path, 'latin1').split(/^-{10,}.*$/m)) {
    const m = /^\s*\S+ message (sent|received)[^\n]*\n+([^]*)$/.exec(block);
    if (m) {
      out.push({ direction: m[1] as 'sent' | 'received', text: m[2].trim() });
    }
  }
  return out;
}

const header = (text: string, name: string): string | undefined =>
  new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'im').exec(text)?.[1];

async function keepaliveCount(h: Harness): Promise<number> {
  const text = await (await fetch(`${h.base}/metrics`)).text();
  return Number(/^gb_keepalive_lateness_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(
    `sipp keepalives reusing one Via branch over ${transport.toUpperCase()}`,
    { skip: !SIPP && !process.env.CI && !process.env.REQUIRE_E2E ? 'sipp is not installed' : false },
    () => {
      const deviceId = transport === 'udp' ? '34020000001180000021' : '34020000001180000022';
      let h: Harness;
      let work: string;

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI or REQUIRE_E2E (Debian package sip-tester)');
        h = await startHarness({ simulator: { devices: 0 } });
        work = mkdtempSync(join(tmpdir(), `gb-sipp-branch-${transport}-`));
      });
      after(async () => {
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      test(`${KEEPALIVES} keepalives with one branch: each gets its own 200 (own Call-ID and CSeq), the device stays online`, async () => {
        const messagesLog = join(work, 'messages.log');
        const errorsLog = join(work, 'errors.log');
        const args = [
          `127.0.0.1:${h.gw.sipPort}`,
          '-sf',
          join(repoRoot, 'test', 'sipp', 'lower-keepalive-branch-reuse.xml'),
          '-oocsf',
          join(repoRoot, 'test', 'sipp', 'lower-answer-200.xml'),
          '-s',
          deviceId,
          '-key',
          'server',
          SERVER_ID,
          '-key',
          'realm',
          REALM,
          '-au',
          deviceId,
          '-ap',
          h.gw.secrets.password,
          '-t',
          transport === 'udp' ? 'u1' : 't1',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-m',
          String(1 + KEEPALIVES),
          '-l',
          '1',
          '-timeout',
          '30s',
          '-nostdin',
          '-trace_err',
          '-error_file',
          errorsLog,
          '-trace_msg',
          '-message_file',
          messagesLog,
        ];
        const sipp = spawn(SIPP!, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        sipp.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const exit = new Promise<number | null>((resolve) => sipp.once('exit', (code) => resolve(code)));
        try {
          // While sipp runs (its TCP connection is the registration): online, every keepalive counted.
          await waitFor(
            async () => {
              const r = await h.api<{ online: boolean }>(`/api/devices/${deviceId}`);
              return r.status === 200 && r.body.online && (await keepaliveCount(h)) === KEEPALIVES;
            },
            20_000,
            `the device online with ${KEEPALIVES} keepalives seen by the gateway`,
          );
        } finally {
          const code = await exit;
          assert.equal(code, 0, `sipp failed (a keepalive went unanswered?): ${stderr.slice(0, 2000)}`);
        }

        const trace = readTrace(messagesLog);
        const sent = trace.filter((m) => m.direction === 'sent' && m.text.startsWith('MESSAGE '));
        assert.equal(sent.length, KEEPALIVES, 'one keepalive per call, no retransmission needed');
        assert.ok(
          sent.every((m) => header(m.text, 'Via')?.includes(`branch=${FIXED_BRANCH}`)),
          'the scenario really reused one branch',
        );
        assert.equal(new Set(sent.map((m) => header(m.text, 'Call-ID'))).size, KEEPALIVES);
        const answers = trace.filter(
          (m) =>
            m.direction === 'received' &&
            m.text.startsWith('SIP/2.0 ') &&
            /^CSeq: \d+ MESSAGE/im.test(m.text),
        );
        assert.deepEqual(
          answers.map((m) => [m.text.split(/\r?\n/)[0], header(m.text, 'Call-ID'), header(m.text, 'CSeq')]),
          sent.map((m) => ['SIP/2.0 200 OK', header(m.text, 'Call-ID'), header(m.text, 'CSeq')]),
          'each keepalive answered once, with its own Call-ID and CSeq',
        );
      });
    },
  );
}
