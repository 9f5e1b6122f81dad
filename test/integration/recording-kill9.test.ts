// Acceptance 2 of issue #16: kill -9 of the gateway mid-recording, restart on the same data dir.
// Every file is readable, the index matches the files, recording resumes, and the gap is at most
// the restart time plus one GOP. The crash's damage is made certain, not left to timing: after
// the kill the open file gets half a fragment appended (a write the kill cut), one closed file
// loses its index row and another loses its file; the restarted gateway must cut, index and drop.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startSimulator } from '../../simulator/index.js';
import { spawnGateway } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { probeRecording } from '../helpers/recording-checks.js';
import { sleep, waitFor } from '../helpers/wait.js';

const PASSWORD = 'recording-kill9-pw';
const TOKEN = 'recording-kill9-token-0123456789';
const GOP_MS = 2000;
const dataDir = mkdtempSync(join(tmpdir(), 'gb-recording-kill9-'));
const recDir = join(dataDir, 'recordings');
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) {
    await c().catch(() => undefined);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Rec {
  recordingId: string;
  channelId: string;
  start: string;
  end: string;
  bytes: number;
  open: boolean;
}

function filesOnDisk(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        walk(full);
      } else {
        out.set(relative(recDir, full), statSync(full).size);
      }
    }
  };
  walk(recDir);
  return out;
}

test(
  'kill -9 mid-recording: files readable, index = files, recording resumes within restart + one GOP',
  { timeout: 120_000 },
  async () => {
    const sipPort = await freePort();
    const flags = ['--record-slice', '6', '--record-min-free', '0'];
    const gw1 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN, flags });
    cleanup.push(() => gw1.kill9());
    const sim = await startSimulator({
      server: { host: '127.0.0.1', port: sipPort },
      password: PASSWORD,
      devices: 1,
      channels: 2,
      keepaliveIntervalSec: 60,
    });
    cleanup.push(() => sim.close());
    assert.equal(await sim.waitForRegistered(1, 15_000), true);
    const deviceId = sim.devices[0].deviceId;
    const channels = await waitFor(
      async () => {
        const r = await gw1.api<{ channelId: string }[]>(`/api/devices/${deviceId}/channels`);
        return r.body.length === 2 ? r.body.map((c) => c.channelId) : undefined;
      },
      15_000,
      'the catalog',
    );
    for (const c of channels) {
      const r = await gw1.api(`/api/devices/${deviceId}/channels/${c}/recording-plan`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'always' }),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    // Two closed files per channel and an open one.
    await waitFor(
      async () => {
        const r = await gw1.api<Rec[]>(`/api/recordings?deviceId=${deviceId}`);
        return channels.every((c) => r.body.filter((x) => x.channelId === c && !x.open).length >= 2);
      },
      40_000,
      'two closed files per channel',
    );
    await sleep(3000); // into the next file, mid-GOP
    await gw1.kill9();
    const killedAt = Date.now();

    // What the kill left, made certain: a cut fragment, a file without a row, a row without a file.
    const db = new Database(join(dataDir, 'gateway.db'));
    const rows = db.prepare('SELECT id, file, open, end_ms FROM recordings ORDER BY start_ms').all() as {
      id: number;
      file: string;
      open: number;
      end_ms: number;
    }[];
    const open = rows.filter((r) => r.open === 1);
    assert.equal(open.length, 2, 'one open file per channel at the kill');
    appendFileSync(join(recDir, open[0].file), Buffer.from('000010006d6f6f66000000', 'hex')); // a moof header cut short
    const closed = rows.filter((r) => r.open === 0);
    const unindexed = closed[0];
    const vanished = closed[1];
    db.prepare('DELETE FROM recordings WHERE id = ?').run(unindexed.id);
    db.close();
    unlinkSync(join(recDir, vanished.file));
    const lastEnd = new Map<string, number>();
    for (const r of rows) {
      const ch = r.file.split('/')[1];
      lastEnd.set(ch, Math.max(lastEnd.get(ch) ?? 0, r.end_ms));
    }

    const gw2 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN, flags });
    cleanup.push(() => gw2.kill9());
    const restartMs = Date.now() - killedAt;
    // pino writes asynchronously: the report can reach stdout after the HTTP address line.
    const report = await waitFor(
      () => gw2.logged(/recordings reconciled/)[0],
      5000,
      'the reconciliation report',
    );
    assert.equal(report.indexed, 1, 'the file without a row is indexed');
    assert.equal(report.dropped, 1, 'the row without a file is dropped');
    assert.ok(Number(report.truncated) >= 1, 'the cut fragment is cut off');

    // Recording resumes on both channels: a new file each.
    const resumed = await waitFor(
      async () => {
        const r = await gw2.api<Rec[]>(`/api/recordings?deviceId=${deviceId}`);
        const fresh = r.body.filter((x) => Date.parse(x.start) > killedAt && x.bytes > 0);
        return channels.every((c) => fresh.some((x) => x.channelId === c)) ? r.body : undefined;
      },
      30_000,
      'new files after the restart',
    );
    for (const c of channels) {
      const old = resumed.filter((x) => x.channelId === c && Date.parse(x.start) < killedAt);
      const fresh = resumed.filter((x) => x.channelId === c && Date.parse(x.start) > killedAt);
      const lastOld = Math.max(...old.map((x) => Date.parse(x.end)));
      const gap = Math.min(...fresh.map((x) => Date.parse(x.start))) - lastOld;
      console.log(`# ${c}: gap ${gap} ms across the kill (restart ${restartMs} ms, GOP ${GOP_MS} ms)`);
      assert.ok(gap <= restartMs + GOP_MS, `${c}: gap ${gap} ms > restart ${restartMs} ms + one GOP`);
    }
    // Stop recording cleanly, then the index and the files agree exactly and every file reads.
    for (const c of channels) {
      await gw2.api(`/api/devices/${deviceId}/channels/${c}/recording-plan`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'off' }),
      });
    }
    const final = await waitFor(
      async () => {
        const r = await gw2.api<Rec[]>(`/api/recordings?deviceId=${deviceId}`);
        return r.body.every((x) => !x.open) ? r.body : undefined;
      },
      10_000,
      'every file closed',
    );
    const disk = filesOnDisk();
    const indexed = new Map(final.map((x) => [x, x] as const));
    assert.equal(disk.size, indexed.size, `files ${[...disk.keys()].join(', ')} vs ${final.length} rows`);
    const db2 = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    const rows2 = db2.prepare('SELECT file, bytes FROM recordings').all() as {
      file: string;
      bytes: number;
    }[];
    db2.close();
    assert.deepEqual(
      new Map(rows2.map((r) => [r.file, r.bytes])),
      disk,
      'each row names a file on disk with its size',
    );
    assert.ok(
      rows2.some((r) => r.file === unindexed.file),
      'the unindexed file is in the index',
    );
    assert.ok(!rows2.some((r) => r.file === vanished.file), 'the vanished file is out of the index');
    for (const file of disk.keys()) {
      const p = await probeRecording(join(recDir, file));
      assert.equal(p.errors, '', `${file}: ${p.errors}`);
      assert.ok(p.video && p.videoPackets > 0, `${file}: no video`);
      assert.equal(p.nonMonotonic, undefined, `${file}: ${p.nonMonotonic}`);
    }
    await gw2.stop();
    await sim.close();
  },
);
