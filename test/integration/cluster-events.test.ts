// The events domain in a cluster (docs/events.md §10), against a real redis-server: the event
// stream the signaling node copies to Redis and a media node's copy of it (same IDs, replay,
// holes and restarts told as `gap`, Redis away for a while), then one signaling and one media
// process: a device's alarm reaches an SSE client on the media node, both nodes list it, an
// acknowledgement through the media node reaches every stream, and a webhook registered through the
// media node gets each event once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { EventStreamMirror } from '../../gateway/cluster/event-stream-mirror.js';
import { EventStreamPublisher } from '../../gateway/cluster/event-stream-publisher.js';
import { clusterKeys } from '../../gateway/cluster/keys.js';
import { EventBus } from '../../gateway/events/event-bus.js';
import { createLogger } from '../../gateway/log.js';
import { EVENT_TYPES, type GatewayEvent } from '../../gateway/views/events.js';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { spawnClusterNode, startRedis, type RedisServer } from '../helpers/cluster.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('test');
const ALL = new Set(EVENT_TYPES);
const PASSWORD = 'cluster-events-pw';
const TOKEN = 'cluster-events-token-0123456789';

let redis: RedisServer;
const clients: Redis[] = [];
const client = (url = redis.url) => {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};
let n = 0;
const streamKey = () => clusterKeys(`ev${process.pid}-${++n}:`).events;

/** Mirrors to close even when a test fails (their read loop would keep the process alive). */
const mirrors: EventStreamMirror[] = [];
const mirrorOf = async (o: Parameters<typeof EventStreamMirror.start>[0]) => {
  const m = await EventStreamMirror.start(o);
  mirrors.push(m);
  return m;
};

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all(mirrors.map((m) => m.close()));
  for (const c of clients) {
    c.disconnect();
  }
  await redis?.stop();
});

const device = (deviceId: string, online: boolean) => ({ deviceId, online, reason: 'registered' });

/** A bus whose events go to Redis, as the signaling node's do. */
function signalingSide(key: string, backlog: number, bootId: string, redisClient = client()) {
  const bus = new EventBus({ backlog, bootId, log });
  const publisher = new EventStreamPublisher({ redis: redisClient, key, maxLen: backlog, log, retryMs: 100 });
  bus.onAny((e) => publisher.publish(e));
  return { bus, publisher };
}

test('event stream: a media node sees the bus events live with their IDs, and one started later replays the recent past', async () => {
  const key = streamKey();
  const { bus, publisher } = signalingSide(key, 3, 'b1');
  const early = await mirrorOf({ redis: client(), key, capacity: 3, log, blockMs: 200 });
  const live: GatewayEvent[] = [];
  early.follow({ types: new Set(['device']) }, (e) => live.push(e));

  const published: GatewayEvent[] = [];
  for (let i = 1; i <= 5; i++) {
    published.push(bus.publish('device', device(`3402000000118000000${i}`, true)));
    // One event per turn, as alarms come: more than the backlog in one turn keeps only the newest.
    await new Promise((r) => setImmediate(r));
  }
  // A generous wait: the test is about order and IDs, and a loaded CI machine once took over 5 s.
  await waitFor(() => live.length === 5, 15_000, 'the live events on the media node');
  assert.deepEqual(live, published, 'same IDs, times and data, in order');

  // A node that starts now holds the newest 3 (the backlog), like the bus.
  const late = await mirrorOf({ redis: client(), key, capacity: 3, log, blockMs: 200 });
  const afterTwo = late.follow({ types: ALL, lastEventId: 'b1-2' }, () => undefined);
  assert.deepEqual(
    afterTwo.backlog.map((e) => e.id),
    ['b1-3', 'b1-4', 'b1-5'],
  );
  assert.equal(afterTwo.gap, false);
  const afterOne = late.follow({ types: ALL, lastEventId: 'b1-1' }, () => undefined);
  assert.equal(afterOne.gap, true, 'b1-2 is gone: the client lost it');
  // The same answers the bus itself gives (one rule for both, events/replay.ts).
  assert.deepEqual(bus.follow({ types: ALL, lastEventId: 'b1-1' }, () => undefined).gap, true);
  assert.deepEqual(
    bus.follow({ types: ALL, lastEventId: 'b1-2' }, () => undefined).backlog.map((e) => e.id),
    ['b1-3', 'b1-4', 'b1-5'],
  );
  await publisher.close();
  await early.close();
  await late.close();
  assert.equal(late.lastEventId, 'b1-5');
});

