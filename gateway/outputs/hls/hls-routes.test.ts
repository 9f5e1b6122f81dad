import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { AccessUnit } from '../../../codecs/types.js';
import { HlsOutput } from './hls-output.js';
import { hlsRouter } from './hls-routes.js';
import { haveFfmpeg, interleave, makeClip } from '../../../test/helpers/media-clip.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
let server: Server | undefined;
let base = '';
let aus: AccessUnit[] = [];
let fed = 0;
const outputs = new Map<string, HlsOutput>();

/** Feeds the shared output until `done()` holds. */
function feedUntil(done: () => boolean): void {
  const out = outputs.get('34020000001320000001')!;
  while (!done() && fed < aus.length) {
    out.sink.write(aus[fed++]);
  }
}

before(async () => {
  if (skip) {
    return;
  }
  const clip = makeClip({ codec: 'H264', width: 320, height: 180, seconds: 12, audio: 'PCMU' });
  aus = interleave(clip, { start: 90000 });
  const out = new HlsOutput({ blockTimeoutMs: 2000 });
  outputs.set('34020000001320000001', out);
  outputs.set('34020000001320000001/34020000001310000001', out);
  const app = express();
  app.use(
    '/hls',
    hlsRouter((id) => outputs.get(id)),
  );
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hls`;
});

after(() => {
  for (const o of new Set(outputs.values())) {
    o.close();
  }
  server?.close();
});

const ID = '34020000001320000001';

test('unknown stream answers 404 GW_ERR_STREAM_NOT_FOUND as JSON', { skip }, async () => {
  const res = await fetch(`${base}/nope/index.m3u8`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type')!, /application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'GW_ERR_STREAM_NOT_FOUND');
  assert.ok(body.error.message.length > 0);
});

test('names outside the strict pattern are refused; nothing reaches the disk', { skip }, async () => {
  for (const name of [
    '..%2F..%2Fetc%2Fpasswd',
    '..%2Finit.mp4',
    'index.m3u8x',
    '01.m4s',
    '1.01.m4s',
    '-1.m4s',
    'init.mp4%00',
    '1.2.3.m4s',
  ]) {
    const res = await fetch(`${base}/${ID}/${name}`);
    assert.equal(res.status, 404, name);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_NOT_FOUND', name);
  }
  const bad = await fetch(`${base}/..%2F${ID}/index.m3u8`);
  assert.equal(bad.status, 404);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'GW_ERR_STREAM_NOT_FOUND');
});

test(
  'playlists, init, segments and parts are served with their content types and cache headers',
  { skip },
  async () => {
    feedUntil(() => outputs.get(ID)!.info.segments >= 2);
    const master = await fetch(`${base}/${ID}/index.m3u8`);
    assert.equal(master.status, 200);
    assert.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(master.headers.get('cache-control'), 'no-cache');
    assert.match(
      await master.text(),
      /CODECS="avc1\.42C00C,fLaC",RESOLUTION=320x180,AUDIO="audio",CLOSED-CAPTIONS=NONE\nmedia\.m3u8\n/,
    );

    const media = await fetch(`${base}/${ID}/media.m3u8`);
    assert.equal(media.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    const text = await media.text();
    assert.match(text, /#EXT-X-MAP:URI="init\.mp4"/);

    const init = await fetch(`${base}/${ID}/init.mp4`);
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(new Uint8Array(await init.arrayBuffer()), outputs.get(ID)!.init());
    const seg = await fetch(`${base}/${ID}/1.m4s`);
    assert.equal(seg.status, 200);
    assert.equal(seg.headers.get('content-type'), 'video/mp4');
    assert.match(seg.headers.get('cache-control')!, /max-age=\d+/);
    assert.deepEqual(new Uint8Array(await seg.arrayBuffer()), outputs.get(ID)!.segment('1.m4s'));
    const part = await fetch(`${base}/${ID}/1.0.m4s`);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), outputs.get(ID)!.segment('1.0.m4s'));

    // the two-part stream id form reaches the same output
    const twoPart = await fetch(`${base}/${ID}/34020000001310000001/media.m3u8`);
    assert.equal(twoPart.status, 200);
  },
);

test('a signed token on the playlist request is carried onto every URI', { skip }, async () => {
  const res = await fetch(`${base}/${ID}/media.m3u8?token=abc.def%2B1`);
  const text = await res.text();
  assert.match(text, /#EXT-X-MAP:URI="init\.mp4\?token=abc\.def%2B1"/);
  assert.match(text, /\n1\.m4s\?token=abc\.def%2B1\n/);
  const master = await (await fetch(`${base}/${ID}/index.m3u8?token=t`)).text();
  assert.match(master, /\nmedia\.m3u8\?token=t\n/);
});

test('bad blocking parameters answer 400 GW_ERR_BAD_REQUEST', { skip }, async () => {
  for (const q of ['_HLS_msn=abc', '_HLS_msn=-1', '_HLS_part=1', '_HLS_msn=1&_HLS_part=x']) {
    const res = await fetch(`${base}/${ID}/media.m3u8?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_BAD_REQUEST');
  }
});

test('GET media.m3u8?_HLS_msn=<next> blocks until that segment exists', { skip }, async () => {
  const out = outputs.get(ID)!;
  const next = out.info.segments; // msn of the open segment
  let answered = false;
  const req = fetch(`${base}/${ID}/media.m3u8?_HLS_msn=${next}`).then(async (r) => {
    answered = true;
    return r.text();
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(answered, false);
  feedUntil(() => out.info.segments > next);
  const text = await req;
  assert.ok(text.includes(`\n${next}.m4s\n`));
});

test('the preload-hinted part is held until written', { skip }, async () => {
  const out = outputs.get(ID)!;
  const text = (await out.playlistText())!;
  const hint = /PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)![1];
  const req = fetch(`${base}/${ID}/${hint}`);
  await new Promise((r) => setTimeout(r, 50));
  feedUntil(() => out.segment(hint) !== undefined);
  const res = await req;
  assert.equal(res.status, 200);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), out.segment(hint));
});
