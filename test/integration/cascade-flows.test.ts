// The cascade between two real gateways on loopback: B is A's upper platform and A shares two of
// its simulator's four channels. Everything B does goes through its ordinary upper role and HTTP
// API, so these are the flows an upper platform by another vendor would drive: catalog, live
// (joining a stream A already plays), BYE that stops only what nobody else watches, PTZ and
// RecordInfo forwarded to the camera, playback with INFO control, and catalog notifications
// (ADD for a newly shared channel and a virtual directory, OFF when A's device goes away).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import type { ShareEntry } from '../../gateway/store/cascade-store.js';
import { waitFor } from '../helpers/wait.js';
import {
  A_ID,
  B_ID,
  SIM,
  TWO_CHANNELS,
  bChannels,
  channel,
  startPair,
  upperOnA,
  type Pair,
} from '../helpers/cascade-pair.js';

let pair: Pair;
const sim = () => pair.a.sim.device(SIM)!.backend;
const simSessions = (ch: string) =>
  pair.a.sim.device(SIM)!.platform.sessions.filter((s) => s.channelId === ch);

interface StreamView {
  streamId: string;
  kind: string;
  transport: string;
  width: number | null;
  codec: { video: string | null };
  viewers: { webrtc: number; hls: number };
}

before(async () => {
  // A stops an idle stream 1 s after its last viewer leaves, so "nobody watches" is quick to see.
  // B plays over TCP with itself dialing (a=setup:active), so A serves media as the TCP listener.
  pair = await startPair({ a: { 'idle-stop': 1 }, b: { 'media-transport': 'tcp-active' } });
  assert.equal(await pair.a.sim.waitForRegistered(1, 10_000), true);
});
after(async () => {
  await pair?.close();
});

test('B lists exactly the two shared channels, under A, with the names A knows them by', async () => {
  const channels = await bChannels(pair, 2);
  assert.deepEqual(channels.map((c) => [c.channelId, c.name, c.parentId, c.status]).sort(), [
    [channel(1), '模拟通道1', A_ID, 'ON'],
    [channel(3), '模拟通道3', A_ID, 'ON'],
  ]);
  const device = await waitFor(
    async () => {
      const r = await pair.b.api<{ online: boolean; name: string | null }>(`/api/devices/${A_ID}`);
      return r.body.name ? r.body : undefined;
    },
    10_000,
    "A's DeviceInfo on B",
  );
  assert.deepEqual([device.online, device.name], [true, 'gb28181-gateway']);
  const upper = await upperOnA(pair.a);
  assert.deepEqual([upper.status.state, upper.status.online, upper.channelCount], ['registered', true, 2]);
});

test("B's live INVITE joins the stream A already plays: one INVITE to the camera, and B's BYE leaves A's viewer playing", async () => {
  const own = await pair.a.api<{ streamId: string }>(`/api/devices/${SIM}/channels/${channel(1)}/live`, {
    method: 'POST',
  });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  let ownFrames = 0;
  const unsubscribe = pair.a.gw.streams.get(own.body.streamId)!.subscribe({
    id: 'test-viewer-on-A',
    write: (_au: AccessUnit) => void ownFrames++,
    close: () => {},
  });

  const live = await pair.b.api<{ streamId: string; codec: { video: string } }>(
    `/api/devices/${A_ID}/channels/${channel(1)}/live`,
    {
      method: 'POST',
    },
  );
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.equal(live.body.codec.video, 'H264');
  const onB = await waitFor(
    async () =>
      (await pair.b.api<StreamView[]>('/api/streams')).body.find(
        (s) => s.streamId === live.body.streamId && s.width,
      ),
    10_000,
    "B's stream to report its picture size",
  );
  assert.equal(onB.width, 640);
  assert.equal(onB.transport, 'tcp-active');
  assert.equal(simSessions(channel(1)).length, 1, 'the camera was invited once');
  assert.equal((await upperOnA(pair.a)).status.streams, 1);

  const stop = await pair.b.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
  assert.equal(stop.status, 200);
  await waitFor(async () => (await upperOnA(pair.a)).status.streams === 0, 5_000, "B's BYE to reach A");
  const before = ownFrames;
  await new Promise((r) => setTimeout(r, 2000)); // longer than A's idle-stop
  assert.equal(simSessions(channel(1)).length, 1, "A's own viewer keeps the camera stream");
  assert.ok(ownFrames > before, 'frames kept coming to the viewer on A');

  unsubscribe();
  await waitFor(() => simSessions(channel(1)).length === 0, 5_000, 'A to BYE the camera once nobody watches');
});

test('a PTZ command sent to B moves the simulated camera behind A, and stop stops it', async () => {
  const head = () => sim().ptzState(channel(3))!.snapshot();
  const start = head().pan;
  const right = await pair.b.api(`/api/devices/${A_ID}/channels/${channel(3)}/ptz`, {
    method: 'POST',
    body: JSON.stringify({ command: 'right', speed: 200 }),
  });
  assert.equal(right.status, 200, JSON.stringify(right.body));
  await waitFor(() => head().moving, 5_000, 'the camera to move');
  await pair.b.api(`/api/devices/${A_ID}/channels/${channel(3)}/ptz`, {
    method: 'POST',
    body: JSON.stringify({ command: 'stop' }),
  });
  await waitFor(() => !head().moving, 5_000, 'the camera to stop');
  assert.ok(head().pan > start, `pan ${start} → ${head().pan}`);
});

