// Fault: a device stops sending media mid-stream while its dialog stays up (docs/gb28181.md §10.1;
// ZLMediaKit's no-data timeout, docs/architecture.md §2). The gateway must close the stream after
// --no-media-timeout with a diagnosis saying the device stopped sending, send BYE, drop the
// stream from the registry, and keep the device online and playable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import {
  DEVICE,
  FrameCounter,
  diagnosis,
  startLive,
  type StreamView,
  waitForFrames,
} from '../helpers/live-stream.js';

let h: Harness;
before(async () => {
  h = await startHarness({
    simulator: { channels: 2, faults: { silentAfterSec: 2, seed: 3 } },
    gateway: { 'no-media-timeout': 2 },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
});
after(async () => {
  await h?.close();
});

test('a device that goes silent mid-stream: the stream closes with a no-media diagnosis, BYE is sent, the device stays online', async () => {
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 10);
  const framesBeforeSilence = counter.arrivals.length;

  // Silent after 2 s, closed 2 s later: the stream leaves the registry within ~4 s (+ sweep).
  await waitFor(
    async () => (await h.api<StreamView[]>('/api/streams')).body.length === 0,
    10_000,
    'the silent stream to close',
  );
  const silentFor = Date.now() - counter.arrivals.at(-1)!;
  assert.ok(silentFor >= 1500, `closed only ${silentFor} ms after the last frame`);
  assert.equal(counter.closedWith, 'stream-closed');
  assert.ok(framesBeforeSilence > 0);

  const d = await diagnosis(h, live.streamId);
  assert.equal(d.ok, false);
  assert.match(d.cause ?? '', /stopped sending media/, JSON.stringify(d));
  await waitFor(() => h.sim.counts().sessions === 0, 5000, 'BYE at the simulator');
  assert.equal(h.gw.streams.get(live.streamId), undefined, 'the stream is still in the registry');

  const device = await h.api<{ online: boolean; channelCount: number }>(`/api/devices/${DEVICE}`);
  assert.equal(device.body.online, true);
  assert.equal(device.body.channelCount, 2, 'channels lost');

  // The device can be played again at once (a new INVITE, new media).
  const again = await startLive(h);
  const counter2 = new FrameCounter(h, again.streamId);
  await waitForFrames(counter2, 5);
  counter2.close();
  await h.api(`/api/streams/${again.streamId}`, { method: 'DELETE' });
});
