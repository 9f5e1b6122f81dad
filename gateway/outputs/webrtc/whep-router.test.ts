import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { Stream } from '../../hub/stream.js';
import { CHROMIUM_FULL_OFFER } from './fixtures/chromium-offers.js';
import { makeClip, type TestClip } from '../../../test/helpers/media-clip.js';
import { pace } from '../../../test/helpers/clip-pacer.js';
import { WeriftViewer } from '../../../test/helpers/werift-viewer.js';
import { sleep, waitFor } from '../../../test/helpers/wait.js';
import { listCandidates, sectionPayloadTypes } from './sdp-munge.js';
import { whepRouter, type WhepRouter } from './whep-router.js';
import type { WhepSession } from './whep-session.js';

let server: ReturnType<express.Express['listen']>;
let base = '';
let router: WhepRouter;
let clip: TestClip;
const streams = new Map<string, Stream>();
let keyframeRequests = 0;

function makeStream(id: string): Stream {
  const s = new Stream({
    id,
    source: { start: async () => {}, stop: () => {}, requestKeyframe: () => void keyframeRequests++ },
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
  });
  streams.set(id, s);
  return s;
}

const nal = (bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const h265Idr = (pts: number): AccessUnit => ({
  codec: 'H265',
  pts,
  dts: pts,
  keyframe: true,
  units: [nal([0x26, 0x01, 0xaf, 0x00])],
});
const h264 = (pts: number, dts: number, keyframe: boolean): AccessUnit => ({
  codec: 'H264',
  pts,
  dts,
  keyframe,
  units: [nal([keyframe ? 0x65 : 0x41, 0x88, 0x80])],
});

before(async () => {
  clip = makeClip({ width: 640, height: 360, seconds: 4, audio: 'PCMA' });
  router = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    webrtc: { portRange: { min: 41000, max: 41099 }, mediaWaitMs: 300, viewerTimeoutMs: 1500 },
  });
  const app = express();
  app.use(router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  makeStream('cam-h264');
  const h265 = makeStream('cam-h265');
  h265.publish(h265Idr(0));
  const bframes = makeStream('cam-bframes');
  // Decode order I P B: pts 0, 7200, 3600.
  bframes.publish(h264(0, 0, true));
  bframes.publish(h264(7200, 3600, false));
  bframes.publish(h264(3600, 7200, false));
  makeStream('cam-silent');
});

after(async () => {
  router.sessions.closeAll();
  for (const s of streams.values()) {
    s.close('test-end');
  }
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = (path: string, body: string, type = 'application/sdp') =>
  fetch(base + path, { method: 'POST', headers: { 'Content-Type': type }, body });

async function expectError(res: Response, status: number, code: string): Promise<string> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  return body.error.message;
}

test('POST /whep/:streamId for an unknown stream is 404 GW_ERR_STREAM_NOT_FOUND', async () => {
  await expectError(await post('/whep/nope', CHROMIUM_FULL_OFFER), 404, 'GW_ERR_STREAM_NOT_FOUND');
});

test('POST with a non-SDP content type is 415 GW_ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
  await expectError(
    await post('/whep/cam-h264', '{}', 'application/json'),
    415,
    'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
  );
});

test('POST with a broken offer is 400 GW_ERR_BAD_SDP', async () => {
  await expectError(await post('/whep/cam-h264', 'v=0\r\nthis is not sdp\r\n'), 400, 'GW_ERR_BAD_SDP');
});

