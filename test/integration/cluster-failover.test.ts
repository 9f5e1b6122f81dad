// Scale-out acceptance: a real redis-server, one signaling node and two media nodes (the CLI as
// child processes), 20 simulated devices. Ten live streams spread over both media nodes and
// play (HLS through the signaling node's redirect, probed with ffprobe); then one media node is
// killed with SIGKILL and every stream it served plays again from the other within 15 s, with
// every device and channel record still there, seen from both surviving nodes' APIs.
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

const PASSWORD = 'cluster-test-pw';
const TOKEN = 'cluster-test-token-0123456789';
const SIGNING_KEY = 'cluster-test-signing-key-0123456789';
const DEVICES = 20;
const STREAMS = 10;

interface DeviceView {
  deviceId: string;
  online: boolean;
  channelCount: number;
}
interface LiveAnswer {
  streamId: string;
  hls: string;
  whep: string;
  codec: { video: string | null };
}

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `gb-cluster-${name}-`));
  dirs.push(d);
  return d;
};

let redis: RedisServer;
let signaling: GatewayProcess;
const media: Record<'a' | 'b', GatewayProcess> = {} as never;
let sim: Simulator;
const live: LiveAnswer[] = [];
let startMedia: (n: 'a' | 'b') => Promise<GatewayProcess>;
const extraNodes: GatewayProcess[] = [];

before(async () => {
  redis = await startRedis();
  const common = {
    redisUrl: redis.url,
    prefix: `t${process.pid}:`,
    password: PASSWORD,
    token: TOKEN,
    signingKey: SIGNING_KEY,
  };
  const sipPort = await freePort();
  // Media nodes first: the signaling node then finds both at start (it also learns late joiners).
  const base = 34000 + (process.pid % 20) * 200;
  startMedia = async (n) => {
    const i = n === 'a' ? 0 : 1;
    return spawnClusterNode({
      ...common,
      role: 'media',
      nodeId: `media-${n}`,
      dataDir: tmp(`media-${n}`),
      sipPort: await freePort(),
      mediaPorts: `${base + i * 100}-${base + i * 100 + 49}`,
      webrtcPorts: `${base + i * 100 + 50}-${base + i * 100 + 99}`,
    });
  };
  [media.a, media.b] = await Promise.all([startMedia('a'), startMedia('b')]);
  signaling = await spawnClusterNode({
    ...common,
    role: 'signaling',
    nodeId: 'sig',
    dataDir: tmp('sig'),
    sipPort,
  });
  sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: DEVICES,
    channels: 1,
    registerSpreadMs: 1000,
  });
});

after(async () => {
  await sim?.close().catch(() => undefined);
  for (const p of [signaling, media.a, media.b, ...extraNodes]) {
    await p?.stop().catch(() => undefined);
  }
  await redis?.stop().catch(() => undefined);
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true });
  }
});

async function devicesOf(node: GatewayProcess): Promise<DeviceView[]> {
  const r = await node.api<DeviceView[]>('/api/devices');
  return r.status === 200 ? r.body : [];
}

test('20 devices register with the signaling node, and every node API shows them online with their channel', async () => {
  assert.equal(await sim.waitForRegistered(DEVICES, 20_000), true);
  for (const node of [signaling, media.a, media.b]) {
    await waitFor(
      async () => {
        const list = await devicesOf(node);
        return list.length === DEVICES && list.every((d) => d.online && d.channelCount === 1);
      },
      20_000,
      `20 devices online with 1 channel each on ${node.httpBase}`,
    );
  }
  const channels = await media.b.api<{ channelId: string }[]>(
    `/api/devices/${sim.devices[0].deviceId}/channels`,
  );
  assert.equal(channels.status, 200);
  assert.equal(channels.body.length, 1);
});

