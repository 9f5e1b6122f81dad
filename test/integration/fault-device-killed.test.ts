// Fault: a device killed mid-stream (power cut: no BYE, no unregister, its media and keepalives
// simply stop). Before issue #20 point 5, the WebRTC viewer stayed "connected" on a frozen picture
// for 41 s and the device showed online for 166 s. Now the viewer gets an RTCP BYE saying why
// within 3 s (the stream stalls after --media-stall-timeout, 2 s), the diagnosis says "camera
// lost", new viewers are told the same instead of a frozen picture, and the device is offline
// within two keepalive intervals (its keepalive is late and all its streams are silent:
// --keepalive-timeout-silent, 1.5 intervals) instead of three.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { DEVICE, diagnosis, startLive } from '../helpers/live-stream.js';
import { waitFor } from '../helpers/wait.js';
import { WeriftViewer } from '../helpers/werift-viewer.js';
import { CHROMIUM_FULL_OFFER } from '../../gateway/outputs/webrtc/fixtures/chromium-offers.js';

const KEEPALIVE_SEC = 5;
let h: Harness;
let viewer: WeriftViewer | undefined;

before(async () => {
  h = await startHarness({
    gateway: { 'keepalive-interval': KEEPALIVE_SEC },
    simulator: { devices: 1, channels: 1, keepaliveIntervalSec: KEEPALIVE_SEC },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await viewer?.close();
  await h?.close();
});

test('a device killed mid-stream: its viewer is told within 3 s, the device is offline within two keepalive intervals', async () => {
  const live = await startLive(h);
  viewer = new WeriftViewer({ url: h.base + live.whep });
  assert.equal(await viewer.connect(), 201);
  await viewer.connected();
  await waitFor(() => viewer!.counts.videoFrames > 10, 10_000, 'frames');
  const stalls: number[] = [];
  h.gw.streams.get(live.streamId)!.onMedia((e) => e.type === 'stalled' && stalls.push(e.silentMs));
  const offline: string[] = [];
  h.gw.upper.sessions.events.on('offline', (id, reason) => offline.push(`${id} ${reason}`));
  const streamEvents: string[] = [];
  h.gw.events.bus.on('stream', (e) => streamEvents.push(`${e.data.state} ${e.data.cause ?? ''}`));

  // The kill: the SIP socket and the media go at once, nothing is said.
  const killedAt = performance.now();
  const device = h.sim.devices[0];
  await device.platform.link.ua.close();
  await device.platform.link.ua.transport.close();
  device.backend.close();

  await waitFor(() => viewer!.counts.byes.length > 0, 5000, 'an RTCP BYE at the viewer');
  const toldMs = performance.now() - killedAt;
  assert.match(viewer.counts.byes[0], /^stream-lost: no media from the camera for 2\.\d s$/);
  assert.ok(toldMs < 3000, `the viewer was told after ${toldMs.toFixed(0)} ms`);
  assert.equal(stalls.length, 1, 'the stalled hook fired once');
  assert.match(
    streamEvents.join('\n'),
    /^lost no media for 2\.\d s$/m,
    'a stream event (SSE, webhooks) says so',
  );

  const d = await diagnosis(h, live.streamId);
  assert.ok(
    d.steps.some(
      (s) => s.step === 'media-stalled' && /^camera lost: no media for 2\.\d s/.test(s.detail ?? ''),
    ),
    JSON.stringify(d.steps),
  );
  // A new viewer is told too, instead of getting a frozen picture.
  const again = await fetch(h.base + live.whep, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: CHROMIUM_FULL_OFFER,
  });
  assert.equal(again.status, 503);
  assert.match(
    ((await again.json()) as { error: { message: string } }).error.message,
    /stopped sending media/,
  );

  await waitFor(() => offline.length > 0, 2 * KEEPALIVE_SEC * 1000 + 2000, 'the device offline');
  const offlineMs = performance.now() - killedAt;
  console.log(
    `# killed device: viewer told after ${toldMs.toFixed(0)} ms, offline after ${(offlineMs / 1000).toFixed(1)} s ` +
      `(keepalive interval ${KEEPALIVE_SEC} s)`,
  );
  assert.deepEqual(offline, [`${DEVICE} keepalive-and-media-silent`]);
  assert.ok(offlineMs < 2 * KEEPALIVE_SEC * 1000, `offline after ${offlineMs.toFixed(0)} ms`);
  const view = await h.api<{ online: boolean }>(`/api/devices/${DEVICE}`);
  assert.equal(view.body.online, false);
});
