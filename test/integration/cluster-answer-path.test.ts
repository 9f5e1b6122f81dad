// The signaling ↔ media node conversation of one play, end to end: TCP active (the media node
// dials the address of the device's 200 OK), a device that answers with its own y= (the media
// node re-keys), the media node's ingest events in the signaling node's diagnosis, a stop through
// a media node's API (BYE), and a stream nobody watches ended by the media node's idle timer
// (the signaling node sends BYE).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { waitFor } from '../helpers/wait.js';
import { fetchAndProbeHls, spawnClusterNode, startRedis, type RedisServer } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { type GatewayProcess } from '../helpers/gateway-process.js';

const PASSWORD = 'cluster-answer-pw';
const TOKEN = 'cluster-answer-token-0123456789';
const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `gb-cluster-${name}-`));
  dirs.push(d);
  return d;
};

let redis: RedisServer;
let signaling: GatewayProcess;
let media: GatewayProcess;
let sim: Simulator;

before(async () => {
  redis = await startRedis();
  const common = {
    redisUrl: redis.url,
    prefix: `a${process.pid}:`,
    password: PASSWORD,
    token: TOKEN,
    signingKey: 'cluster-answer-signing-key-0123456789',
  };
  const base = 36000 + (process.pid % 20) * 100;
  media = await spawnClusterNode({
    ...common,
    role: 'media',
    nodeId: 'media-1',
    dataDir: tmp('media'),
    sipPort: await freePort(),
    mediaPorts: `${base}-${base + 49}`,
    webrtcPorts: `${base + 50}-${base + 99}`,
    extra: ['--idle-stop', '3'],
  });
  const sipPort = await freePort();
  signaling = await spawnClusterNode({
    ...common,
    role: 'signaling',
    nodeId: 'sig',
    dataDir: tmp('sig'),
    sipPort,
    extra: ['--media-transport', 'tcp-active'],
  });
  sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: 1,
    channels: 2,
    answerSsrc: 'own',
  });
  assert.equal(await sim.waitForRegistered(1, 15_000), true);
});

after(async () => {
  await sim?.close().catch(() => undefined);
  for (const p of [signaling, media]) {
    await p?.stop().catch(() => undefined);
  }
  await redis?.stop().catch(() => undefined);
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true });
  }
});

async function channels(): Promise<string[]> {
  const deviceId = sim.devices[0].deviceId;
  return waitFor(
    async () => {
      const r = await signaling.api<{ channelId: string }[]>(`/api/devices/${deviceId}/channels`);
      return r.status === 200 && r.body.length === 2 ? r.body.map((c) => c.channelId).sort() : undefined;
    },
    15_000,
    'the catalog',
  );
}

test('TCP active with a re-keyed SSRC: the media node dials the answer address, plays, and its events reach the diagnosis', async () => {
  const deviceId = sim.devices[0].deviceId;
  const [channel] = await channels();
  const live = await signaling.api<{
    streamId: string;
    hls: string;
    transport: string;
    codec: { video: string };
  }>(`/api/devices/${deviceId}/channels/${channel}/live`, { method: 'POST' });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.equal(live.body.transport, 'tcp-active');
  assert.equal(live.body.codec.video, 'H264');
  assert.equal(new URL(live.body.hls).origin, media.httpBase);

  const check = await waitFor(
    () => fetchAndProbeHls(live.body.hls, 'answer-path'),
    15_000,
    'HLS over TCP active',
  );
  assert.equal(check.probe.video?.codec_name, 'h264');

  const diagnosis = await signaling.api<{ ok: boolean; steps: { step: string; detail?: string }[] }>(
    `/api/streams/${live.body.streamId}/diagnosis`,
  );
  const steps = diagnosis.body.steps.map((s) => s.step);
  for (const step of [
    'invite-sent',
    'ssrc-rekeyed',
    'media-dial',
    'media-connected',
    'first-rtp',
    'codec-found',
    'first-keyframe',
  ]) {
    assert.ok(steps.includes(step), `diagnosis lacks ${step}: ${steps.join(', ')}`);
  }
  assert.equal(diagnosis.body.ok, true);

  // The media node's API redirects the diagnosis to the signaling node, which holds the dialog.
  const viaMedia = await fetch(`${media.httpBase}/api/streams/${live.body.streamId}/diagnosis`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    redirect: 'manual',
  });
  assert.equal(viaMedia.status, 307);
  assert.equal(new URL(viaMedia.headers.get('location')!).origin, signaling.httpBase);

  // The media node lists the stream it serves; a stop through its API ends the dialog (BYE).
  const listed = await media.api<{ streamId: string; state: string }[]>('/api/streams');
  assert.deepEqual(
    listed.body.map((s) => s.streamId),
    [live.body.streamId],
  );
  const stop = await media.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  await waitFor(() => sim.counts().sessions === 0, 5_000, 'the device to get BYE');
  await waitFor(
    async () => (await media.api<unknown[]>('/api/streams')).body.length === 0,
    5_000,
    'the media node to close the hub',
  );
});

test("a stream nobody watches ends on the media node's idle timer, and the signaling node sends BYE", async () => {
  const deviceId = sim.devices[0].deviceId;
  const [, channel] = await channels();
  const live = await signaling.api<{ streamId: string }>(
    `/api/devices/${deviceId}/channels/${channel}/live`,
    {
      method: 'POST',
    },
  );
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.equal(sim.counts().sessions, 1);
  const t0 = Date.now();
  // --idle-stop 3 on the media node; the signaling node has no idle timer of its own.
  await waitFor(() => sim.counts().sessions === 0, 10_000, 'BYE after the idle stop');
  const waited = Date.now() - t0;
  assert.ok(waited >= 2000, `BYE came after ${waited} ms, before the idle timer could fire`);
  await waitFor(
    async () => (await signaling.api<unknown[]>('/api/streams')).body.length === 0,
    5_000,
    'the stream to leave the signaling node',
  );
});
