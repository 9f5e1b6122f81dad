// The cloud playlists and the views of recording files (routes/recording-media.ts,
// docs/recording.md §8) over real files written by the recorder's writer: the default playlist is
// multivariant (video-only variant, FLAC audio rendition when a file has audio), the audio view
// serves FLAC, and the Range and token rules of the video view hold for it too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.js';
import { MediaTokenSigner } from './media-token.js';
import { vodPlaylist } from '../recording/vod-playlist.js';
import type { RecordingRow } from '../store/recording-store.js';
import type { RecordingServices } from '../views/recording.js';
import { readBoxes, sampleEntryTypes } from '../../codecs/fmp4/box.js';
import { readTrackRuns } from '../../codecs/fmp4/track-runs.js';
import { FakeServices } from '../../test/helpers/fake-services.js';
import { syntheticRecording } from '../../test/helpers/recording-file.js';

const TOKEN = 'test-token-0123456789abcdef';
const DEV = '34020000001180000001';
const WITH_AUDIO = '34020000001310000001';
const NO_AUDIO = '34020000001310000002';
const T0 = Date.parse('2026-12-01T08:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'recording-media-'));

const rows: RecordingRow[] = (
  [
    ['r-audio', WITH_AUDIO, 'PCMA'],
    ['r-silent', NO_AUDIO, undefined],
  ] as const
).map(([id, channelId, law]) => {
  const rec = syntheticRecording(law);
  writeFileSync(join(dir, `${id}.mp4`), Buffer.concat([rec.header, ...rec.fragments]));
  return {
    recordingId: id,
    deviceId: DEV,
    channelId,
    startMs: T0,
    endMs: T0 + 6000,
    bytes: 0,
    file: `${id}.mp4`,
    reason: 'always',
    open: false,
  };
});

const recording = {
  filePath: (id: string) => (rows.some((r) => r.recordingId === id) ? join(dir, `${id}.mp4`) : undefined),
  playlist: (deviceId, channelId, start, end, fileUrl) =>
    vodPlaylist(
      dir,
      rows.filter((r) => r.deviceId === deviceId && r.channelId === channelId),
      start.getTime(),
      end.getTime(),
      fileUrl,
    ),
} as Partial<RecordingServices> as RecordingServices;

const services = new FakeServices();
services.addDevice(DEV, [WITH_AUDIO, NO_AUDIO]);
const { app, stop } = createApp({
  services,
  apiToken: TOKEN,
  signer: new MediaTokenSigner(Buffer.alloc(32, 7)),
  version: '0.0.0-test',
  recording,
});
const server = app.listen(0);
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  stop();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const range = `start=${encodeURIComponent(new Date(T0).toISOString())}&end=${encodeURIComponent(new Date(T0 + 6000).toISOString())}`;
const bearer = { Authorization: `Bearer ${TOKEN}` };
const index = (ch: string) => `${base}/api/devices/${DEV}/channels/${ch}/cloud/index.m3u8?${range}`;

/** The URIs of a playlist (URI lines and URI="..." attributes), resolved against its URL. */
function uris(text: string, url: string): URL[] {
  return [...text.matchAll(/URI="([^"]+)"|^([^#\n][^\n]*)$/gm)].map((m) => new URL(m[1] ?? m[2], url));
}

/** The map and segments of a media playlist: each URL with its byte range. */
function segmentsOf(text: string, url: string): { url: URL; from: number; to: number }[] {
  const out: { url: URL; from: number; to: number }[] = [];
  const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/.exec(text)!;
  out.push({ url: new URL(map[1], url), from: Number(map[3]), to: Number(map[3]) + Number(map[2]) - 1 });
  for (const m of text.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n([^\n]+)/g)) {
    out.push({ url: new URL(m[3], url), from: Number(m[2]), to: Number(m[2]) + Number(m[1]) - 1 });
  }
  return out;
}

const get = (url: URL | string, from?: number, to?: number) =>
  fetch(url, from === undefined ? {} : { headers: { Range: `bytes=${from}-${to}` } });

