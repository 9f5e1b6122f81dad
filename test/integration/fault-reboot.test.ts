// Fault: a device reboots while a stream is open. It vanishes without BYE or unregister (its
// media stops, its SIP socket dies), then comes back on the same address and registers with a
// new Call-ID (reference §1.4: refreshes keep the Call-ID, a new one means a new binding). The
// registry must keep one device, online, at its new binding, with its channels; the orphaned
// stream must close with a diagnosis; and the channel must play again from the rebooted device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { startHarness, waitFor, type Harness } from '../helpers/gateway-harness.js';
import { freePort } from './signaling-support.js';
import {
  DEVICE,
  FrameCounter,
  diagnosis,
  startLive,
  type StreamView,
  waitForFrames,
} from './fault-support.js';

let h: Harness;
let rebooted: Simulator | undefined;
let sipPort: number;

before(async () => {
  sipPort = await freePort();
  h = await startHarness({
    gateway: { 'no-media-timeout': 3 },
    simulator: { channels: 2, sipPort, timers: { t1Ms: 50 } },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await waitFor(
    async () => (await h.api<unknown[]>(`/api/devices/${DEVICE}/channels`)).body.length === 2,
    10_000,
    'catalog',
  );
});
after(async () => {
  await rebooted?.close();
  await h?.close();
});

test('a device that reboots mid-stream and re-registers with a new Call-ID keeps one consistent registry entry and plays again', async () => {
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 10);
  const before = h.gw.upper.sessions.get(DEVICE)!;
  const oldCallId = before.callId;

  // Power cut: the SIP socket goes first (so nothing more is said), then the media stops.
  const old = h.sim.devices[0];
  await old.platform.link.ua.close();
  await old.platform.link.ua.transport.close();
  old.backend.close();
  const cutAt = Date.now();

  // Back up on the same address, a fresh process: a new Call-ID.
  rebooted = await startSimulator({
    server: { host: '127.0.0.1', port: h.gw.sipPort },
    password: h.gw.secrets.password,
    devices: 1,
    channels: 2,
    sipPort,
  });
  assert.equal(await rebooted.waitForRegistered(1, 10_000), true);
  const after = h.gw.upper.sessions.get(DEVICE)!;
  assert.notEqual(after.callId, oldCallId, 'the rebooted device registered with the same Call-ID');
  assert.equal(after.online, true);
  assert.equal(after.remote.port, sipPort);

  const devices = await h.api<{ deviceId: string; online: boolean; channelCount: number }[]>('/api/devices');
  assert.deepEqual(
    devices.body.map((d) => [d.deviceId, d.online, d.channelCount]),
    [[DEVICE, true, 2]],
    'one device, online, channels kept',
  );

  // The orphaned stream: no media since the cut, so it closes, saying why.
  await waitFor(
    async () => (await h.api<StreamView[]>('/api/streams')).body.length === 0,
    10_000,
    'the orphaned stream to close',
  );
  const closedAfter = Date.now() - cutAt;
  const d = await diagnosis(h, live.streamId);
  console.log(`# orphaned stream closed ${closedAfter} ms after the cut: ${d.cause}`);
  assert.match(d.cause ?? '', /stopped sending media|re-?register|reboot/i, JSON.stringify(d));
  assert.equal(counter.closedWith, 'stream-closed');

  // The channel plays again, now from the rebooted device.
  const again = await startLive(h);
  const counter2 = new FrameCounter(h, again.streamId);
  await waitForFrames(counter2, 10);
  assert.equal(rebooted.counts().sessions, 1, 'the new INVITE did not reach the rebooted device');
  counter2.close();
  await h.api(`/api/streams/${again.streamId}`, { method: 'DELETE' });
  assert.equal(h.gw.upper.sessions.list().length, 1);
});
