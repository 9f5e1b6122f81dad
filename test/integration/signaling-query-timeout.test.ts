// Regression: a device that registers but never answers our MESSAGEs (no 200 at all) used to
// crash the gateway. The answer wait (query timeout) ends before the MESSAGE's own transaction
// timeout (64·T1), and its rejection had no handler yet: an unhandled rejection, which the CLI
// treats as fatal. The upper platform is built directly here with short timers, and the test
// steps node:test's mocked clock through both timeouts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UpperPlatform } from '../../gateway/gb28181/upper/upper-platform.js';
import { createLogger } from '../../gateway/log.js';
import { PortPool } from '../../gateway/ingest/port-pool.js';
import { LocalMediaNode } from '../../gateway/media-plane/local-media-node.js';
import { StreamRegistry } from '../../gateway/hub/stream-registry.js';
import { SipTransport, SipUserAgent } from '../../gateway/sip/index.js';
import { SqliteDeviceStore } from '../../gateway/store/sqlite-store.js';
import { GatewayError } from '../../gateway/errors.js';
import { REALM, SERVER_ID, SipPeer } from '../helpers/sip-peer.js';
import { advanceAsync, mockClock } from '../helpers/mock-clock.js';

const DEVICE = '34020000001180000301';
const T1_MS = 20; // MESSAGE transaction timeout 64·T1 = 1.28 s
const QUERY_TIMEOUT_MS = 300; // shorter than that, as in production (10 s vs 32 s)
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let transport: SipTransport;
let ua: SipUserAgent;
let store: SqliteDeviceStore;
let upper: UpperPlatform;
let peer: SipPeer;

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  ua = new SipUserAgent({
    transport,
    localId: SERVER_ID,
    domain: REALM,
    publicHost: '127.0.0.1',
    timers: { t1Ms: T1_MS },
  });
  store = new SqliteDeviceStore(':memory:');
  upper = new UpperPlatform({
    ua,
    store,
    streams: new StreamRegistry(),
    media: new LocalMediaNode({
      portPool: new PortPool({ min: 39000, max: 39009 }),
      bindHost: '127.0.0.1',
      publicIp: '127.0.0.1',
    }),
    log: createLogger('test-upper'),
    realm: REALM,
    password: 'pw-query-timeout',
    timeZone: 'Asia/Shanghai',
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
    maxExpiresSec: 3600,
    catalogIntervalSec: 0,
    idleStopMs: 1000,
    noMediaTimeoutMs: 5000,
    defaultMediaTransport: 'udp',
    queryTimeoutMs: QUERY_TIMEOUT_MS,
  });
  upper.start();
  peer = await SipPeer.start({ deviceId: DEVICE, password: 'pw-query-timeout', gatewayPort: transport.port });
  peer.ignoreMessages = true;
});
after(async () => {
  process.off('unhandledRejection', onUnhandled);
  await peer?.close();
  await upper?.close();
  await ua?.close();
  await transport?.close();
  store?.close();
});

test('the post-registration Catalog, DeviceInfo and ConfigDownload to a silent device fail quietly, without an unhandled rejection', async (ctx) => {
  const clock = mockClock(ctx);
  const asked: string[] = [];
  const stop = peer.transport.onMessage((m) => {
    const cmd =
      m.kind === 'request' ? /<CmdType>(\w+)</.exec(Buffer.from(m.body).toString('latin1'))?.[1] : undefined;
    if (cmd && !asked.includes(cmd)) {
      asked.push(cmd);
    }
  });
  ctx.after(stop);
  assert.equal((await peer.register()).final.status, 200);
  // 50 ms after the registration the Catalog query, whose MESSAGE fails at 64·T1 = 1.28 s, then
  // DeviceInfo and ConfigDownload (another 1.28 s each); the answer waits end at 0.3 s each,
  // before their MESSAGE's own timeout.
  await advanceAsync(clock, 50 + 3 * 64 * T1_MS + 200);
  await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported by now
  assert.deepEqual(asked, ['Catalog', 'DeviceInfo', 'ConfigDownload']);
  assert.deepEqual(unhandled.map(String), []);
  assert.equal(upper.stats.pendingQueries, 0, 'the failed MESSAGEs cancelled their pending answers');
  assert.equal(upper.getDevice(DEVICE)?.online, true, 'still registered and online');
});

test('an API query to the silent device rejects with a GatewayError and leaves nothing pending', async (ctx) => {
  const clock = mockClock(ctx);
  const timedOut = (err: unknown) => err instanceof GatewayError && err.code === 'GW_ERR_DEVICE_TIMEOUT';
  for (const query of [() => upper.syncCatalog(DEVICE), () => upper.queryDeviceStatus(DEVICE)]) {
    const rejected = assert.rejects(query(), timedOut);
    await advanceAsync(clock, 64 * T1_MS + 100);
    await rejected;
  }
  await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported by now
  assert.deepEqual(unhandled.map(String), []);
  assert.equal(upper.stats.pendingQueries, 0);
});
