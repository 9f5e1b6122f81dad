import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createApp } from './app.js';
import { MediaTokenSigner } from './media-token.js';
import { FakeServices } from '../../test/helpers/fake-services.js';

const TOKEN = 'test-token-0123456789abcdef';
const DEV = '34020000001180000001';
const CH = '34020000001310000001';
const services = new FakeServices();
services.addDevice(DEV, [CH, '34020000001310000002']);
const signer = new MediaTokenSigner(Buffer.alloc(32, 7));

const whep = express.Router();
whep.post('/whep/:streamId', (req, res) => {
  res.status(201).type('application/sdp').send(`answer for ${req.params.streamId}`);
});
const hls = express.Router();
hls.get('/:streamId/index.m3u8', (_req, res) => {
  res.type('application/vnd.apple.mpegurl').send('#EXTM3U\n');
});

const { app, routes } = createApp({
  services,
  apiToken: TOKEN,
  signer,
  version: '0.0.0-test',
  whep,
  hls,
  rates: { api: { perSecond: 1000, burst: 1000 } },
  limits: () => ({
    openFiles: { soft: 1024, hard: 4096 },
    http: {
      maxConnections: 409,
      maxPerClient: 128,
      open: 1,
      refused: { total: 0, 'per-client': 0, 'evicted-idle': 0, 'idle-timeout': 0 },
      headersTimeoutSec: 10,
      requestTimeoutSec: 30,
    },
    sipTcp: {
      maxConnections: 204,
      maxPerClient: 64,
      open: 0,
      refused: { total: 0, 'per-client': 0, 'evicted-idle': 0, 'idle-timeout': 0 },
      idleTimeoutSec: 30,
    },
    rates: {
      api: { perSecond: 20, burst: 100, limited: 0 },
      media: { perSecond: 1000, burst: 2000, limited: 0 },
      static: { perSecond: 100, burst: 300, limited: 0 },
    },
    trustedProxies: 0,
    webrtc: {
      maxViewers: 100,
      maxViewersPerStream: 50,
      maxPendingPerStream: 8,
      maxPendingPerClient: 16,
      connectTimeoutSec: 5,
      viewers: 0,
      pending: 0,
      refused: { total: 0, 'per-stream': 0, 'pending-per-stream': 0, 'pending-per-client': 0, ports: 0 },
    },
  }),
});
let server: Server;
let base: string;

before(async () => {
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const auth = { Authorization: `Bearer ${TOKEN}` };
const concrete = (path: string) =>
  path
    .replace(':deviceId', DEV)
    .replace(':channelId', CH)
    .replace(':streamId', 'x')
    .replace(':sessionId', 'y');

test('every /api route except health answers 401 GW_ERR_UNAUTHORIZED without a token', async () => {
  for (const route of routes) {
    if (route.auth === 'none') {
      continue;
    }
    const res = await fetch(base + concrete(route.path), { method: route.method.toUpperCase() });
    assert.equal(res.status, 401, `${route.method} ${route.path}`);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'GW_ERR_UNAUTHORIZED');
  }
});

test('a wrong token is refused like a missing one', async () => {
  const res = await fetch(`${base}/api/devices`, { headers: { Authorization: 'Bearer nope' } });
  assert.equal(res.status, 401);
});

test('GET /api/health needs no token', async () => {
  const res = await fetch(`${base}/api/health`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; version: string };
  assert.equal(body.status, 'ok');
  assert.equal(body.version, '0.0.0-test');
});

test('device IDs stay 20-digit strings in JSON', async () => {
  const res = await fetch(`${base}/api/devices/${DEV}/channels`, { headers: auth });
  const channels = (await res.json()) as { channelId: unknown }[];
  assert.equal(channels[0]?.channelId, CH);
});

test('a non-20-digit device ID is a 400 GW_ERR_BAD_REQUEST naming the field', async () => {
  const res = await fetch(`${base}/api/devices/12345/channels`, { headers: auth });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'GW_ERR_BAD_REQUEST');
  assert.match(body.error.message, /deviceId/);
});

