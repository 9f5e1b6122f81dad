// Acceptance 1 of issue #16, short form (the 10-minute run is recording-always.long.test.ts):
// plan 'always' on the simulator's 4 channels; files cover the whole span with no gap longer
// than one GOP, and every file passes ffprobe with video and audio and rising timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { statSync, writeFileSync } from 'node:fs';
import { startHarness } from '../helpers/gateway-harness.js';
import { longestGapMs, probeRecording } from '../helpers/recording-checks.js';
import { sleep, waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNELS = [1, 2, 3, 4].map((n) => `3402000000131000000${n}`);
/** The simulator's clips: 25 fps, a keyframe every 50 frames. */
const GOP_MS = 2000;
const RECORD_SEC = Number(process.env.RECORD_SEC ?? 30);

interface Rec {
  recordingId: string;
  channelId: string;
  start: string;
  end: string;
  bytes: number;
  reason: string;
  open: boolean;
}

test(
  `plan always on 4 channels for ${RECORD_SEC} s: contiguous files that ffprobe reads`,
  { timeout: (RECORD_SEC + 120) * 1000 },
  async () => {
    const h = await startHarness({ gateway: { 'record-slice': 10 } });
    try {
      await h.waitForChannels(DEVICE, 4);
      const t0 = Date.now();
      for (const c of CHANNELS) {
        const r = await h.api(`/api/devices/${DEVICE}/channels/${c}/recording-plan`, {
          method: 'PUT',
          body: JSON.stringify({ mode: 'always' }),
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      await waitFor(
        async () => {
          const r = await h.api<{ state: string }>(
            `/api/devices/${DEVICE}/channels/${CHANNELS[3]}/recording-plan`,
          );
          return r.body.state === 'recording';
        },
        15_000,
        'recording state',
      );
      await sleep(RECORD_SEC * 1000);
      for (const c of CHANNELS) {
        await h.api(`/api/devices/${DEVICE}/channels/${c}/recording-plan`, {
          method: 'PUT',
          body: JSON.stringify({ mode: 'off' }),
        });
      }
      const t1 = Date.now();
      const all = await waitFor(
        async () => {
          const r = await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`);
          return r.body.length > 0 && r.body.every((x) => !x.open) ? r.body : undefined;
        },
        10_000,
        'every file closed',
      );
      for (const c of CHANNELS) {
        const files = all.filter((r) => r.channelId === c);
        assert.ok(files.length >= Math.floor(RECORD_SEC / 10), `${c}: ${files.length} files`);
        assert.ok(files.every((f) => f.reason === 'always'));
        const gap = longestGapMs(files);
        assert.ok(gap <= GOP_MS, `${c}: a gap of ${gap} ms between files`);
        const first = Date.parse(files[0].start);
        const last = Date.parse(files[files.length - 1].end);
        // The span: from within a few seconds of the plan (INVITE + first keyframe) to the end.
        assert.ok(first - t0 < 8000, `${c}: first file starts ${first - t0} ms after the plan`);
        assert.ok(last - first >= RECORD_SEC * 1000 - GOP_MS, `${c}: ${last - first} ms recorded`);
        assert.ok(last <= t1 + 1000, `${c}: the last file ends after the plan was turned off`);
        for (const f of files) {
          const path = h.gw.recorder!.filePath(f.recordingId)!;
          assert.equal(statSync(path).mode & 0o777, 0o600, `${path} is not 0600`);
          const p = await probeRecording(path);
          assert.equal(p.errors, '', `${path}: ffprobe: ${p.errors}`);
          assert.ok(p.video, `${path}: no video stream`);
          assert.ok(p.audio && p.audioPackets > 0, `${path}: no audio`);
          assert.equal(p.nonMonotonic, undefined, `${path}: ${p.nonMonotonic}`);
          const indexed = (Date.parse(f.end) - Date.parse(f.start)) / 1000;
          assert.ok(
            Math.abs(p.videoSec - indexed) < 0.1,
            `${path}: ffprobe ${p.videoSec} s, index ${indexed} s`,
          );
          assert.ok(join(h.dataDir, 'recordings') === path.slice(0, join(h.dataDir, 'recordings').length));
        }
      }
      // The export of channel 1's whole span is one MP4 of that duration (within 1 s).
      const files = all.filter((r) => r.channelId === CHANNELS[0]);
      const start = files[0].start;
      const end = files[files.length - 1].end;
      const spanSec = (Date.parse(end) - Date.parse(start)) / 1000;
      const res = await fetch(
        `${h.base}/api/devices/${DEVICE}/channels/${CHANNELS[0]}/cloud/export?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
        { headers: { Authorization: `Bearer ${h.token}` } },
      );
      assert.equal(res.status, 200);
      const out = join(h.dataDir, 'export.mp4');
      writeFileSync(out, Buffer.from(await res.arrayBuffer()));
      const p = await probeRecording(out);
      console.log(`# export: ${p.videoSec.toFixed(2)} s for a ${spanSec.toFixed(2)} s span`);
      assert.equal(p.errors, '');
      assert.equal(p.nonMonotonic, undefined);
      assert.ok(p.audio && p.audioPackets > 0, 'the export has the audio');
      assert.ok(Math.abs(p.videoSec - spanSec) <= 1, `export ${p.videoSec} s, span ${spanSec} s`);
    } finally {
      await h.close();
    }
  },
);
