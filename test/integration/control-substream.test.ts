// Issue #17 sub-streams and per-device media settings, through the API against the simulator:
// `live` with stream "sub" sends the selection in the device's dialects and plays the simulator's
// 320x180 sub clip as a stream of its own beside the 640x360 main stream; the answer's stream is
// what the device's 200 names (docs/gb28181.md §7.5); a device that ignores the selection still
// plays; PATCH mediaIp changes the next INVITE's c=; the dialect setting picks the lines.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { MediaSessionInfo } from '../../gateway/gb28181/lower/index.js';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { FrameCounter, waitForFrames } from '../helpers/live-stream.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const CH2 = '34020000001310000002';
const IGNORING = '34020000001180000101';
const IGNORING_CH1 = '34020000001310000401'; // channelIdOf(IGNORING, 0, 4)

interface PlayAnswer {
  streamId: string;
  stream: string | null;
  answeredStream: string | null;
  codec: { video: string | null };
}
interface StreamView {
  streamId: string;
  width: number | null;
  height: number | null;
  stream: string | null;
  answeredStream: string | null;
  viewers: { webrtc: number; hls: number };
}

let h: Harness;
let ignoring: Simulator;

before(async () => {
  // SIP and media on every local address: an offer naming 127.0.0.2 (PATCH mediaIp) still arrives.
  h = await startHarness({ gateway: { 'sip-host': '0.0.0.0' } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 4);
  // A second site whose firmware knows none of the selection attributes.
  ignoring = await startSimulator({
    server: { host: '127.0.0.1', port: h.gw.sipPort },
    password: h.gw.secrets.password,
    deviceIdBase: IGNORING,
    subStream: 'ignore',
  });
  assert.equal(await ignoring.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(IGNORING, 4);
});

afterEach(reset);

after(async () => {
  await ignoring?.close();
  await h?.close();
});

/** The simulator's view of the next INVITE it answers on `deviceId` (rejects after 10 s). */
function nextSession(sim: Simulator, deviceId: string): Promise<MediaSessionInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no INVITE reached ${deviceId}`));
    }, 10_000);
    const off = sim.device(deviceId)!.platform.on('sessionStart', (info) => {
      off();
      clearTimeout(timer);
      resolve(info);
    });
  });
}

/** Ends every stream and puts the device's settings back, whatever a test left behind. */
async function reset(): Promise<void> {
  for (const s of (await h.api<StreamView[]>('/api/streams')).body) {
    await h.api(`/api/streams/${s.streamId}`, { method: 'DELETE' });
  }
  await h.api(`/api/devices/${DEVICE}`, {
    method: 'PATCH',
    body: JSON.stringify({ streamSelection: 'all', defaultStream: 'main', mediaIp: null }),
  });
}

async function live(deviceId: string, channelId: string, stream?: string) {
  return h.api<PlayAnswer>(`/api/devices/${deviceId}/channels/${channelId}/live`, {
    method: 'POST',
    ...(stream ? { body: JSON.stringify({ stream }) } : {}),
  });
}

async function view(streamId: string): Promise<StreamView> {
  return waitFor(
    async () => {
      const r = await h.api<StreamView>(`/api/streams/${streamId}`);
      return r.status === 200 && r.body.width !== null ? r.body : undefined;
    },
    10_000,
    `the picture size of ${streamId}`,
  );
}

test('main and sub of one channel are two hub streams: sub is asked for in every dialect, answered and 320x180', async () => {
  const subInvite = nextSession(h.sim, DEVICE);
  const sub = await live(DEVICE, CH1, 'sub');
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  assert.equal(sub.body.streamId, `${DEVICE}_${CH1}_sub`);
  assert.equal(sub.body.stream, 'sub');
  assert.equal(sub.body.answeredStream, 'sub', "the simulator's answer names the sub-stream");
  const offered = await subInvite;
  assert.deepEqual(offered.offerAttributes, [
    'streamnumber:1',
    'streamprofile:1',
    'stream:1',
    'streamMode:sub',
  ]);
  assert.equal(offered.streamServed, 'sub');

  const mainInvite = nextSession(h.sim, DEVICE);
  const main = await live(DEVICE, CH1); // no body: the device's default stream, main
  assert.equal(main.body.streamId, `${DEVICE}_${CH1}`);
  assert.equal(main.body.stream, 'main');
  assert.deepEqual((await mainInvite).offerAttributes, [], 'a main offer names no stream');

  const subView = await view(sub.body.streamId);
  const mainView = await view(main.body.streamId);
  assert.deepEqual([subView.width, subView.height], [320, 180]);
  assert.deepEqual([mainView.width, mainView.height], [640, 360]);
  // Their own viewers: watching the sub-stream counts there only.
  const counter = new FrameCounter(h, sub.body.streamId);
  await waitForFrames(counter, 5);
  assert.equal(h.gw.streams.get(sub.body.streamId)!.info.viewers, 1);
  assert.equal(h.gw.streams.get(main.body.streamId)!.info.viewers, 0);
  counter.close();
  // Joining again answers the same stream, without a second INVITE.
  const sessions = h.sim.device(DEVICE)!.platform.sessions.length;
  assert.equal((await live(DEVICE, CH1, 'sub')).body.streamId, sub.body.streamId);
  assert.equal(h.sim.device(DEVICE)!.platform.sessions.length, sessions);
  for (const id of [sub.body.streamId, main.body.streamId]) {
    await h.api(`/api/streams/${id}`, { method: 'DELETE' });
  }
});

test('a device that ignores the selection still plays: main comes, and the answer is reported as unknown', async () => {
  const r = await live(IGNORING, IGNORING_CH1, 'sub');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.stream, 'sub');
  assert.equal(r.body.answeredStream, null, 'nothing in the answer names a stream');
  const v = await view(r.body.streamId);
  assert.deepEqual([v.width, v.height], [640, 360], 'the device sent its main stream');
  const d = await h.api<{ steps: { step: string; detail?: string }[] }>(
    `/api/streams/${r.body.streamId}/diagnosis`,
  );
  assert.match(d.body.steps.find((s) => s.step === 'stream-answered')?.detail ?? '', /does not say/);
  await h.api(`/api/streams/${r.body.streamId}`, { method: 'DELETE' });
});

test('the dialect setting picks the lines; the default stream setting applies when the caller names none', async () => {
  const patched = await h.api<{ settings: { streamSelection: string; defaultStream: string } }>(
    `/api/devices/${DEVICE}`,
    { method: 'PATCH', body: JSON.stringify({ streamSelection: 'streamprofile', defaultStream: 'sub' }) },
  );
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.settings.streamSelection, 'streamprofile');
  const invite = nextSession(h.sim, DEVICE);
  const r = await live(DEVICE, CH2);
  assert.equal(r.body.stream, 'sub');
  assert.equal(r.body.answeredStream, 'sub');
  assert.deepEqual((await invite).offerAttributes, ['streamprofile:1']);
  await h.api(`/api/streams/${r.body.streamId}`, { method: 'DELETE' });
  await h.api(`/api/devices/${DEVICE}`, {
    method: 'PATCH',
    body: JSON.stringify({ streamSelection: 'all', defaultStream: 'main' }),
  });
});

test("PATCH mediaIp: the next INVITE's c= names it, and media sent there plays; null goes back to --public-ip", async () => {
  const bad = await h.api<{ error: { code: string } }>(`/api/devices/${DEVICE}`, {
    method: 'PATCH',
    body: JSON.stringify({ mediaIp: 'not-an-address' }),
  });
  assert.equal(bad.body.error.code, 'GW_ERR_BAD_REQUEST');
  const set = await h.api<{ settings: { mediaIp: string | null } }>(`/api/devices/${DEVICE}`, {
    method: 'PATCH',
    body: JSON.stringify({ mediaIp: '127.0.0.2' }),
  });
  assert.equal(set.body.settings.mediaIp, '127.0.0.2');
  const invite = nextSession(h.sim, DEVICE);
  const r = await live(DEVICE, CH2);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await invite).offerAddress, '127.0.0.2');
  await h.api(`/api/streams/${r.body.streamId}`, { method: 'DELETE' });

  await h.api(`/api/devices/${DEVICE}`, { method: 'PATCH', body: JSON.stringify({ mediaIp: null }) });
  const again = nextSession(h.sim, DEVICE);
  const r2 = await live(DEVICE, CH2);
  assert.equal((await again).offerAddress, '127.0.0.1');
  await h.api(`/api/streams/${r2.body.streamId}`, { method: 'DELETE' });
});
