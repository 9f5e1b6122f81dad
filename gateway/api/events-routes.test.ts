// The events API over HTTP (docs/events.md §2-§5): alarms, positions (JSON and GeoJSON), webhooks,
// and GET /api/events as Server-Sent Events: auth, type filter, Last-Event-ID replay, gap,
// heartbeat, and a client that stops reading being dropped.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { createLogger } from '../log.js';
import { EventBus } from '../events/event-bus.js';
import { EventsService } from '../events/events-service.js';
import { WebhookDispatcher } from '../events/webhooks/webhook-dispatcher.js';
import { SqliteAlarmStore, type AlarmInput } from '../store/alarm-store.js';
import { openEventsDb } from '../store/events-db.js';
import { SqlitePositionStore } from '../store/position-store.js';
import { SqliteWebhookStore } from '../store/webhook-store.js';
import type { EventsObserver, PositionInput } from '../views/events.js';
import { FakeServices } from '../../test/helpers/fake-services.js';
import { waitFor } from '../../test/helpers/wait.js';
import { createApp } from './app.js';
import { MediaTokenSigner } from './media-token.js';

const TOKEN = 'test-token-0123456789abcdef';
const DEV = '34020000001180000001';
const CH = '34020000001310000001';
const log = createLogger('test');
const db = openEventsDb(':memory:');
const bus = new EventBus({ bootId: 'run1', backlog: 50, log });
const counts = { delivered: 0, failed: 0, clients: 0 };
const observer: EventsObserver = {
  alarmReceived: () => undefined,
  alarmDuplicate: () => undefined,
  positionReceived: () => undefined,
  delivered: (sink) => void (sink === 'sse' && counts.delivered++),
  deliveryFailed: (sink) => void (sink === 'sse' && counts.failed++),
  deadLetter: () => undefined,
  sseClients: (n) => void (counts.clients = n),
};
const events = new EventsService({
  bus,
  alarms: new SqliteAlarmStore(db),
  positions: new SqlitePositionStore(db),
  webhooks: new WebhookDispatcher({
    store: new SqliteWebhookStore(db),
    post: () => Promise.resolve({ status: 200 }),
    userAgent: 'test',
    log,
  }),
  log,
});
const signer = new MediaTokenSigner(Buffer.alloc(32, 9));
const { app } = createApp({
  services: new FakeServices(),
  apiToken: TOKEN,
  signer,
  version: '0.0.0-test',
  rates: { api: { perSecond: 10_000, burst: 10_000 } },
  events,
  eventStream: { heartbeatMs: 40, maxBufferBytes: 64 * 1024, observer, log },
});
let server: Server;
let base: string;
let port: number;

before(async () => {
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const auth = { Authorization: `Bearer ${TOKEN}` };
let sn = 0;
function alarm(over: Partial<AlarmInput> = {}): AlarmInput {
  return {
    deviceId: DEV,
    channelId: CH,
    sn: String(++sn),
    priority: 1,
    method: 5,
    type: 2,
    time: '2025-04-22T03:26:02.000Z',
    description: '移动侦测',
    longitude: 117.2272,
    latitude: 31.8206,
    receivedAt: new Date().toISOString(),
    ...over,
  };
}

/** Reads an SSE stream into parsed frames until `until` says stop (or the deadline passes). */
async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (frames: string[]) => boolean,
  timeoutMs = 3000,
): Promise<string[]> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const res = await fetch(url, { headers, signal: ctrl.signal });
  assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const frames: string[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        frames.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 2);
      }
      if (until(frames)) {
        break;
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') {
      throw err;
    }
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return frames;
}

const dataFrames = (frames: string[]) => frames.filter((f) => /^id: /m.test(f));