test('10 live streams spread over both media nodes, and their HLS (reached through a redirect) probes as H.264', async () => {
  const targets = sim.devices.slice(0, STREAMS);
  const t0 = Date.now();
  const answers = await Promise.all(
    targets.map(async (d) => {
      const channel = (await signaling.api<{ channelId: string }[]>(`/api/devices/${d.deviceId}/channels`))
        .body[0];
      const r = await signaling.api<LiveAnswer>(
        `/api/devices/${d.deviceId}/channels/${channel.channelId}/live`,
        {
          method: 'POST',
        },
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    }),
  );
  console.log(`10 live answers in ${Date.now() - t0} ms`);
  live.push(...answers);
  const byNode = new Map<string, number>();
  for (const a of answers) {
    assert.equal(a.codec.video, 'H264');
    const origin = new URL(a.hls).origin;
    assert.ok([media.a.httpBase, media.b.httpBase].includes(origin), `${a.hls} names a media node`);
    assert.equal(new URL(a.whep).origin, origin, 'WHEP and HLS on the same node');
    byNode.set(origin, (byNode.get(origin) ?? 0) + 1);
  }
  assert.deepEqual(
    [...byNode.values()].sort(),
    [5, 5],
    `least-loaded placement: ${JSON.stringify([...byNode])}`,
  );

  // Through the signaling node, which serves no media: 307 to the serving node.
  for (const a of answers) {
    const path = new URL(a.hls).pathname + new URL(a.hls).search;
    const check = await waitFor(
      () => fetchAndProbeHls(signaling.httpBase + path, a.streamId),
      15_000,
      `HLS of ${a.streamId}`,
    );
    assert.equal(check.servedBy, new URL(a.hls).origin);
    assert.equal(check.probe.video?.codec_name, 'h264');
    assert.ok(check.probe.videoPackets > 0);
  }
  const redirect = await fetch(
    `${signaling.httpBase}${new URL(answers[0].hls).pathname}${new URL(answers[0].hls).search}`,
    {
      redirect: 'manual',
    },
  );
  assert.equal(redirect.status, 307);
  assert.equal(new URL(redirect.headers.get('location')!).origin, new URL(answers[0].hls).origin);

  // The other media node redirects too; the serving one answers itself.
  const onA = answers.find((a) => new URL(a.hls).origin === media.a.httpBase)!;
  const viaB = await fetch(`${media.b.httpBase}${new URL(onA.hls).pathname}${new URL(onA.hls).search}`, {
    redirect: 'manual',
  });
  assert.equal(viaB.status, 307);
  assert.equal(new URL(viaB.headers.get('location')!).origin, media.a.httpBase);
  const apiViaB = await media.b.api(`/api/streams/${onA.streamId}`, { redirect: 'manual' });
  assert.equal(apiViaB.status, 307);

  // WHEP too: the offer's POST is redirected with 307, so it is replayed at the serving node.
  const whep = await fetch(`${signaling.httpBase}${new URL(onA.whep).pathname}${new URL(onA.whep).search}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0\r\n',
    redirect: 'manual',
  });
  assert.equal(whep.status, 307);
  assert.equal(new URL(whep.headers.get('location')!).origin, media.a.httpBase);

  // A media node's API forwards the play to the signaling node and answers with the serving node's URLs.
  const viaMedia = await media.b.api<LiveAnswer>(
    `/api/devices/${targets[0].deviceId}/channels/${(await signaling.api<{ channelId: string }[]>(`/api/devices/${targets[0].deviceId}/channels`)).body[0].channelId}/live`,
    { method: 'POST' },
  );
  assert.equal(viaMedia.status, 200, JSON.stringify(viaMedia.body));
  assert.equal(viaMedia.body.streamId, answers[0].streamId);
  assert.equal(new URL(viaMedia.body.hls).origin, new URL(answers[0].hls).origin);

  const streams =
    await signaling.api<{ streamId: string; state: string; codec: { video: string } }[]>('/api/streams');
  assert.equal(streams.body.length, STREAMS);
  assert.ok(
    streams.body.every((s) => s.codec.video === 'H264' && s.state === 'live'),
    JSON.stringify(streams.body),
  );
});

test('kill -9 of a media node: each of its streams plays again from the other node within 15 s; no device or channel is lost', async () => {
  const victim = media.a;
  const survivor = media.b;
  const moved = live.filter((a) => new URL(a.hls).origin === victim.httpBase);
  assert.equal(moved.length, STREAMS / 2);
  const killedAt = Date.now();
  await victim.kill9();

  const recoveredAfter = await Promise.all(
    moved.map(async (a) => {
      const path = new URL(a.hls).pathname + new URL(a.hls).search;
      // A player keeps the signaling node's URL: its next request is redirected to the new node.
      const check = await waitFor(
        async () => {
          const c = await fetchAndProbeHls(signaling.httpBase + path, `${a.streamId}-after`).catch(
            () => undefined,
          );
          return c?.servedBy === survivor.httpBase && c.probe.video?.codec_name === 'h264' ? c : undefined;
        },
        15_000,
        `${a.streamId} to play from the surviving node`,
      );
      assert.ok(check.probe.videoPackets > 0);
      return Date.now() - killedAt;
    }),
  );
  const worst = Math.max(...recoveredAfter);
  console.log(
    `failover: every moved stream played again after ${recoveredAfter.sort((x, y) => x - y).join(', ')} ms (worst ${worst} ms)`,
  );
  assert.ok(worst < 15_000, `worst ${worst} ms`);

  // The streams that were on the survivor never moved, and all ten are listed.
  const streams = await signaling.api<{ streamId: string }[]>('/api/streams');
  assert.deepEqual(streams.body.map((s) => s.streamId).sort(), live.map((a) => a.streamId).sort());
  const failover = signaling.logged(/media node failover done/)[0] as
    { moved?: string[]; failed?: unknown[]; elapsedMs?: number; time?: number } | undefined;
  const lost = signaling.logged(/media node lost/)[0] as { time?: number; silentMs?: number } | undefined;
  console.log(
    `node declared lost ${lost?.time ? lost.time - killedAt : '?'} ms after the kill (silent ${lost?.silentMs} ms); re-INVITEs took ${failover?.elapsedMs} ms`,
  );
  assert.equal(failover?.moved?.length, moved.length, JSON.stringify(failover));
  assert.deepEqual(failover?.failed, []);

  for (const node of [signaling, survivor]) {
    const list = await devicesOf(node);
    assert.equal(list.length, DEVICES, `devices on ${node.httpBase}`);
    assert.ok(
      list.every((d) => d.online && d.channelCount === 1),
      JSON.stringify(list.filter((d) => !d.online || d.channelCount !== 1)),
    );
  }
});

test('a media node stopped with SIGTERM announces it: its streams move at once (no timeout) to a node that joined later', async () => {
  const joined = await startMedia('a');
  extraNodes.push(joined);
  await waitFor(
    () => signaling.logged(/media node up/).filter((l) => l.nodeId === 'media-a').length >= 2,
    10_000,
    'media-a to rejoin',
  );
  const stoppedAt = Date.now();
  await media.b.stop();
  const recoveredAfter = await Promise.all(
    live.map(async (a) => {
      const path = new URL(a.hls).pathname + new URL(a.hls).search;
      await waitFor(
        async () => {
          const c = await fetchAndProbeHls(signaling.httpBase + path, `${a.streamId}-moved`).catch(
            () => undefined,
          );
          return c?.servedBy === joined.httpBase && c.probe.video?.codec_name === 'h264' ? c : undefined;
        },
        15_000,
        `${a.streamId} to play from the rejoined node`,
      );
      return Date.now() - stoppedAt;
    }),
  );
  const leaving = signaling.logged(/media node leaving/).find((l) => l.nodeId === 'media-b') as
    { time?: number } | undefined;
  assert.ok(
    leaving?.time && leaving.time - stoppedAt < 2000,
    'declared gone from its last beat, not after --node-timeout',
  );
  console.log(
    `graceful move: all ${live.length} streams played from the rejoined node after ${Math.max(...recoveredAfter)} ms`,
  );
  const failovers = signaling.logged(/media node failover done/) as {
    nodeId?: string;
    moved?: string[];
    failed?: unknown[];
    elapsedMs?: number;
    time?: number;
  }[];
  const last = failovers.find((f) => f.nodeId === 'media-b');
  console.log(
    `leaving beat seen after ${leaving.time - stoppedAt} ms; re-INVITEs done ${last?.time ? last.time - stoppedAt : '?'} ms after SIGTERM`,
  );
  assert.equal(last?.moved?.length, live.length);
  assert.deepEqual(last?.failed, []);
});
