// The cluster's Redis pieces against a real redis-server: the bus (replies, error codes, a node
// that is not listening, a node that does not answer), the node table (a silent node is lost),
// the stream directory (an old attempt never removes its successor's entry), and the device
// mirror → replica path (what other nodes' APIs read; passwords stay home).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { GatewayError } from '../../gateway/errors.js';
import { createLogger } from '../../gateway/log.js';
import { MirroredDeviceStore } from '../../gateway/cluster/device-mirror.js';
import { DeviceReplica } from '../../gateway/cluster/device-replica.js';
import { clusterKeys } from '../../gateway/cluster/keys.js';
import { NodeBus } from '../../gateway/cluster/node-bus.js';
import { NodeHeartbeat } from '../../gateway/cluster/node-heartbeat.js';
import { NodeTable } from '../../gateway/cluster/node-table.js';
import { StreamDirectory } from '../../gateway/cluster/stream-directory.js';
import { SqliteDeviceStore } from '../../gateway/store/sqlite-store.js';
import { waitFor } from '../helpers/wait.js';
import { startRedis, type RedisServer } from '../helpers/cluster.js';

const log = createLogger('test');
let server: RedisServer;
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(server.url, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
};
let n = 0;
const keys = () => clusterKeys(`u${++n}:`);

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of clients) {
    c.disconnect();
  }
  await server?.stop();
});

interface EchoCommands {
  echo: { args: { text: string }; result: { text: string; from: string } };
  fail: { args: Record<string, never>; result: null };
  slow: { args: Record<string, never>; result: null };
}

test('bus: a request is answered by the named node, GW_ERR_* codes cross, a silent node times out, an absent one fails at once', async () => {
  const k = keys();
  const a = await NodeBus.start({ nodeId: 'a', keys: k, pub: client(), sub: client(), log });
  const b = await NodeBus.start({ nodeId: 'b', keys: k, pub: client(), sub: client(), log });
  b.serve<EchoCommands>({
    echo: ({ text }, from) => ({ text: text.toUpperCase(), from }),
    fail: () => {
      throw new GatewayError('GW_ERR_DEVICE_OFFLINE', 'device 34020000001180000001 is offline');
    },
    slow: () => new Promise(() => undefined),
  });
  assert.deepEqual(await a.request<EchoCommands, 'echo'>('b', 'echo', { text: 'hi' }), {
    text: 'HI',
    from: 'a',
  });

  await assert.rejects(a.request<EchoCommands, 'fail'>('b', 'fail', {}), (err: GatewayError) => {
    assert.equal(err.code, 'GW_ERR_DEVICE_OFFLINE');
    assert.equal(err.status, 409);
    return true;
  });

  let t = Date.now();
  await assert.rejects(
    a.request<EchoCommands, 'slow'>('b', 'slow', {}, 300),
    (err: GatewayError) => err.code === 'GW_ERR_NODE_UNAVAILABLE',
  );
  assert.ok(Date.now() - t >= 290);

  t = Date.now();
  await assert.rejects(
    a.request<EchoCommands, 'echo'>('nobody', 'echo', { text: 'x' }, 5000),
    /not listening/,
  );
  assert.ok(Date.now() - t < 1000, 'no receiver is known at once, not after the timeout');

  const events: string[] = [];
  b.listen<{ ping: { n: number } }>({ ping: (d, from) => events.push(`${from}:${d.n}`) });
  a.emit<{ ping: { n: number } }, 'ping'>('b', 'ping', { n: 7 });
  await waitFor(() => events.length === 1, 2000, 'the event');
  assert.deepEqual(events, ['a:7']);

  await b.close();
  await b.close();
  await assert.rejects(a.request<EchoCommands, 'echo'>('b', 'echo', { text: 'x' }), /not listening/);
  await a.close();
});