test('PTZ validates speed and maps onto services', async () => {
  const bad = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/ptz`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ command: 'left', speed: 300 }),
  });
  assert.equal(bad.status, 400);
  const ok = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/ptz`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ command: 'upleft', speed: 64 }),
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(services.calls.at(-1), {
    method: 'ptz',
    args: [DEV, CH, { command: 'upleft', speed: 64 }],
  });
});

test('an unknown PTZ command is refused with the commands the schema allows', async () => {
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/ptz`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ command: 'spin', speed: 10 }),
  });
  assert.equal(res.status, 400);
  const message = ((await res.json()) as { error: { message: string } }).error.message;
  assert.match(message, /^body command: /);
  for (const command of ['left', 'zoomin', 'stop']) {
    assert.ok(message.includes(`"${command}"`), message);
  }
});

test('a JSON body sent as text/plain is 415 GW_ERR_UNSUPPORTED_MEDIA_TYPE; a JSON one passes', async () => {
  const send = (type: string) =>
    fetch(`${base}/api/devices/${DEV}/channels/${CH}/ptz`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': type },
      body: JSON.stringify({ command: 'stop', speed: 0 }),
    });
  const res = await send('text/plain');
  assert.equal(res.status, 415);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
  assert.match(body.error.message, /application\/json/);
  assert.equal((await send('application/json; charset=utf-8')).status, 200);
});

test('an impossible date is refused as such at validation, not as a range error', async () => {
  const url = (s: string, e: string) =>
    `${base}/api/devices/${DEV}/channels/${CH}/records?start=${encodeURIComponent(s)}&end=${encodeURIComponent(e)}`;
  for (const bad of [
    '2026-02-30T10:00:00+08:00',
    '2026-13-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
  ]) {
    const res = await fetch(url(bad, '2026-03-02T12:00:00+08:00'), { headers: auth });
    assert.equal(res.status, 400, bad);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    assert.match(message, /^query start: no such date or time/, `${bad}: ${message}`);
  }
  const leap = await fetch(url('2028-02-29T00:00:00Z', '2028-02-29T12:00:00Z'), { headers: auth });
  assert.equal(leap.status, 200, 'the 29th of February of a leap year exists');
});

test('record queries need an ISO range with offset of at most a day', async () => {
  const url = (s: string, e: string) =>
    `${base}/api/devices/${DEV}/channels/${CH}/records?start=${encodeURIComponent(s)}&end=${encodeURIComponent(e)}`;
  assert.equal(
    (await fetch(url('2025-04-18T00:00:00', '2025-04-18T10:00:00'), { headers: auth })).status,
    400,
  );
  assert.equal(
    (await fetch(url('2025-04-18T00:00:00+08:00', '2025-04-20T00:00:00+08:00'), { headers: auth })).status,
    400,
  );
  const res = await fetch(url('2025-04-18T00:00:00+08:00', '2025-04-18T23:59:59+08:00'), { headers: auth });
  assert.equal(res.status, 200);
});

test('oversized JSON bodies get 413 GW_ERR_PAYLOAD_TOO_LARGE', async () => {
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/ptz`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ command: 'left', pad: 'x'.repeat(100_000) }),
  });
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_PAYLOAD_TOO_LARGE');
});

