// Acceptance 3 of issue #16: with a quota of N bytes, the recordings' disk use stays under N
// while recording goes on, and the files removed are the oldest ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness } from '../helpers/gateway-harness.js';
import { sleep } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const QUOTA = 500_000;
const RECORD_MS = 25_000;

function diskUse(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        walk(full);
      } else {
        try {
          total += statSync(full).size;
        } catch {
          /* deleted meanwhile */
        }
      }
    }
  };
  walk(dir);
  return total;
}

interface Rec {
  recordingId: string;
  start: string;
  end: string;
  bytes: number;
  open: boolean;
}

test(
  `a ${QUOTA}-byte quota holds while recording goes on; the oldest files go`,
  { timeout: 90_000 },
  async () => {
    const h = await startHarness({
      gateway: { 'record-slice': 4, 'record-quota': QUOTA, 'record-min-free': 0 },
      simulator: { channels: 1 },
    });
    try {
      await h.waitForChannels(DEVICE, 1);
      const r = await h.api(`/api/devices/${DEVICE}/channels/${CHANNEL}/recording-plan`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'always' }),
      });
      assert.equal(r.status, 200);
      const dir = join(h.dataDir, 'recordings');
      const seen = new Map<string, Rec>();
      let maxUse = 0;
      let written = 0;
      const until = Date.now() + RECORD_MS;
      while (Date.now() < until) {
        maxUse = Math.max(maxUse, diskUse(dir));
        for (const rec of (await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body) {
          seen.set(rec.recordingId, rec);
        }
        await sleep(100);
      }
      const remaining = (await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body;
      for (const rec of seen.values()) {
        written += rec.bytes;
      }
      const kept = new Set(remaining.map((x) => x.recordingId));
      const deleted = [...seen.values()].filter((x) => !kept.has(x.recordingId));
      console.log(
        `# quota ${QUOTA}: max disk use ${maxUse}, ${seen.size} files seen (about ${written} bytes), ${deleted.length} deleted, ${remaining.length} kept`,
      );
      assert.ok(written > 1.5 * QUOTA, `the run wrote ${written} bytes: not enough to test the quota`);
      assert.ok(maxUse <= QUOTA, `disk use reached ${maxUse} > ${QUOTA}`);
      assert.ok(deleted.length > 0, 'nothing deleted');
      const newestDeleted = Math.max(...deleted.map((x) => Date.parse(x.start)));
      const oldestKept = Math.min(...remaining.map((x) => Date.parse(x.start)));
      assert.ok(newestDeleted < oldestKept, 'a deleted file was newer than a kept one');
      // Recording went on: the newest file is being written now.
      assert.ok(
        remaining.some((x) => x.open),
        'no open file: recording stopped',
      );
      const metrics = await fetch(`${h.base}/metrics`, { headers: { Authorization: `Bearer ${h.token}` } });
      const text = await metrics.text();
      const m = /gb_recording_deletions_total\{reason="quota"\} (\d+)/.exec(text);
      assert.equal(Number(m?.[1]), deleted.length, 'deletions counted by reason');
    } finally {
      await h.close();
    }
  },
);
