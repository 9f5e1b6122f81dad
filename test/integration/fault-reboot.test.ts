// Fault: a device reboots while streams are open. It vanishes without BYE or unregister (its
// media stops, its SIP socket dies), then comes back on the same address and registers with a
// new Call-ID (docs/gb28181.md §1.4, RFC 3261 §10.2.4: one Call-ID per boot cycle, so a new one means
// a restart). The registry must keep one device, online, at its new binding, with its channels.
// The old dialogs are dead, so their streams close within a second (once no media has come since
// the new registration) with the restart as the diagnosis, not after the no-media timeout; the
// live stream someone watches is invited again under the same ID, the unwatched one stays closed.
// A device that merely takes a new Call-ID for a refresh, media still flowing, keeps its streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';
import {
  CH1,
  DEVICE,
  FrameCounter,
  diagnosis,
  startLive,
  type StreamView,
  waitForFrames,
} from '../helpers/live-stream.js';

let h: Harness;
let rebooted: Simulator | undefined;
let sipPort: number;

before(async () => {
  sipPort = await freePort();
  h = await startHarness({
    // The default no-media timeout: the restart must not wait for it.
    gateway: { 'no-media-timeout': 15 },
    simulator: { channels: 2, sipPort, timers: { t1Ms: 50 } },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
});
after(async () => {
  await rebooted?.close();
  await h?.close();
});

const CH2 = '34020000001310000002';

/** Counts the Catalog queries a simulated device receives from now on. */
function countCatalogQueries(sim: Simulator): { count: number } {
  const seen = { count: 0 };
  const platform = sim.devices[0].platform;
  const handle = platform.handleRequest.bind(platform);
  platform.handleRequest = (req, tx) => {
    if (
      req.method === 'MESSAGE' &&
      /<CmdType>\s*Catalog\s*<\/CmdType>/.test(Buffer.from(req.body).toString('latin1'))
    ) {
      seen.count++;
    }
    handle(req, tx);
  };
  return seen;
}

test('a refresh under a new Call-ID while media flows is not a restart: the stream plays on', async () => {
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 5);
  const stream = h.gw.streams.get(live.streamId);
  const oldCallId = h.gw.upper.sessions.get(DEVICE)!.callId;
  const catalogQueries = countCatalogQueries(h.sim);
  h.sim.devices[0].platform.registerAgain({ newCallId: true });
  await waitFor(() => h.gw.upper.sessions.get(DEVICE)!.callId !== oldCallId, 5_000, 'the new Call-ID');
  const framesAt = counter.arrivals.length;
  await sleep(2_000); // beyond the settle time of the restart check
  assert.equal(counter.closedWith, undefined, 'the stream was closed');
  assert.equal(h.gw.streams.get(live.streamId), stream, 'the stream was replaced');
  assert.ok(counter.arrivals.length > framesAt + 10, `frames stalled at ${counter.arrivals.length}`);
  const d = await diagnosis(h, live.streamId);
  assert.ok(
    d.steps.some((s) => s.step === 'call-id-changed'),
    JSON.stringify(d.steps),
  );
  assert.equal(h.sim.devices[0].platform.sessions.length, 1, 'the device saw a BYE or a second INVITE');
  assert.equal(catalogQueries.count, 0, 'a refresh is not a restart: no catalog query');
  counter.close();
  await h.api(`/api/streams/${live.streamId}`, { method: 'DELETE' });
  await waitFor(() => h.sim.devices[0].platform.sessions.length === 0, 5_000, 'the BYE');
});

test('a device that reboots mid-stream and re-registers with a new Call-ID: one registry entry, its old streams closed at once, the watched live stream invited again within a couple of seconds', async () => {
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 10);
  // A second live stream nobody watches (the API started it; no viewer came).
  const unwatched = await startLive(h, DEVICE, CH2);
  await waitFor(() => (h.gw.streams.get(unwatched.streamId)?.info.frames ?? 0) > 0, 10_000, 'CH2 media');
  const oldStream = h.gw.streams.get(live.streamId);
  const before = h.gw.upper.sessions.get(DEVICE)!;
  const oldCallId = before.callId;

  // Power cut: the SIP socket goes first (so nothing more is said), then the media stops.
  const old = h.sim.devices[0];
  await old.platform.link.ua.close();
  await old.platform.link.ua.transport.close();
  old.backend.close();

  // Back up on the same address, a fresh process: a new Call-ID.
  rebooted = await startSimulator({
    server: { host: '127.0.0.1', port: h.gw.sipPort },
    password: h.gw.secrets.password,
    devices: 1,
    channels: 2,
    sipPort,
  });
  const catalogQueries = countCatalogQueries(rebooted);
  assert.equal(await rebooted.waitForRegistered(1, 10_000), true);
  const registeredAt = Date.now();
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

  // The old streams close about a second after the re-registration (no media came on them),
  // long before the 15 s no-media timeout.
  await waitFor(() => counter.closedWith, 3_000, 'the watched stream to close at the restart');
  assert.equal(counter.closedWith, 'stream-closed');
  const closedMs = Date.now() - registeredAt;
  assert.equal(oldStream?.closed, true);
  assert.equal(h.gw.streams.get(unwatched.streamId), undefined, 'the unwatched stream is still open');
  const gone = await diagnosis(h, unwatched.streamId);
  assert.match(gone.cause ?? '', /re-registered with a new Call-ID \(it restarted\)/, JSON.stringify(gone));
  const restartStep = gone.steps.find((s) => s.step === 'device-restarted');
  assert.equal(restartStep?.detail, `Call-ID ${oldCallId} → ${after.callId}`);

  // The watched live stream: invited again under the same ID, on the rebooted device.
  await waitFor(() => rebooted!.counts().sessions === 1, 3_000, 'the re-INVITE after the restart');
  const reinvitedMs = Date.now() - registeredAt;
  const again = h.gw.streams.get(live.streamId);
  assert.ok(again && again !== oldStream && !again.closed, 'no new stream under the same ID');
  const counter2 = new FrameCounter(h, live.streamId);
  await waitForFrames(counter2, 10);
  const playingMs = Date.now() - registeredAt;
  console.log(
    `# closed ${closedMs} ms, re-invited ${reinvitedMs} ms after the re-registration, playing after ${playingMs} ms`,
  );
  const d = await diagnosis(h, live.streamId);
  const replayed = d.steps.find((s) => s.step === 'replayed');
  assert.match(replayed?.detail ?? '', /device restarted \(Call-ID .+ → .+\)/, JSON.stringify(d));
  assert.equal(d.ok, true, JSON.stringify(d));
  const streams = await h.api<StreamView[]>('/api/streams');
  assert.deepEqual(
    streams.body.map((s) => s.streamId),
    [live.streamId],
    'only the watched stream came back',
  );

  // A restarted device is learnt again, as after a first registration.
  await waitFor(() => catalogQueries.count > 0, 5_000, 'a Catalog query after the restart');

  // Asking for the channel again joins that stream: no second INVITE.
  const joined = await startLive(h, DEVICE, CH1);
  assert.equal(joined.streamId, live.streamId);
  assert.equal(rebooted.counts().sessions, 1, 'a second INVITE reached the rebooted device');
  counter2.close();
  await h.api(`/api/streams/${live.streamId}`, { method: 'DELETE' });
  assert.equal(h.gw.upper.sessions.list().length, 1);
});