test('an H.265 stream and an offer without H.265 is 406 GW_ERR_CODEC_UNSUPPORTED in plain words', async () => {
  const msg = await expectError(
    await post('/whep/cam-h265', CHROMIUM_FULL_OFFER),
    406,
    'GW_ERR_CODEC_UNSUPPORTED',
  );
  // what would work: transcoding on, or HLS in a browser that decodes H.265
  assert.match(msg, /H\.265 → H\.264 transcoding is off on this gateway \(--transcode-h265/);
  assert.match(msg, /play the HLS URL in a browser that decodes H\.265/);
});

test('an offer over 64 KB is 413 GW_ERR_PAYLOAD_TOO_LARGE, one at the limit is parsed (and refused as SDP)', async () => {
  const big = CHROMIUM_FULL_OFFER + `a=x-padding:${'x'.repeat(64 * 1024)}\r\n`;
  await expectError(await post('/whep/cam-h264', big), 413, 'GW_ERR_PAYLOAD_TOO_LARGE');
  await expectError(await post('/whep/cam-h264', 'v=0\r\n' + 'x'.repeat(60 * 1024)), 400, 'GW_ERR_BAD_SDP');
});

test('a B-frame stream is 406 GW_ERR_BFRAMES_UNSUPPORTED pointing to HLS', async () => {
  const msg = await expectError(
    await post('/whep/cam-bframes', CHROMIUM_FULL_OFFER),
    406,
    'GW_ERR_BFRAMES_UNSUPPORTED',
  );
  assert.match(msg, /B-frames/);
  assert.match(msg, /HLS/);
});

test('a stream that never delivers video is 503 GW_ERR_STREAM_NOT_READY after mediaWaitMs', async () => {
  await expectError(await post('/whep/cam-silent', CHROMIUM_FULL_OFFER), 503, 'GW_ERR_STREAM_NOT_READY');
});

test('OPTIONS advertises POST with application/sdp; PATCH is 405 (no trickle ICE); unknown DELETE is 404', async () => {
  const opt = await fetch(`${base}/whep/cam-h264`, { method: 'OPTIONS' });
  assert.equal(opt.status, 204);
  assert.equal(opt.headers.get('accept-post'), 'application/sdp');
  assert.match(opt.headers.get('allow') ?? '', /POST/);
  await expectError(
    await fetch(`${base}/whep/cam-h264/nope`, { method: 'DELETE' }),
    404,
    'GW_ERR_SESSION_NOT_FOUND',
  );
  await expectError(
    await fetch(`${base}/whep/cam-h264/nope`, { method: 'PATCH' }),
    404,
    'GW_ERR_SESSION_NOT_FOUND',
  );
});

test('a Chromium offer gets 201, a Location, one H.264 PT, G.711, ice-lite, and one 127.0.0.1 candidate in the port range', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  try {
    const res = await post('/whep/cam-h264', CHROMIUM_FULL_OFFER);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/sdp');
    const location = res.headers.get('location') ?? '';
    assert.match(
      location,
      /^\/whep\/cam-h264\/[0-9a-f-]{36}$/,
      'no token came with the POST, none goes in the Location',
    );
    const answer = await res.text();
    assert.deepEqual(sectionPayloadTypes(answer, 0), [108]);
    assert.deepEqual(sectionPayloadTypes(answer, 1), [8]);
    assert.match(answer, /a=fmtp:108 .*packetization-mode=1/);
    assert.doesNotMatch(answer, /a=rtpmap:(102|104|114|116) /);
    // ice-lite once, at session level (RFC 8839 §5.3); no trickle offered (PATCH is 405);
    // the BUNDLE group the offer asked for, with both sections
    const sessionPart = answer.slice(0, answer.indexOf('\r\nm='));
    assert.match(sessionPart, /\r\na=ice-lite\r\n/);
    assert.equal(answer.match(/a=ice-lite/g)?.length, 1);
    assert.doesNotMatch(answer, /a=ice-options:[^\r]*trickle/);
    assert.match(sessionPart, /\r\na=group:BUNDLE 0 1\r\n/);
    assert.match(answer, /a=sendonly/);
    const candidates = listCandidates(answer);
    assert.ok(candidates.length >= 1);
    for (const c of candidates) {
      assert.equal(c.address, '127.0.0.1');
      assert.ok(c.port >= 41000 && c.port <= 41099, `port ${c.port}`);
    }
    const patch = await fetch(base + location, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' },
      body: 'a=end-of-candidates',
    });
    assert.equal(patch.status, 405);
    assert.match(patch.headers.get('allow') ?? '', /DELETE/);
    assert.equal(router.sessions.size, 1);
    const del = await fetch(base + location, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(router.sessions.size, 0);
    assert.equal((await fetch(base + location, { method: 'DELETE' })).status, 404);
  } finally {
    stop();
  }
});