test('live returns signed media URLs that the media routes accept, and only for that stream', async () => {
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/live`, {
    method: 'POST',
    headers: auth,
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    streamId: string;
    whep: string;
    hls: string;
    codec: { video: string };
  };
  assert.equal(body.codec.video, 'H264');
  const playlist = await fetch(base + body.hls);
  assert.equal(playlist.status, 200);
  const whepRes = await fetch(base + body.whep, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0',
  });
  assert.equal(whepRes.status, 201);
  // The same token for another stream is refused, as is no token at all.
  const token = new URL(body.hls, base).searchParams.get('token')!;
  assert.equal((await fetch(`${base}/hls/other/index.m3u8?token=${encodeURIComponent(token)}`)).status, 401);
  assert.equal((await fetch(`${base}/hls/${body.streamId}/index.m3u8`)).status, 401);
});

test('an expired media token is refused', () => {
  let now = 1_000_000_000_000;
  const s = new MediaTokenSigner(Buffer.alloc(32, 1), () => now);
  const token = s.sign('abc', 60);
  assert.equal(s.verify('abc', token), true);
  now += 61_000;
  assert.equal(s.verify('abc', token), false);
  assert.equal(
    s.verify(
      'abc',
      token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ),
    false,
  );
});

test('/openapi.json is OpenAPI 3.1 and lists every route express serves, and every listed JSON route answers', async () => {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  const served: string[] = [];
  const walk = (
    stack: { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: unknown[] } }[],
  ) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) {
          served.push(`${m} ${layer.route.path}`);
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack as never);
      }
    }
  };
  walk((app as unknown as { router: { stack: never[] } }).router.stack);
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    ),
  );
  for (const r of served) {
    // The test's HLS router is mounted under /hls; the document names its files /hls/{streamId}/{file}.
    const full = r.includes(':streamId/index.m3u8') && !r.includes('/hls') ? 'get /hls/:streamId/:file' : r;
    assert.ok(documented.has(full), `served but undocumented: ${full}`);
  }
  for (const route of routes) {
    const res = await fetch(base + concrete(route.path), {
      method: route.method.toUpperCase(),
      headers: auth,
    });
    const body = (await res.json()) as { error?: { code: string } };
    assert.notEqual(
      body.error?.code,
      'GW_ERR_NOT_FOUND',
      `documented but missing: ${route.method} ${route.path}`,
    );
  }
});

// The structural rules of OpenAPI 3.1 §4.8 that a validator checks first: required top-level
// fields, one operation object per method with responses, unique operationIds, and every
// templated path segment declared as a required path parameter (and no undeclared ones).
test('/openapi.json follows the OpenAPI 3.1 structure rules', async () => {
  type Op = {
    operationId?: string;
    responses?: Record<string, unknown>;
    parameters?: { name: string; in: string; required?: boolean }[];
  };
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    openapi: string;
    info?: { title?: string; version?: string };
    paths: Record<string, Record<string, Op>>;
    components?: { securitySchemes?: Record<string, { type?: string }> };
  };
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.ok(doc.info?.title && doc.info.version, 'info.title and info.version are required');
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    assert.ok(path.startsWith('/'), `path ${path} must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      assert.ok(methods.has(method), `${path}: ${method} is not an HTTP method`);
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has no responses`);
      assert.ok(
        op.operationId && !ids.has(op.operationId),
        `${method} ${path}: operationId missing or duplicated`,
      );
      ids.add(op.operationId);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      assert.deepEqual(
        pathParams.map((p) => p.name).sort(),
        [...templated].sort(),
        `${method} ${path}: path parameters`,
      );
      assert.ok(
        pathParams.every((p) => p.required === true),
        `${method} ${path}: path parameters must be required`,
      );
    }
  }
  for (const [name, scheme] of Object.entries(doc.components?.securitySchemes ?? {})) {
    assert.ok(
      ['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'].includes(scheme.type ?? ''),
      `securityScheme ${name}`,
    );
  }
});

test('an answer that does not match its response schema is a 500 under test, not a silent drift', async () => {
  const broken = new FakeServices();
  broken.addDevice(DEV, [CH]);
  // A device view that lost a contract field (channelCount) and typed another wrongly.
  const [device] = broken.listDevices();
  broken.listDevices = () => [{ ...device, online: 'yes' } as never];
  const { app: strict } = createApp({
    services: broken,
    apiToken: TOKEN,
    signer,
    version: 't',
    checkResponses: true,
  });
  const { app: lax } = createApp({
    services: broken,
    apiToken: TOKEN,
    signer,
    version: 't',
    checkResponses: false,
  });
  for (const [app, expected] of [
    [strict, 500],
    [lax, 200],
  ] as const) {
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/api/devices`, {
      headers: auth,
    });
    s.close();
    assert.equal(res.status, expected);
  }
});
