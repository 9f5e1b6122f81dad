// CORS on the API, WHEP (endpoint and session resource) and HLS: a listed origin gets the
// Access-Control-* headers, preflights included and answered before any authentication; an
// origin not listed gets nothing readable, whatever token it holds; same-origin needs nothing.
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
const WALL = 'https://wall.example.com';
const OTHER = 'https://evil.example.net';
const services = new FakeServices();
services.addDevice(DEV, [CH]);

const whep = express.Router();
whep.post('/whep/:streamId', (_req, res) => {
  res
    .status(201)
    .setHeader('Location', '/whep/x/y')
    .setHeader('ETag', '"y"')
    .type('application/sdp')
    .send('v=0\r\n');
});
whep.delete('/whep/:streamId/:sessionId', (_req, res) => {
  res.status(200).end();
});
const hls = express.Router();
hls.get('/:streamId/index.m3u8', (_req, res) => {
  res.type('application/vnd.apple.mpegurl').send('#EXTM3U\n');
});

const { app } = createApp({
  services,
  apiToken: TOKEN,
  signer: new MediaTokenSigner(Buffer.alloc(32, 7)),
  version: '0.0.0-test',
  whep,
  hls,
  corsOrigins: [WALL],
  rates: { api: { perSecond: 1000, burst: 1000 }, media: { perSecond: 1000, burst: 1000 } },
});
let server: Server;
let base: string;
before(async () => {
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const preflight = (path: string, origin: string, method: string) =>
  fetch(base + path, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'content-type',
    },
  });

async function liveUrls(): Promise<{ whep: string; hls: string }> {
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/live`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, Origin: WALL },
  });
  assert.equal(res.headers.get('access-control-allow-origin'), WALL);
  return (await res.json()) as { whep: string; hls: string };
}

test('a listed origin: preflights of WHEP (endpoint and session resource), HLS and the API get 204 before auth', async () => {
  const urls = await liveUrls();
  for (const [path, method] of [
    [urls.whep, 'POST'],
    ['/whep/x/y', 'DELETE'],
    ['/whep/x/y', 'PATCH'],
    [urls.hls, 'GET'],
    [`/api/devices/${DEV}/channels/${CH}/live`, 'POST'],
  ]) {
    const res = await preflight(path, WALL, method);
    assert.equal(res.status, 204, `${method} ${path}`);
    assert.equal(res.headers.get('access-control-allow-origin'), WALL);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', new RegExp(method));
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  }
});

test('a listed origin reads WHEP Location and ETag, and the HLS playlist', async () => {
  const urls = await liveUrls();
  const res = await fetch(base + urls.whep, {
    method: 'POST',
    headers: { Origin: WALL, 'Content-Type': 'application/sdp' },
    body: 'v=0\r\n',
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('access-control-allow-origin'), WALL);
  const exposed = res.headers.get('access-control-expose-headers') ?? '';
  for (const h of ['Location', 'ETag', 'Link', 'Accept-Patch']) {
    assert.match(exposed, new RegExp(`\\b${h}\\b`));
  }
  const playlist = await fetch(base + urls.hls, { headers: { Origin: WALL } });
  assert.equal(playlist.status, 200);
  assert.equal(playlist.headers.get('access-control-allow-origin'), WALL);
});

test('an origin not listed gets 403 and no CORS header on the API, WHEP and HLS, even with valid tokens', async () => {
  const urls = await liveUrls();
  const attempts: [string, RequestInit][] = [
    [urls.hls, {}],
    [urls.whep, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' }],
    [
      `/api/devices/${DEV}/channels/${CH}/live`,
      { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } },
    ],
  ];
  for (const [path, init] of attempts) {
    const res = await fetch(base + path, {
      ...init,
      headers: { ...(init.headers as object), Origin: OTHER },
    });
    assert.equal(res.status, 403, path);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const text = await res.text();
    assert.doesNotMatch(text, /token=/, 'nothing signed goes to an origin not listed');
    assert.match(text, /--cors-origins/);
  }
  const pre = await preflight(urls.whep, OTHER, 'POST');
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
});

test('same origin needs no listing; no Origin header (curl, ffmpeg) is not CORS at all', async () => {
  const host = new URL(base).host;
  const same = await fetch(`${base}/api/health`, { headers: { Origin: `http://${host}` } });
  assert.equal(same.status, 200);
  assert.equal(same.headers.get('access-control-allow-origin'), null);
  const plain = await fetch(`${base}/api/health`);
  assert.equal(plain.status, 200);
});