test('an offer without BUNDLE gets an answer without BUNDLE: video alone, audio rejected (port 0)', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  try {
    const unbundled = CHROMIUM_FULL_OFFER.split('\r\n')
      .filter((l) => !l.startsWith('a=group:BUNDLE'))
      .join('\r\n');
    const res = await post('/whep/cam-h264', unbundled);
    assert.equal(res.status, 201);
    const answer = await res.text();
    assert.doesNotMatch(answer, /a=group:BUNDLE/);
    assert.match(answer, /\r\nm=audio 0 /);
    assert.match(answer, /\r\nm=video [1-9]\d* /);
    await fetch(base + res.headers.get('location')!, { method: 'DELETE' });
  } finally {
    stop();
  }
});

test('a POST with ?token= gets a Location that carries it, so DELETE to exactly that URL passes the same guard', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  try {
    const res = await post('/whep/cam-h264?token=1.2.abc%2Bd', CHROMIUM_FULL_OFFER);
    assert.equal(res.status, 201);
    const location = res.headers.get('location') ?? '';
    assert.match(location, /^\/whep\/cam-h264\/[0-9a-f-]{36}\?token=1\.2\.abc%2Bd$/);
    assert.deepEqual(
      router.sessions.list().map((s) => s.token),
      ['1.2.abc+d'],
    );
    assert.equal((await fetch(base + location, { method: 'DELETE' })).status, 200);
    assert.equal(router.sessions.size, 0);
  } finally {
    stop();
  }
});

test('a werift viewer receives H.264 frames and PCMA over SRTP from the GOP cache on; DELETE closes its peer', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  const viewer = new WeriftViewer({ url: `${base}/whep/cam-h264` });
  try {
    await waitFor(() => stream.info.keyframes > 0, 3000, 'a GOP in the hub');
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    // 25 fps plus the replayed GOP start; audio 50 packets/s.
    await waitFor(
      () => viewer.counts.videoFrames >= 30 && viewer.packets(8) >= 50,
      5000,
      `30 video frames (${viewer.counts.videoFrames}) and 50 PCMA packets (${viewer.packets(8)})`,
    );
    assert.equal(stream.info.viewers, 1);
    const session = router.sessions.get(viewer.location!.split('/').pop()!) as WhepSession;
    assert.equal(session.peer.connectionState, 'connected');
    const del = await fetch(base + viewer.location!, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(stream.info.viewers, 0);
    assert.equal(session.state, 'closed');
    await waitFor(() => session.peer.connectionState === 'closed', 2000, 'the peer closed');
    const frames = viewer.counts.videoFrames;
    await sleep(300); // a window in which nothing may arrive (12 frame intervals)
    assert.equal(viewer.counts.videoFrames, frames, 'no media after DELETE');
  } finally {
    stop();
    await viewer.close();
  }
});