test('node table: beats keep a node alive; after the timeout of silence it is lost and withdrawn from Redis', async () => {
  const k = keys();
  const redis = client();
  let now = 1_000_000;
  const table = new NodeTable({
    redis,
    sub: client(),
    keys: k,
    log,
    timeoutMs: 3000,
    sweepMs: 60_000,
    now: () => now,
  });
  await table.start();
  const lost: string[] = [];
  table.events.on('lost', (id) => lost.push(id));
  const beat = new NodeHeartbeat({
    redis: client(),
    keys: k,
    log,
    intervalMs: 60_000,
    ttlMs: 10_000,
    status: () => ({
      nodeId: 'm1',
      http: 'http://m1:8080',
      mediaIp: '10.0.0.5',
      load: { streams: 2, bitrateInKbps: 4000, bitrateOutKbps: 8000, cpuPercent: 12 },
      streams: {},
    }),
  });
  await beat.beat();
  await waitFor(() => table.get('m1'), 2000, 'the first beat');
  assert.equal(table.get('m1')?.load.streams, 2);
  assert.equal(await redis.sismember(k.nodes, 'm1'), 1);

  now += 2500;
  await beat.beat();
  await waitFor(() => table.get('m1')?.seq === 2, 2000, 'the second beat');
  now += 2900;
  table.sweep();
  assert.deepEqual(lost, [], '2.9 s after the last beat the node is still alive');
  now += 200;
  table.sweep();
  assert.deepEqual(lost, ['m1']);
  assert.equal(table.get('m1'), undefined);
  await waitFor(async () => (await redis.exists(k.node('m1'))) === 0, 2000, 'the node key to go');
  assert.equal(await redis.sismember(k.nodes, 'm1'), 0);

  // A table started later bootstraps from Redis.
  await beat.beat();
  const late = new NodeTable({ redis, sub: client(), keys: k, log, timeoutMs: 3000 });
  await late.start();
  assert.equal(late.get('m1')?.http, 'http://m1:8080');

  // A node shutting down says so in its last beat: lost at once, no timeout.
  const lateLost: string[] = [];
  late.events.on('lost', (id) => lateLost.push(id));
  await beat.close();
  await beat.close();
  await waitFor(() => lateLost.length === 1, 2000, 'the leaving beat');
  assert.equal(late.get('m1'), undefined);
  assert.equal(await redis.exists(k.node('m1')), 0);
  await table.close();
  await late.close();
});

test('stream directory: only the ingest that owns an entry removes it', async () => {
  const dir = new StreamDirectory(client(), keys());
  const e = {
    streamId: 'D_C',
    nodeId: 'a',
    http: 'http://a',
    ingestId: 'D_C~sig~1',
    deviceId: '34020000001180000001',
    channelId: '34020000001310000001',
    kind: 'live' as const,
    since: new Date(0).toISOString(),
  };
  await dir.put(e);
  await dir.put({ ...e, nodeId: 'b', http: 'http://b', ingestId: 'D_C~sig~2' });
  assert.equal(await dir.removeIfOwned('D_C', 'D_C~sig~1'), false, 'the failed-over attempt keeps its entry');
  assert.equal((await dir.get('D_C'))?.nodeId, 'b');
  assert.deepEqual(
    (await dir.listOnNode('b')).map((x) => x.streamId),
    ['D_C'],
  );
  assert.equal(await dir.removeIfOwned('D_C', 'D_C~sig~2'), true);
  assert.equal(await dir.get('D_C'), undefined);
});

test('device mirror → replica: devices, online state and channels reach other nodes; passwords do not', async () => {
  const k = keys();
  const sqlite = new SqliteDeviceStore(':memory:');
  sqlite.upsertDevice('34020000001180000009', { name: 'before start', password: 'secret-per-device' });
  const mirror = new MirroredDeviceStore(sqlite, { redis: client(), keys: k, log, flushMs: 50 });
  await mirror.syncAll();
  const replica = await DeviceReplica.start({ redis: client(), sub: client(), keys: k, log });
  assert.equal(replica.getDevice('34020000001180000009')?.name, 'before start');
  assert.equal(replica.getDevice('34020000001180000009')?.password, null);

  const id = '34020000001180000001';
  mirror.upsertDevice(id, { online: true, remoteAddress: '192.0.2.7', remotePort: 5060, password: 'p' });
  const ch = (channelId: string, name: string) => ({
    channelId,
    name,
    manufacturer: null,
    model: null,
    parentId: id,
    civilCode: null,
    businessGroupId: null,
    address: null,
    status: 'ON' as const,
    longitude: null,
    latitude: null,
    ptzType: null,
    parental: false,
  });
  mirror.replaceChannels(id, [
    ch('34020000001310000001', '模拟通道1'),
    ch('34020000001310000002', '模拟通道2'),
  ]);
  await waitFor(() => replica.countChannels(id) === 2, 3000, 'the channels on the replica');
  assert.equal(replica.getDevice(id)?.online, true);
  assert.equal(replica.getDevice(id)?.password, null);
  assert.equal(replica.listChannels(id)[0]?.name, '模拟通道1');

  mirror.upsertDevice(id, { online: false });
  mirror.deleteChannel(id, '34020000001310000002');
  mirror.deleteDevice('34020000001180000009');
  await waitFor(() => replica.getDevice(id)?.online === false, 3000, 'offline on the replica');
  await waitFor(() => replica.countChannels(id) === 1, 3000, 'the deleted channel gone');
  await waitFor(
    () => replica.getDevice('34020000001180000009') === undefined,
    3000,
    'the deleted device gone',
  );

  // A replica started now loads the same state from Redis.
  const fresh = await DeviceReplica.start({ redis: client(), sub: client(), keys: k, log });
  assert.deepEqual(fresh.listDevices(), replica.listDevices());
  assert.deepEqual(fresh.listChannels(id), replica.listChannels(id));
  await mirror.stopMirroring();
  mirror.close();
  await replica.close();
  await fresh.close();
});
