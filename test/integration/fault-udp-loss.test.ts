// Fault: 10 % packet loss and 10 % reordering on a UDP media stream (docs/gb28181.md §10.1: ZLMediaKit
// drops a frame on a sequence gap; we do the same and resync at the next pack). The stream must
// keep playing: frames keep arriving, keyframes get through, HLS keeps producing segments that
// ffprobe decodes, the loss shows in the stream's counters, and the registry stays consistent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { DEVICE, FrameCounter, startLive, type StreamView, waitForFrames } from '../helpers/live-stream.js';

let h: Harness;
before(async () => {
  h = await startHarness({
    simulator: { channels: 1, faults: { loss: 0.1, reorder: 0.1, seed: 7 } },
    gateway: { 'no-media-timeout': 5 },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await h?.close();
});

async function mediaPlaylist(hls: string): Promise<{ url: URL; text: string }> {
  const master = await (await fetch(h.base + hls)).text();
  const uri = master.split('\n').find((l) => l && !l.startsWith('#'));
  assert.ok(uri, master);
  const url = new URL(uri, h.base + hls);
  return { url, text: await (await fetch(url)).text() };
}

test('with 10 % loss and reordering the live stream keeps playing, HLS keeps segmenting, and the loss is counted', async () => {
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 10);
  const t0 = Date.now();
  await sleep(8000);
  const t1 = Date.now();
  const fps = counter.fps(t0, t1);
  const gap = counter.longestGapMs(t0, t1);
  console.log(
    `# 25 fps source, 10 % loss: ${fps.toFixed(1)} fps delivered, ${counter.keyframes} keyframes, longest gap ${gap} ms`,
  );
  // A frame is dropped when any of its packets is lost; most P-frames are one or two packets.
  assert.ok(fps >= 12, `only ${fps.toFixed(1)} fps got through`);
  assert.ok(gap < 2500, `no frame for ${gap} ms`);
  assert.ok(counter.keyframes >= 1, 'no keyframe got through in 8 s');

  const stream = await waitFor(
    async () => (await h.api<StreamView>(`/api/streams/${live.streamId}`)).body,
    5000,
    'the stream view',
  );
  assert.equal(stream.state, 'live');
  assert.ok(stream.packetsLost > 0, 'the loss is not counted');

  // HLS: segments keep coming and decode.
  const first = await waitFor(
    async () => {
      const p = await mediaPlaylist(live.hls);
      return /\.m4s/.test(p.text) ? p : undefined;
    },
    15_000,
    'an HLS segment',
  );
  const seq = (text: string) =>
    Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0) + (text.match(/\.m4s/g) ?? []).length;
  const later = await waitFor(
    async () => {
      const p = await mediaPlaylist(live.hls);
      return seq(p.text) > seq(first.text) ? p : undefined;
    },
    15_000,
    'a newer HLS segment',
  );
  const segmentUri = later.text
    .split('\n')
    .filter((l) => /^\d+\.m4s/.test(l))
    .at(-1)!;
  const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(later.text)![1];
  const init = Buffer.from(await (await fetch(new URL(initUri, later.url))).arrayBuffer());
  const segment = Buffer.from(await (await fetch(new URL(segmentUri, later.url))).arrayBuffer());
  const dir = mkdtempSync(join(tmpdir(), 'gb-loss-'));
  try {
    writeFileSync(join(dir, 'seg.mp4'), Buffer.concat([init, segment]));
    const frames = execFileSync('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      join(dir, 'seg.mp4'),
    ])
      .toString()
      .trim();
    assert.ok(Number(frames) > 0, `ffprobe decoded ${frames} frames`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Registry: one device, online, one live stream for it.
  const devices = await h.api<{ deviceId: string; online: boolean }[]>('/api/devices');
  assert.deepEqual(
    devices.body.map((d) => [d.deviceId, d.online]),
    [[DEVICE, true]],
  );
  const streams = await h.api<StreamView[]>('/api/streams');
  assert.deepEqual(
    streams.body.map((s) => s.streamId),
    [live.streamId],
  );

  counter.close();
  assert.equal((await h.api(`/api/streams/${live.streamId}`, { method: 'DELETE' })).status, 200);
  await waitFor(() => h.sim.counts().sessions === 0, 5000, 'BYE at the simulator');
});