test('NACKs from a lossy viewer are answered from the history, and a PLI reaches the camera', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  const viewer = new WeriftViewer({ url: `${base}/whep/cam-h264`, lossPercent: 5 });
  try {
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    const session = router.sessions.get(viewer.location!.split('/').pop()!) as WhepSession;
    await waitFor(() => (session.rtcpStats?.retransmitted ?? 0) > 0, 5000, 'retransmissions');
    const before = keyframeRequests;
    await viewer.sendPli();
    await waitFor(() => session.rtcpStats?.pli === 1, 2000, 'the PLI at the gateway');
    const seqs = [...viewer.counts.videoSeqs];
    const span = Math.max(...seqs) - Math.min(...seqs) + 1; // no wrap: the viewer started < 2^16 packets ago
    const complete = seqs.length / span;
    const rtcp = session.rtcpStats!;
    assert.ok(
      rtcp.nack > 0 && rtcp.retransmitted > 0,
      `nack ${rtcp.nack}, retransmitted ${rtcp.retransmitted}`,
    );
    // ~5 % dropped on arrival; what is still missing is the tail NACKs have not repaired yet.
    assert.ok(complete > 0.985, `video completeness ${(complete * 100).toFixed(1)} % of ${span}`);
    assert.equal(rtcp.pli, 1);
    assert.equal(keyframeRequests, before + 1);
    assert.equal(session.stats?.keyframeRequests, 1);
  } finally {
    stop();
    await viewer.close();
  }
});

test('a viewer that vanishes without DELETE (no RTCP any more) is dropped after viewerTimeoutMs', async () => {
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  const viewer = new WeriftViewer({ url: `${base}/whep/cam-h264` });
  try {
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    const session = router.sessions.get(viewer.location!.split('/').pop()!) as WhepSession;
    await sleep(1800); // longer than the timeout: RRs keep it alive
    assert.equal(session.state, 'connected');
    await viewer.close(); // werift sends no DTLS close_notify: to the gateway the viewer just goes quiet
    await waitFor(() => session.state === 'closed', 4000, 'the silent viewer dropped');
    assert.equal(router.sessions.get(session.id), undefined);
    assert.equal(stream.info.viewers, 0);
  } finally {
    stop();
    await viewer.close();
  }
});

// ---- the camera changes mid-stream (gateway/hub/media-events.ts → whep-session.ts) ----

async function watching(streamId: string, url = `${base}/whep/${streamId}`) {
  const viewer = new WeriftViewer({ url });
  assert.equal(await viewer.connect(), 201);
  await viewer.connected();
  const session = [...router.sessions.list()].find((s) => s.id === viewer.location!.split('/').pop());
  await waitFor(() => viewer.counts.videoFrames > 5, 3000, 'video at the viewer');
  return { viewer, sessionId: session?.id };
}

test('a camera that changes to H.265 closes an H.264 viewer (no transcoder): the reason goes out in an RTCP BYE and to the hub', async () => {
  const camera = makeStream('cam-reboot');
  const reported: string[] = [];
  camera.onMedia((e) => e.type === 'sink-closed' && reported.push(`${e.reason}: ${e.detail}`));
  const stop = pace(clip, camera);
  const { viewer } = await watching('cam-reboot');
  try {
    stop();
    camera.publish(h265Idr(10 * CLOCK_HZ)); // the device came back as H.265
    await waitFor(() => viewer.counts.byes.length > 0, 3000, 'an RTCP BYE');
    assert.match(
      viewer.counts.byes[0],
      /^codec-changed: the camera changed to H265; this viewer has no H265 decoder/,
    );
    assert.equal(router.sessions.countFor('cam-reboot'), 0);
    assert.equal(camera.info.viewers, 0);
    assert.deepEqual(reported, [
      'codec-changed: the camera changed to H265; this viewer has no H265 decoder and transcoding is off',
    ]);
  } finally {
    stop();
    await viewer.close();
  }
});

test('B-frames appearing mid-stream close the viewer with the reason b-frames', async () => {
  const camera = makeStream('cam-bframes-later');
  const stop = pace(clip, camera);
  const { viewer } = await watching('cam-bframes-later');
  try {
    stop();
    const t = 20 * CLOCK_HZ;
    camera.publish(h264(t, t, true));
    camera.publish(h264(t + 7200, t + 3600, false));
    camera.publish(h264(t + 3600, t + 7200, false)); // pts back in decode order
    await waitFor(() => viewer.counts.byes.length > 0, 3000, 'an RTCP BYE');
    assert.match(viewer.counts.byes[0], /^b-frames: /);
    assert.equal(router.sessions.countFor('cam-bframes-later'), 0);
  } finally {
    stop();
    await viewer.close();
  }
});

