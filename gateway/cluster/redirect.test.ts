import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '../log.js';
import type { DirectoryEntry } from './protocol.js';
import { redirectToServingNode, type RedirectDeps } from './redirect.js';

const entry = (streamId: string, nodeId: string, http: string): DirectoryEntry => ({
  streamId,
  nodeId,
  http,
  ingestId: `${streamId}~sig~1`,
  deviceId: '34020000001180000001',
  channelId: '34020000001310000001',
  kind: 'live',
  since: new Date(0).toISOString(),
});

async function serve(deps: Partial<RedirectDeps>) {
  const app = express();
  const r = express.Router();
  r.use(
    '/:streamId',
    redirectToServingNode({
      nodeId: 'media-b',
      servesLocally: () => false,
      lookup: () => Promise.resolve(undefined),
      isAlive: () => true,
      log: createLogger('test'),
      ...deps,
    }),
  );
  app.use('/hls', r);
  app.use((_req, res) => res.status(418).send('passed through'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise((r) => server.close(r)) };
}

test('a stream served by another live node answers 307 to that node, path and token kept, prefix of its URL kept', async () => {
  const s = await serve({
    lookup: (id) => Promise.resolve(entry(id, 'media-a', 'https://edge.example/media-a/')),
  });
  try {
    const res = await fetch(`${s.base}/hls/D_C/index.m3u8?token=1.abc`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), 'https://edge.example/media-a/hls/D_C/index.m3u8?token=1.abc');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  } finally {
    await s.close();
  }
});

test('a stream whose node stopped beating answers 503 GW_ERR_NODE_UNAVAILABLE with Retry-After', async () => {
  const s = await serve({
    lookup: (id) => Promise.resolve(entry(id, 'media-a', 'http://a:8080')),
    isAlive: () => false,
  });
  try {
    const res = await fetch(`${s.base}/hls/D_C/index.m3u8`, { redirect: 'manual' });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_NODE_UNAVAILABLE');
  } finally {
    await s.close();
  }
});

test('local streams, streams the directory places here, and unknown streams pass through', async () => {
  for (const deps of [
    { servesLocally: () => true, lookup: (id: string) => Promise.resolve(entry(id, 'media-a', 'http://a')) },
    { lookup: (id: string) => Promise.resolve(entry(id, 'media-b', 'http://b')) },
    { lookup: () => Promise.resolve(undefined) },
    { lookup: () => Promise.reject(new Error('redis down')) },
  ]) {
    const s = await serve(deps);
    try {
      const res = await fetch(`${s.base}/hls/D_C/index.m3u8`, { redirect: 'manual' });
      assert.equal(res.status, 418);
    } finally {
      await s.close();
    }
  }
});
