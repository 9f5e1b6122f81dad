// Acceptance 6 of issue #16, short form (one hour is recording-download.long.test.ts): a
// download of simulated device recordings at speed 4 finishes in under a third of the range's
// length in wall time (an hour in under 20 minutes), the MP4 lasts the range within 1 s (media
// timestamps, not arrival times), and its progress rises monotonically from 0 to 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness } from '../helpers/gateway-harness.js';
import { probeRecording } from '../helpers/recording-checks.js';
import { sleep } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const RANGE_SEC = Number(process.env.DOWNLOAD_SEC ?? 120);
const SPEED = 4;

interface DownloadView {
  state: string;
  progress: number;
  bytes: number;
  mediaSeconds: number;
  error?: string;
}

test(
  `download of ${RANGE_SEC} s of device recordings at speed ${SPEED}`,
  { timeout: (RANGE_SEC / 3 + 60) * 1000 },
  async () => {
    const h = await startHarness({ simulator: { channels: 1 } });
    try {
      await h.waitForChannels(DEVICE, 1);
      const end = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
      const start = new Date(end.getTime() - RANGE_SEC * 1000);
      const t0 = Date.now();
      const r = await h.api<{ downloadId: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/downloads`, {
        method: 'POST',
        body: JSON.stringify({ start: start.toISOString(), end: end.toISOString(), speed: SPEED }),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const progress: number[] = [];
      let view: DownloadView;
      for (;;) {
        view = (await h.api<DownloadView>(`/api/downloads/${r.body.downloadId}`)).body;
        progress.push(view.progress);
        if (view.state !== 'running') {
          break;
        }
        assert.ok(Date.now() - t0 < (RANGE_SEC / 3) * 1000, `still running after ${Date.now() - t0} ms`);
        await sleep(250);
      }
      const wallSec = (Date.now() - t0) / 1000;
      console.log(
        `# ${RANGE_SEC} s at speed ${SPEED}: ${wallSec.toFixed(1)} s wall, ${view.bytes} bytes, ${progress.length} progress reads`,
      );
      assert.equal(view.state, 'done', view.error);
      assert.ok(wallSec < RANGE_SEC / 3, `${wallSec} s wall`);
      assert.ok(progress[0] < 0.1, `progress started at ${progress[0]}`);
      assert.equal(progress[progress.length - 1], 1);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(progress[i] >= progress[i - 1], `progress fell from ${progress[i - 1]} to ${progress[i]}`);
      }
      assert.ok(new Set(progress).size > 3, 'progress rose in steps, not 0 then 1');
      const file = await fetch(`${h.base}/api/downloads/${r.body.downloadId}/file`, {
        headers: { Authorization: `Bearer ${h.token}`, Range: 'bytes=0-7' },
      });
      assert.equal(file.status, 206, 'HTTP Range');
      const whole = await fetch(`${h.base}/api/downloads/${r.body.downloadId}/file`, {
        headers: { Authorization: `Bearer ${h.token}` },
      });
      const path = join(h.dataDir, 'download.mp4');
      writeFileSync(path, Buffer.from(await whole.arrayBuffer()));
      const p = await probeRecording(path);
      console.log(`# MP4: ${p.videoSec.toFixed(2)} s of video, audio ${p.audio?.codec}`);
      assert.equal(p.errors, '');
      assert.equal(p.nonMonotonic, undefined);
      assert.ok(p.audio && p.audioPackets > 0, 'audio');
      assert.ok(Math.abs(p.videoSec - RANGE_SEC) <= 1, `${p.videoSec} s for a ${RANGE_SEC} s range`);
    } finally {
      await h.close();
    }
  },
);