test('alarms list newest first with filters; bad filters are 400; ack is 404 for an unknown alarm', async () => {
  events.alarm(alarm({ priority: 2 }));
  events.alarm(alarm({ priority: 1, channelId: '34020000001310000002' }));
  const list = (await (await fetch(`${base}/api/alarms?deviceId=${DEV}`, { headers: auth })).json()) as {
    alarmId: string;
    priority: number;
  }[];
  assert.ok(list.length >= 2);
  assert.ok(Number(list[0].alarmId) > Number(list[1].alarmId));
  const p2 = (await (await fetch(`${base}/api/alarms?priority=2`, { headers: auth })).json()) as {
    priority: number;
  }[];
  assert.ok(p2.every((a) => a.priority === 2));
  for (const q of [
    'priority=9',
    'limit=0',
    'acknowledged=maybe',
    'since=yesterday',
    'deviceId=123',
    'bogus=1',
  ]) {
    const res = await fetch(`${base}/api/alarms?${q}`, { headers: auth });
    assert.equal(res.status, 400, q);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_BAD_REQUEST');
  }
  const missing = await fetch(`${base}/api/alarms/999999/ack`, { method: 'POST', headers: auth });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'GW_ERR_ALARM_NOT_FOUND');
  const acked = await fetch(`${base}/api/alarms/${list[0].alarmId}/ack`, { method: 'POST', headers: auth });
  assert.equal(((await acked.json()) as { acknowledged: boolean }).acknowledged, true);
});

test('a track is JSON by default and a GeoJSON LineString Feature with Accept: application/geo+json', async () => {
  const t0 = Date.now() - 60_000;
  const fix = (i: number, lon: number | null): PositionInput => ({
    deviceId: DEV,
    channelId: CH,
    time: new Date(t0 + i * 1000).toISOString(),
    longitude: lon,
    latitude: lon === null ? null : 31.8,
    speed: 10,
    direction: 90,
    altitude: null,
    receivedAt: new Date(t0 + i * 1000).toISOString(),
  });
  events.position(fix(0, 117.1));
  events.position(fix(1, null));
  events.position(fix(2, 117.2));
  const url = `${base}/api/devices/${DEV}/channels/${CH}/positions`;
  const json = await fetch(url, { headers: auth });
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(((await json.json()) as unknown[]).length, 3);
  const geo = await fetch(url, { headers: { ...auth, Accept: 'application/geo+json' } });
  assert.match(geo.headers.get('content-type') ?? '', /^application\/geo\+json/);
  const feature = (await geo.json()) as {
    type: string;
    geometry: { type: string; coordinates: number[][] };
    properties: { reports: number; times: string[] };
  };
  assert.equal(feature.type, 'Feature');
  assert.equal(feature.geometry.type, 'LineString');
  assert.deepEqual(feature.geometry.coordinates, [
    [117.1, 31.8],
    [117.2, 31.8],
  ]);
  assert.equal(feature.properties.reports, 3);
  assert.equal(feature.properties.times.length, 2);
  const latest = (await (await fetch(`${base}/api/positions`, { headers: auth })).json()) as {
    longitude: number;
  }[];
  assert.deepEqual(
    latest.map((p) => p.longitude),
    [117.2],
  );
});

test('webhooks: 201 with the view, the secret never shown again, refused URLs are GW_ERR_WEBHOOK_URL', async () => {
  const secret = 'a-very-secret-webhook-key';
  const created = await fetch(`${base}/api/webhooks`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['alarm'], secret }),
  });
  assert.equal(created.status, 201);
  const text = await created.text();
  assert.ok(!text.includes(secret));
  const { webhookId, signed } = JSON.parse(text) as { webhookId: string; signed: boolean };
  assert.equal(signed, true);
  const listed = await (await fetch(`${base}/api/webhooks`, { headers: auth })).text();
  assert.ok(listed.includes(webhookId) && !listed.includes(secret));
  const bad = await fetch(`${base}/api/webhooks`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: 'http://169.254.169.254/', events: ['alarm'] }),
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'GW_ERR_WEBHOOK_URL');
  assert.equal(
    (await fetch(`${base}/api/webhooks/${webhookId}`, { method: 'DELETE', headers: auth })).status,
    200,
  );
  const again = await fetch(`${base}/api/webhooks/${webhookId}`, { method: 'DELETE', headers: auth });
  assert.equal(again.status, 404);
});