test('with a transcoder, the viewer follows the camera H.264 → H.265 (transcoded view) → H.264 and keeps getting video', async () => {
  // The transcoder is faked: its H.264 view is a hub the test feeds (transcoder.test.ts covers ffmpeg).
  const views: Stream[] = [];
  const transcoding = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    webrtc: { portRange: { min: 41100, max: 41149 } },
    transcoder: {
      h264View: (s) => {
        const view = new Stream({
          id: `${s.id}~h264`,
          source: { start: async () => {}, stop: () => {} },
          idleStopMs: Infinity,
          noMediaTimeoutMs: 0,
        });
        views.push(view);
        return view;
      },
    },
  });
  const app = express();
  app.use(transcoding);
  const server2 = app.listen(0, '127.0.0.1');
  await new Promise((r) => server2.once('listening', r));
  const camera = makeStream('cam-flip');
  let stopCamera = pace(clip, camera);
  const viewer = new WeriftViewer({
    url: `http://127.0.0.1:${(server2.address() as AddressInfo).port}/whep/cam-flip`,
  });
  let stopView = (): void => {};
  try {
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    const session = transcoding.sessions.get(viewer.location!.split('/').pop()!) as WhepSession;
    await waitFor(() => viewer.counts.videoFrames > 5, 3000, 'direct H.264');
    assert.equal(session.source, camera);

    stopCamera();
    camera.publish(h265Idr(30 * CLOCK_HZ));
    assert.equal(views.length, 1);
    assert.equal(session.source, views[0], 'moved to the transcoded view before the H.265 frame went out');
    assert.equal(camera.info.viewers, 0);
    assert.equal(views[0].info.viewers, 1);
    stopView = pace(clip, views[0]);
    const atSwitch = viewer.counts.videoFrames;
    await waitFor(() => viewer.counts.videoFrames > atSwitch + 10, 3000, 'transcoded video');

    stopView();
    stopCamera = pace(clip, camera); // back to H.264, starting with its keyframe
    assert.equal(session.source, camera);
    assert.equal(views[0].info.viewers, 0);
    const back = viewer.counts.videoFrames;
    await waitFor(() => viewer.counts.videoFrames > back + 10, 3000, 'direct H.264 again');
    assert.equal(session.state, 'connected');
    assert.deepEqual(viewer.counts.byes, []);
  } finally {
    stopCamera();
    stopView();
    await viewer.close();
    transcoding.sessions.closeAll();
    server2.closeAllConnections();
    await new Promise((r) => server2.close(r));
  }
});

test('a full WebRTC port range answers 503 GW_ERR_WEBRTC_PORTS_EXHAUSTED with the reason, not 500 (issue #20 point 11)', async () => {
  // Three ports: three viewers, then none; the offers never finish ICE, so they keep their ports.
  const small = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    webrtc: { portRange: { min: 41150, max: 41152 }, mediaWaitMs: 300 },
  });
  const app = express();
  app.use(small);
  const s = app.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const stream = streams.get('cam-h264')!;
  const stop = pace(clip, stream);
  try {
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/whep/cam-h264`;
    const send = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: CHROMIUM_FULL_OFFER,
      });
    for (let i = 0; i < 3; i++) {
      const res = await send();
      await res.text();
      assert.equal(res.status, 201, `viewer ${i}`);
    }
    const full = await send();
    assert.ok(full.headers.get('retry-after'));
    const msg = await expectError(full, 503, 'GW_ERR_WEBRTC_PORTS_EXHAUSTED');
    assert.match(msg, /every one is in use \(--webrtc-ports\)/);
    assert.equal(small.slots.refused.ports, 1);
    assert.equal(small.slots.viewers, 3, 'the refused offer gave its slot back');
  } finally {
    stop();
    small.sessions.closeAll();
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});
