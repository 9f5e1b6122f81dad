// Request budgets (issue #20 point 8): API control calls, media (HLS, WHEP) and static files each
// have their own bucket per client, so a video wall's HLS requests do not starve the API and an
// API flood does not stall the wall; X-Forwarded-For names the client only behind a trusted proxy.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import express from 'express';
import { FakeServices } from '../../test/helpers/fake-services.js';
import { AddressList } from '../address-match.js';
import { createApp, type AppDeps } from './app.js';
import { clientAddressResolver } from './client-address.js';
import { MediaTokenSigner } from './media-token.js';
import type { IncomingMessage } from 'node:http';

const TOKEN = 'rate-budget-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };
const demo = mkdtempSync(join(tmpdir(), 'gb-demo-'));
writeFileSync(join(demo, 'index.html'), '<!doctype html>');
const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.close();
  }
  rmSync(demo, { recursive: true, force: true });
});

async function serve(extra: Partial<AppDeps>): Promise<{ base: string; limitedBy: string[] }> {
  const hls = express.Router();
  hls.get('/:streamId/index.m3u8', (_req, res) => {
    res.type('application/vnd.apple.mpegurl').send('#EXTM3U\n');
  });
  const limitedBy: string[] = [];
  const { app } = createApp({
    services: new FakeServices(),
    apiToken: TOKEN,
    signer: new MediaTokenSigner(Buffer.alloc(32, 3)),
    version: 't',
    hls,
    webDemoDir: demo,
    rates: {
      api: { perSecond: 0.001, burst: 5 },
      media: { perSecond: 0.001, burst: 40 },
      static: { perSecond: 0.001, burst: 5 },
    },
    onRateLimited: (budget, client) => limitedBy.push(`${budget} ${client}`),
    ...extra,
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, limitedBy };
}

async function statuses(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers: { ...auth, ...headers } });
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

test('an exhausted API budget leaves HLS and static files alone, and the other way round', async () => {
  const { base, limitedBy } = await serve({});
  assert.deepEqual(await statuses(`${base}/api/devices`, 7), [200, 200, 200, 200, 200, 429, 429]);
  const res = await fetch(`${base}/api/devices`, { headers: auth });
  assert.equal(res.headers.get('retry-after') !== null, true, 'a 429 says when to retry (RFC 6585 §4)');
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_RATE_LIMITED');
  assert.deepEqual(
    new Set(await statuses(`${base}/hls/s1/index.m3u8`, 40)),
    new Set([200]),
    'media has its own',
  );
  assert.deepEqual(new Set(await statuses(`${base}/index.html`, 5)), new Set([200]), 'static has its own');
  assert.equal((await statuses(`${base}/hls/s1/index.m3u8`, 1))[0], 429, 'and media runs out on its own');
  assert.ok(limitedBy.includes('api 127.0.0.1') && limitedBy.includes('media 127.0.0.1'), limitedBy.join());
});

test('X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
  const direct = await serve({});
  // A client cannot buy a fresh budget per request by writing a new address into the header.
  const spoofed = [];
  for (let i = 0; i < 6; i++) {
    spoofed.push(
      (await statuses(`${direct.base}/api/devices`, 1, { 'X-Forwarded-For': `198.51.100.${i}` }))[0],
    );
  }
  assert.deepEqual(spoofed, [200, 200, 200, 200, 200, 429]);

  const proxied = await serve({ clientOf: clientAddressResolver(new AddressList(['127.0.0.0/8'])) });
  const a = await statuses(`${proxied.base}/api/devices`, 6, { 'X-Forwarded-For': '203.0.113.1' });
  const b = await statuses(`${proxied.base}/api/devices`, 5, { 'X-Forwarded-For': '203.0.113.2' });
  assert.deepEqual(a, [200, 200, 200, 200, 200, 429], 'behind the proxy, each client has its own budget');
  assert.deepEqual(b, [200, 200, 200, 200, 200]);
  assert.deepEqual([...new Set(proxied.limitedBy)], ['api 203.0.113.1']);
});

test('the client is the rightmost address in X-Forwarded-For that is not one of our proxies', () => {
  const resolve = clientAddressResolver(new AddressList(['10.0.0.0/8', '::1']));
  const req = (peer: string, xff?: string | string[]) =>
    ({
      socket: { remoteAddress: peer },
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    }) as unknown as IncomingMessage;
  assert.equal(resolve(req('192.0.2.9', '203.0.113.1')), '192.0.2.9', 'untrusted peer: header ignored');
  assert.equal(resolve(req('10.0.0.2', '203.0.113.1')), '203.0.113.1');
  // The client wrote 198.51.100.66 itself; our proxies appended the real peer and each other.
  assert.equal(resolve(req('10.0.0.2', '198.51.100.66, 203.0.113.1, 10.0.0.3')), '203.0.113.1');
  assert.equal(
    resolve(req('::ffff:10.0.0.2', ['203.0.113.7', '10.0.0.9'])),
    '203.0.113.7',
    'mapped IPv4, two headers',
  );
  assert.equal(resolve(req('::1', 'not-an-address')), '::1', 'garbage: the proxy itself');
  assert.equal(resolve(req('10.0.0.2')), '10.0.0.2', 'no header: the proxy itself');
  assert.equal(resolve(req('10.0.0.2', '10.0.0.5, 10.0.0.3')), '10.0.0.5', 'only proxies: the leftmost');
});