test('the default cloud playlist is multivariant: a video-only variant and a FLAC audio rendition, both signed', async () => {
  const res = await fetch(index(WITH_AUDIO), { headers: bearer });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();
  assert.match(text, /^#EXTM3U\n/);
  assert.match(text, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",[^\n]*URI="[^"]+"/);
  assert.match(text, /#EXT-X-STREAM-INF:BANDWIDTH=\d+,AUDIO="audio"/);
  const [audioUri, videoUri] = uris(text, res.url);
  assert.equal(audioUri.searchParams.get('view'), 'audio');
  assert.equal(videoUri.searchParams.get('view'), 'video');
  for (const u of [audioUri, videoUri]) {
    assert.equal(u.pathname, `/api/devices/${DEV}/channels/${WITH_AUDIO}/cloud/index.m3u8`);
    assert.equal(u.searchParams.get('start'), new Date(T0).toISOString());
    assert.ok(u.searchParams.get('token'), 'signed: players send no bearer token');
  }

  // The media playlists answer to their token alone.
  const video = await (await get(videoUri)).text();
  assert.match(video, /#EXT-X-BYTERANGE:\d+@\d+\n\/api\/recordings\/r-audio\/video\?token=/);
  const audio = await get(audioUri);
  assert.equal(audio.status, 200);
  const audioText = await audio.text();
  assert.match(audioText, /#EXT-X-BYTERANGE:\d+@\d+\n\/api\/recordings\/r-audio\/audio\?token=/);
  assert.equal(segmentsOf(audioText, audio.url).length, 1 + 3, 'the header and one segment per GOP');
  assert.deepEqual(
    [...audioText.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => m[1]),
    [...video.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => m[1]),
    'the same segments as the video',
  );
});

test('the audio view serves the header as FLAC and each fragment as FLAC frames, no-store', async () => {
  assert.equal((await get(`${index(WITH_AUDIO)}&view=audio`)).status, 401, 'no token, no playlist');
  const res = await fetch(`${index(WITH_AUDIO)}&view=audio`, { headers: bearer });
  const [map, ...fragments] = segmentsOf(await res.text(), res.url);
  const init = await get(map.url, map.from, map.to);
  assert.equal(init.status, 200);
  assert.equal(init.headers.get('content-type'), 'audio/mp4');
  assert.equal(init.headers.get('cache-control'), 'no-store');
  assert.deepEqual(sampleEntryTypes(new Uint8Array(await init.arrayBuffer()), 0), ['fLaC']);
  let next = 0;
  for (const f of fragments) {
    const body = new Uint8Array(await (await get(f.url, f.from, f.to)).arrayBuffer());
    assert.deepEqual(
      readBoxes(body).map((b) => b.type),
      ['moof', 'mdat'],
    );
    const runs = readTrackRuns(body, 2)!.runs;
    assert.ok(runs.length >= 1);
    assert.ok(Math.abs(runs[0].baseMediaDecodeTime - next) <= 400, 'the audio continues where it was');
    const last = runs[runs.length - 1];
    next = last.baseMediaDecodeTime + last.samples.reduce((n, s) => n + s.duration, 0);
    assert.deepEqual([...last.samples[0].data.subarray(0, 2)], [0xff, 0xf9], 'FLAC frames');
  }
});

test('a range without audio plays from a variant with no audio rendition', async () => {
  const text = await (await fetch(index(NO_AUDIO), { headers: bearer })).text();
  assert.match(text, /#EXT-X-STREAM-INF:/);
  assert.doesNotMatch(text, /EXT-X-MEDIA|AUDIO=/);
});

test('?view=file still lists the stored files; an unknown view is GW_ERR_BAD_REQUEST', async () => {
  const file = await (await fetch(`${index(WITH_AUDIO)}&view=file`, { headers: bearer })).text();
  assert.match(file, /#EXT-X-MAP:URI="\/api\/recordings\/r-audio\/file\?token=[^"]+",BYTERANGE="\d+@0"/);
  const bad = await fetch(`${index(WITH_AUDIO)}&view=flac`, { headers: bearer });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'GW_ERR_BAD_REQUEST');
});

test('the audio view takes the Range rules, tokens and errors of the video view', async () => {
  const res = await fetch(`${index(WITH_AUDIO)}&view=audio`, { headers: bearer });
  const [map, fragment] = segmentsOf(await res.text(), res.url);
  const code = async (r: Response) => [
    r.status,
    ((await r.json()) as { error: { code: string } }).error.code,
  ];
  assert.deepEqual(await code(await get(map.url)), [400, 'GW_ERR_BAD_REQUEST'], 'no Range');
  assert.deepEqual(
    await code(await get(fragment.url, fragment.from + 1, fragment.to)),
    [400, 'GW_ERR_BAD_REQUEST'],
    'not a fragment',
  );
  const other = new URL(map.url);
  other.pathname = '/api/recordings/r-silent/audio';
  assert.equal((await get(other, map.from, map.to)).status, 401, "another recording's token");
  assert.deepEqual(
    await code(
      await fetch(`${base}/api/recordings/nope/audio`, { headers: { ...bearer, Range: 'bytes=0-9' } }),
    ),
    [404, 'GW_ERR_RECORDING_NOT_FOUND'],
  );
  // A file without audio plays silence on the audio rendition's timeline.
  const list = await fetch(`${index(NO_AUDIO)}&view=audio`, { headers: bearer });
  const first = segmentsOf(await list.text(), list.url)[1];
  const silent = await get(first.url, first.from, first.to);
  assert.equal(silent.status, 200);
  const runs = readTrackRuns(new Uint8Array(await silent.arrayBuffer()), 2)!.runs;
  assert.deepEqual(
    runs.map((r) => [r.baseMediaDecodeTime, r.samples.reduce((n, x) => n + x.duration, 0)]),
    [[0, 16_000]],
    'the first 2 s GOP',
  );
});