test('event stream: an entry already held is skipped; a hole or a new run of the signaling node starts afresh and says gap', async () => {
  const key = streamKey();
  const writer = client();
  const add = (e: GatewayEvent) => writer.xadd(key, '*', 'e', JSON.stringify(e));
  const ev = (id: string): GatewayEvent => ({
    id,
    type: 'device',
    time: new Date(0).toISOString(),
    data: device('34020000001180000001', true),
  });
  const mirror = await mirrorOf({ redis: client(), key, capacity: 10, log, blockMs: 200 });
  const seen: string[] = [];
  let gaps = 0;
  mirror.follow({ types: ALL, onGap: () => gaps++ }, (e) => seen.push(e.id));

  await add(ev('k1-1'));
  await add(ev('k1-2'));
  await add(ev('k1-2')); // appended twice (a retried XADD that Redis had applied)
  await add(ev('k1-3'));
  await writer.xadd(key, '*', 'e', '{"not":"an event"}');
  await add(ev('k1-5')); // k1-4 never reached Redis
  await waitFor(() => seen.length === 4, 5000, 'the entries');
  assert.deepEqual(seen, ['k1-1', 'k1-2', 'k1-3', 'k1-5']);
  assert.equal(gaps, 1, 'the hole at k1-4 was not told to the follower');
  assert.equal(mirror.stats.skipped, 1);
  assert.equal(mirror.stats.malformed, 1);
  // What a client reconnecting here with k1-3 is owed: k1-4 is lost.
  const r = mirror.follow({ types: ALL, lastEventId: 'k1-3' }, () => undefined);
  assert.equal(r.gap, true);
  assert.deepEqual(
    r.backlog.map((e) => e.id),
    ['k1-5'],
  );
  assert.equal(mirror.follow({ types: ALL, lastEventId: 'k1-5' }, () => undefined).gap, false);

  // The signaling node restarted: a new boot ID, sequence from 1.
  await add(ev('k2-1'));
  await waitFor(() => seen.length === 5, 5000, 'the new run');
  assert.equal(gaps, 2);
  const old = mirror.follow({ types: ALL, lastEventId: 'k1-5' }, () => undefined);
  assert.equal(old.gap, true, 'an ID of the earlier run is a gap, as on the signaling node');
  assert.deepEqual(
    old.backlog.map((e) => e.id),
    ['k2-1'],
  );
  await mirror.close();
});

test('event stream: while Redis is away the signaling node keeps the events (up to the backlog) and appends them in order when it is back', async (t) => {
  const port = await freePort();
  let server = await startRedis({ port });
  // The server running at the end, stopped even when an assertion fails (it would keep the run alive).
  t.after(() => server.stop());
  const url = `redis://127.0.0.1:${port}`;
  const key = streamKey();
  const { bus, publisher } = signalingSide(key, 4, 'r1', client(url));
  const mirror = await mirrorOf({ redis: client(url), key, capacity: 4, log, blockMs: 200 });
  const seen: string[] = [];
  let gaps = 0;
  mirror.follow({ types: ALL, onGap: () => gaps++ }, (e) => seen.push(e.id));
  bus.publish('device', device('34020000001180000001', true));
  await waitFor(() => seen.length === 1, 5000, 'the first event');

  await server.stop();
  for (let i = 2; i <= 4; i++) {
    bus.publish('device', device('34020000001180000001', i % 2 === 0));
  }
  await waitFor(() => publisher.stats.failures > 0, 5000, 'a failed append');
  server = await startRedis({ port });
  await waitFor(() => seen.length === 4, 15_000, 'the events kept while Redis was away');
  assert.deepEqual(seen, ['r1-1', 'r1-2', 'r1-3', 'r1-4']);
  assert.equal(gaps, 0);

  // Longer than the backlog: the oldest are dropped, and the media node says so.
  await server.stop();
  for (let i = 5; i <= 10; i++) {
    bus.publish('device', device('34020000001180000001', true));
  }
  await waitFor(() => publisher.stats.dropped === 2, 5000, 'the overflow');
  server = await startRedis({ port });
  await waitFor(() => seen.length === 8, 15_000, 'what was kept');
  assert.deepEqual(seen.slice(4), ['r1-7', 'r1-8', 'r1-9', 'r1-10']);
  assert.equal(gaps, 1, 'r1-5 and r1-6 were lost without a gap');
  await publisher.close();
  await mirror.close();
});

// ---------- one signaling and one media process ----------

interface Delivery {
  id: string | undefined;
  body: { id: string; type: string; data: { alarmId: string; acknowledged: boolean } };
}