test("a record query on B returns the simulator's recordings of that channel", async () => {
  const end = new Date(Date.now() - 60_000);
  const start = new Date(end.getTime() - 6 * 3600_000);
  const q = `start=${start.toISOString()}&end=${end.toISOString()}`;
  const r = await pair.b.api<{ start: string; end: string; type: string }[]>(
    `/api/devices/${A_ID}/channels/${channel(3)}/records?${q}`,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // Whole seconds: GB times have no fraction (docs/gb28181.md §0).
  const sec = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
  const truth = sim()
    .records(channel(3), start.getTime(), end.getTime())
    .map((x) => [sec(x.startMs), sec(x.endMs), x.type]);
  assert.ok(truth.length >= 5, `the simulator has ${truth.length} recordings in 6 h`);
  assert.deepEqual(
    r.body.map((x) => [x.start, x.end, x.type]),
    truth,
  );
});

test('playback through B: the INVITE reaches the camera, PAUSE/PLAY are forwarded, and B ending it ends it at the camera', async () => {
  const end = new Date(Date.now() - 3600_000);
  const start = new Date(end.getTime() - 600_000);
  const pb = await pair.b.api<{ streamId: string }>(`/api/devices/${A_ID}/channels/${channel(3)}/playback`, {
    method: 'POST',
    body: JSON.stringify({ start: start.toISOString(), end: end.toISOString() }),
  });
  assert.equal(pb.status, 200, JSON.stringify(pb.body));
  const source = await waitFor(
    () => sim().openStreams(channel(3))[0],
    5_000,
    'the playback source on the camera',
  );
  assert.equal(simSessions(channel(3))[0]?.kind, 'playback');

  const control = (body: object) =>
    pair.b.api(`/api/streams/${pb.body.streamId}/control`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal((await control({ action: 'pause' })).status, 200);
  await waitFor(() => source.isPaused, 5_000, 'the camera to pause');
  assert.equal((await control({ action: 'resume' })).status, 200);
  await waitFor(() => !source.isPaused, 5_000, 'the camera to resume');
  assert.equal((await control({ action: 'scale', scale: 2 })).status, 200);
  await waitFor(() => source.scale === 2, 5_000, 'the camera to play at 2x');

  await pair.b.api(`/api/streams/${pb.body.streamId}`, { method: 'DELETE' });
  // A playback exists for the upper alone: it ends at once, without an idle grace.
  await waitFor(
    () => simSessions(channel(3)).length === 0,
    3_000,
    'the playback dialog with the camera to end',
  );
});

test('sharing more notifies B: a virtual directory and a third channel appear as ADD without re-registering', async () => {
  const registeredAt = (
    await pair.a.api<{ status: { registeredAt: string } }>(`/api/upper-platforms/${B_ID}`)
  ).body.status.registeredAt;
  const shares: ShareEntry[] = [
    { type: 'group', id: '34020000002150000001', name: '治安监控' },
    { type: 'organisation', id: '34020000002160000001', name: '东区', parentId: '34020000002150000001' },
    ...TWO_CHANNELS,
    { type: 'channel', deviceId: SIM, channelId: channel(2), name: '东门', parentId: '34020000002160000001' },
  ];
  const put = await pair.a.api<{ catalog: { channelId: string }[] }>(`/api/upper-platforms/${B_ID}/shares`, {
    method: 'PUT',
    body: JSON.stringify({ shares }),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.catalog.length, 5);
  const channels = await bChannels(pair, 5, 5_000);
  const ch2 = channels.find((c) => c.channelId === channel(2));
  assert.deepEqual([ch2?.name, ch2?.parentId], ['东门', '34020000002160000001']);
  const org = channels.find((c) => c.channelId === '34020000002160000001');
  assert.equal(org?.parentId, '34020000002150000001');
  const upper = await pair.a.api<{ status: { registeredAt: string; notifications: { sent: number } } }>(
    `/api/upper-platforms/${B_ID}`,
  );
  assert.equal(upper.body.status.registeredAt, registeredAt, 'the registration was kept');

  // And back: B forgets what is no longer shared (DEL).
  await pair.a.api(`/api/upper-platforms/${B_ID}/shares`, {
    method: 'PUT',
    body: JSON.stringify({ shares: TWO_CHANNELS }),
  });
  await bChannels(pair, 2, 5_000);
});

test("A's device going away ends B's stream with a BYE from A, and turns the shared channels OFF on B (catalog notify)", async () => {
  const live = await pair.b.api<{ streamId: string }>(`/api/devices/${A_ID}/channels/${channel(3)}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  await pair.a.sim.close(); // BYEs A's camera stream, then unregisters the simulated NVR from A
  await waitFor(
    async () =>
      !(await pair.b.api<StreamView[]>('/api/streams')).body.some((s) => s.streamId === live.body.streamId),
    5_000,
    "B's stream to end on A's BYE",
  );
  const diagnosis = await pair.b.api<{ steps: { step: string; detail?: string }[] }>(
    `/api/streams/${live.body.streamId}/diagnosis`,
  );
  assert.ok(
    diagnosis.body.steps.some((s) => s.step === 'closed' && s.detail === 'device-bye'),
    JSON.stringify(diagnosis.body.steps),
  );
  await waitFor(
    async () => {
      const r = await pair.b.api<{ status: string }[]>(`/api/devices/${A_ID}/channels`);
      return r.body.length === 2 && r.body.every((c) => c.status === 'OFF');
    },
    5_000,
    'both channels OFF on B',
  );
});
