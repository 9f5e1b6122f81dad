// Acceptance 7 of issue #16: a snapshot is a valid JPEG of the channel's size, whether the
// stream runs or not; 50 requests within a second start at most one decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness } from '../helpers/gateway-harness.js';
import { sourceDimensions } from '../helpers/hls-probe.js';
import { sleep } from '../helpers/wait.js';
import { fixturePath } from '../../simulator/options.js';
import { SnapshotService } from '../../gateway/outputs/snapshot/snapshot-service.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';

test(
  'snapshots: a JPEG of the channel size; 50 requests in a second, one decoder',
  { timeout: 60_000 },
  async () => {
    const h = await startHarness({ simulator: { channels: 1 } });
    const dir = mkdtempSync(join(tmpdir(), 'gb-snapshot-'));
    try {
      await h.waitForChannels(DEVICE, 1);
      const url = `${h.base}/api/devices/${DEVICE}/channels/${CHANNEL}/snapshot`;
      const auth = { Authorization: `Bearer ${h.token}` };
      // The stream does not run: the snapshot starts it for one keyframe.
      assert.equal((await h.api<unknown[]>('/api/streams')).body.length, 0);
      const first = await fetch(url, { headers: auth });
      assert.equal(first.status, 200, await first.clone().text());
      assert.equal(first.headers.get('content-type'), 'image/jpeg');
      const jpeg = Buffer.from(await first.arrayBuffer());
      assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'SOI');
      assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'EOI');
      writeFileSync(join(dir, 'a.jpg'), jpeg);
      const size = await sourceDimensions(join(dir, 'a.jpg'));
      const source = await sourceDimensions(fixturePath('ch1-testsrc2.h264'));
      assert.deepEqual(size, source, 'the JPEG has the channel picture size');
      assert.equal(h.gw.snapshots!.decodersStarted, 1);

      await sleep(1100); // the cached one is stale now
      const before = h.gw.snapshots!.decodersStarted;
      const t0 = Date.now();
      const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(url, { headers: auth })));
      const bodies = await Promise.all(answers.map((r) => r.arrayBuffer()));
      assert.ok(Date.now() - t0 < 1000 + 2000, 'the 50 answers came quickly');
      assert.ok(answers.every((r) => r.status === 200));
      assert.ok(bodies.every((b) => b.byteLength > 100));
      assert.equal(h.gw.snapshots!.decodersStarted - before, 1, '50 requests, one decoder');
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('without ffmpeg a snapshot is refused with a clear reason, before any stream starts', async () => {
  let pulled = 0;
  const s = new SnapshotService({
    ffmpeg: false,
    pull: () => {
      pulled++;
      return Promise.reject(new Error('not reached'));
    },
  });
  await assert.rejects(s.snapshot(DEVICE, CHANNEL), (e: Error & { reason?: string }) => {
    assert.equal(e.reason, 'no-ffmpeg');
    assert.match(e.message, /ffmpeg is not installed/);
    return true;
  });
  assert.equal(pulled, 0);
});