async function receiver() {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({
        id: req.headers['x-gb-delivery'] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery['body'],
      });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    deliveries,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test("cluster: an alarm reaches an SSE client on the media node with the signaling node's ID, both nodes list it, and a webhook registered on the media node gets each event once", async () => {
  const dirs: string[] = [];
  const tmp = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `gb-cluster-events-${name}-`));
    dirs.push(d);
    return d;
  };
  const common = {
    redisUrl: redis.url,
    prefix: `e${process.pid}:`,
    password: PASSWORD,
    token: TOKEN,
    signingKey: 'cluster-events-signing-key-0123456789',
  };
  const base = 37000 + (process.pid % 20) * 100;
  let media: GatewayProcess | undefined;
  let signaling: GatewayProcess | undefined;
  let sim: Simulator | undefined;
  const streams: SseClient[] = [];
  const hook = await receiver();
  try {
    media = await spawnClusterNode({
      ...common,
      role: 'media',
      nodeId: 'media-1',
      dataDir: tmp('media'),
      sipPort: await freePort(),
      mediaPorts: `${base}-${base + 49}`,
      webrtcPorts: `${base + 50}-${base + 99}`,
    });
    const sipPort = await freePort();
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
      devices: 1,
      channels: 1,
    });
    assert.equal(await sim.waitForRegistered(1, 15_000), true);
    const platform = sim.devices[0].platform;
    const deviceId = sim.devices[0].deviceId;
    const channelId = sim.devices[0].backend.channelIds[0];
    const sig = signaling;
    const med = media;

    // Registered through the media node, run by the signaling node.
    const added = await med.api<{ webhookId: string }>('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: hook.url, events: ['alarm'] }),
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const listed = await sig.api<{ webhookId: string }[]>('/api/webhooks');
    assert.deepEqual(
      listed.body.map((w) => w.webhookId),
      [added.body.webhookId],
    );

    const auth = { Authorization: `Bearer ${TOKEN}` };
    const onMedia = await openSse(`${med.httpBase}/api/events?types=alarm`, auth);
    const onSignaling = await openSse(`${sig.httpBase}/api/events?types=alarm`, auth);
    streams.push(onMedia, onSignaling);

    const raised = Date.now();
    assert.equal(
      await platform.raiseAlarm({ sourceId: channelId, priority: 1, method: 5, type: 2, timeMs: raised }),
      true,
    );
    const first = await onMedia.next((e) => e.event === 'alarm', 10_000);
    const alarm = first.data as {
      alarmId: string;
      deviceId: string;
      channelId: string;
      acknowledged: boolean;
    };
    assert.equal(alarm.deviceId, deviceId);
    assert.equal(alarm.channelId, channelId);
    assert.equal(alarm.acknowledged, false);
    const same = await onSignaling.next((e) => e.event === 'alarm', 10_000);
    assert.equal(same.id, first.id, 'one ID for the event on every node');
    assert.deepEqual(same.data, first.data);
    log.info({ ms: first.receivedAtMs - raised }, 'alarm raised → SSE client on the media node');

    for (const node of [med, sig]) {
      const list = await node.api<{ alarmId: string }[]>(`/api/alarms?deviceId=${deviceId}`);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.map((a) => a.alarmId),
        [alarm.alarmId],
      );
    }

    // Acknowledged through the media node: every console's row updates.
    const ack = await med.api<{ acknowledged: boolean }>(`/api/alarms/${alarm.alarmId}/ack`, {
      method: 'POST',
    });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.acknowledged, true);
    const acked = await onMedia.next((e) => (e.data as { acknowledged: boolean }).acknowledged, 10_000);
    assert.equal((await onSignaling.next((e) => e.id === acked.id, 10_000)).id, acked.id);

    // A second alarm: when its delivery is in, any second copy of the first two would be too.
    await platform.raiseAlarm({ sourceId: channelId, priority: 2, method: 5, type: 2, timeMs: Date.now() });
    const second = await onMedia.next((e) => e.id !== first.id && e.id !== acked.id, 10_000);
    await waitFor(() => hook.deliveries.some((d) => d.id === second.id), 10_000, 'the second delivery');
    assert.deepEqual(
      hook.deliveries.map((d) => d.id),
      [first.id, acked.id, second.id],
      'each event delivered once, in order, by one node',
    );
    const counters = await med.api<{ delivery: { delivered: number } }[]>('/api/webhooks');
    assert.equal(counters.body[0].delivery.delivered, 3);

    // A dashboard reconnecting to the media node replays from its last ID, without a gap.
    const again = await openSse(`${med.httpBase}/api/events?types=alarm`, {
      ...auth,
      'Last-Event-ID': first.id,
    });
    streams.push(again);
    await waitFor(() => again.events.length >= 2, 5000, 'the replay');
    assert.deepEqual(
      again.events.map((e) => e.id),
      [acked.id, second.id],
    );

    // The rest of the events API answers on the media node too.
    const subs = await med.api<unknown[]>(`/api/devices/${deviceId}/subscriptions`);
    assert.equal(subs.status, 200);
    const defaults = await med.api<{ deviceId: string }>(`/api/devices/${deviceId}/subscription-defaults`);
    assert.equal(defaults.body.deviceId, deviceId);
    const positions = await med.api<unknown[]>('/api/positions');
    assert.equal(positions.status, 200);
    const missing = await med.api<{ error: { code: string } }>('/api/alarms/999999/ack', { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'GW_ERR_ALARM_NOT_FOUND');
  } finally {
    for (const s of streams) {
      s.close();
    }
    hook.close();
    await sim?.close().catch(() => undefined);
    for (const p of [signaling, media]) {
      await p?.stop().catch(() => undefined);
    }
    for (const d of dirs) {
      rmSync(d, { recursive: true, force: true });
    }
  }
});