test('GET /api/events needs the bearer token or a signed events token', async () => {
  assert.equal((await fetch(`${base}/api/events`)).status, 401);
  assert.equal(
    (await fetch(`${base}/api/events?token=${signer.sign('x_y', 60)}`)).status,
    401,
    'a media token is not an events token',
  );
  const { url } = (await (
    await fetch(`${base}/api/events/token`, { method: 'POST', headers: auth })
  ).json()) as {
    url: string;
  };
  const frames = await readSse(base + url, {}, (f) => f.some((x) => x.includes(': connected')));
  assert.ok(frames.some((f) => f.includes('retry: 3000')));
  assert.equal((await fetch(`${base}/api/events?types=alarm,nonsense`, { headers: auth })).status, 400);
});

test('events arrive as id/event/data frames, filtered by ?types=', async () => {
  const frames = readSse(`${base}/api/events?types=alarm`, auth, (f) => dataFrames(f).length >= 1);
  await waitFor(() => counts.clients > 0, 2000, 'the client to connect');
  events.device({ deviceId: DEV, online: true, reason: 'registered' });
  const stored = events.alarm(alarm())!;
  const [frame] = dataFrames(await frames);
  const lines = frame.split('\n');
  assert.match(lines[0], /^id: run1-\d+$/);
  assert.equal(lines[1], 'event: alarm');
  assert.deepEqual(JSON.parse(lines[2].slice('data: '.length)), stored);
});

test('a client reconnecting with Last-Event-ID gets what it missed; one too far behind gets a gap', async () => {
  const first = bus.publish('device', { deviceId: DEV, online: false, reason: 'keepalive-timeout' });
  bus.publish('device', { deviceId: DEV, online: true, reason: 'returned' });
  const missed = bus.publish('channel', { deviceId: DEV, channelId: CH, status: 'OFF', event: 'VLOST' });
  const replay = dataFrames(
    await readSse(
      `${base}/api/events`,
      { ...auth, 'Last-Event-ID': first.id },
      (f) => dataFrames(f).length >= 2,
    ),
  );
  assert.deepEqual(
    replay.map((f) => f.split('\n')[0]),
    [`id: ${first.id.replace(/\d+$/, (n) => String(Number(n) + 1))}`, `id: ${missed.id}`],
  );
  const viaQuery = dataFrames(
    await readSse(
      `${base}/api/events?types=channel&lastEventId=${first.id}`,
      auth,
      (f) => dataFrames(f).length >= 1,
    ),
  );
  assert.equal(viaQuery[0].split('\n')[0], `id: ${missed.id}`);
  // The backlog holds 50: push the first one out of it.
  for (let i = 0; i < 60; i++) {
    bus.publish('device', { deviceId: DEV, online: true, reason: 'returned' });
  }
  const gapped = await readSse(`${base}/api/events`, { ...auth, 'Last-Event-ID': first.id }, (f) =>
    f.some((x) => x.startsWith('event: gap')),
  );
  assert.ok(gapped.some((f) => f.startsWith('event: gap')));
});

test('an idle stream carries heartbeat comments', async () => {
  const frames = await readSse(
    `${base}/api/events?types=stream`,
    auth,
    (f) => f.filter((x) => x.startsWith(': ping')).length >= 2,
  );
  assert.ok(frames.filter((x) => x.startsWith(': ping')).length >= 2);
});

test('a client that stops reading is dropped once 64 KiB wait unsent, instead of being buffered without bound', async () => {
  const failedBefore = counts.failed;
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET /api/events?types=alarm HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
  // Read the headers, then never read again.
  await new Promise((r) => socket.once('data', r));
  socket.pause();
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await waitFor(() => counts.clients > 0, 2000, 'the stream to open');
  const description = '报警'.repeat(200);
  let published = 0;
  // The kernel's socket buffers fill first; then the server's own buffer passes 64 KiB and it lets go.
  while (counts.failed === failedBefore && published < 200_000) {
    events.alarm(alarm({ description }));
    published++;
    if (published % 500 === 0) {
      await new Promise((r) => setImmediate(r));
    }
  }
  assert.equal(counts.failed, failedBefore + 1, `still connected after ${published} alarms`);
  socket.resume();
  await waitFor(() => closed, 5000, 'the server to close the connection');
  await waitFor(() => counts.clients === 0, 2000, 'the client count to drop');
});
