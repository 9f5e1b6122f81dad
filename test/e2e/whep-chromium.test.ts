// WHEP end to end: headless Debian Chromium plays H.264 + PCMA from the real Stream hub
// through gateway/outputs/webrtc over loopback. Skips only when Chromium is absent outside CI.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import { Stream } from '../../gateway/hub/stream.js';
import { makeClip, type TestClip } from '../helpers/media-clip.js';
import { pace } from '../helpers/clip-pacer.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { H265Transcoder } from '../../gateway/outputs/webrtc/transcoder.js';
import { whepRouter, type WhepRouter } from '../../gateway/outputs/webrtc/whep-router.js';
import type { WhepSession } from '../../gateway/outputs/webrtc/whep-session.js';

const skip = browserSkipReason();

// A WHEP client as a browser page would write it: recvonly video (H.264 packetization-mode 1,
// 42e01f, via setCodecPreferences as in docs/browser-notes.md §2.3) + recvonly audio, non-trickle.
// Chromium's own host candidates (192.0.2.2 / fd00::2 here) are useless on loopback and
// are stripped; the gateway is ice-lite and Chromium connects to its 127.0.0.1 candidate.
const PAGE = `<!doctype html><meta charset="utf-8"><title>whep</title><body><script>
window.whep = async (url) => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const tv = pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const h264 = RTCRtpReceiver.getCapabilities('video').codecs.filter(
    (c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine) && /42e01f/.test(c.sdpFmtpLine));
  tv.setCodecPreferences(h264);
  const video = document.createElement('video');
  video.autoplay = true; video.muted = true; video.playsInline = true;
  document.body.appendChild(video);
  pc.ontrack = (e) => { if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:')).join('\\r\\n');
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
  if (res.status !== 201) return { status: res.status, error: await res.json() };
  const location = res.headers.get('Location');
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  window.viewer = { pc, location, t0, firstFrameMs: undefined };
  const poll = setInterval(async () => {
    const s = await window.stats();
    if (s.framesDecoded > 0) clearInterval(poll);
  }, 20);
  return { status: 201, location };
};
window.stats = async () => {
  const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPackets: 0, videoPackets: 0, videoSenderReports: 0,
    packetsLost: 0, codec: '', connectionState: window.viewer.pc.connectionState, firstFrameMs: window.viewer.firstFrameMs };
  const report = await window.viewer.pc.getStats();
  report.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      Object.assign(out, { framesDecoded: r.framesDecoded ?? 0, frameWidth: r.frameWidth ?? 0, frameHeight: r.frameHeight ?? 0,
        videoPackets: r.packetsReceived, packetsLost: r.packetsLost });
      const c = report.get(r.codecId); if (c) out.codec = c.mimeType + ' ' + (c.sdpFmtpLine ?? '');
    }
    if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioPackets = r.packetsReceived;
    if (r.type === 'remote-outbound-rtp' && r.kind === 'video') out.videoSenderReports = r.reportsSent ?? 0;
  });
  if (out.framesDecoded > 0 && window.viewer.firstFrameMs === undefined) window.viewer.firstFrameMs = performance.now() - window.viewer.t0;
  out.firstFrameMs = window.viewer.firstFrameMs;
  return out;
};
window.hangUp = async () => {
  const res = await fetch(window.viewer.location, { method: 'DELETE' });
  window.viewer.pc.close();
  return res.status;
};
</script>`;

interface PageStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPackets: number;
  videoPackets: number;
  videoSenderReports: number;
  packetsLost: number;
  codec: string;
  connectionState: string;
  firstFrameMs?: number;
}

let browser: Browser;
let server: ReturnType<express.Express['listen']>;
let base = '';
let router: WhepRouter;
let clip: TestClip;
let stopPacing: () => void = () => {};
const streams = new Map<string, Stream>();

const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { stats(): Promise<PageStats> }).stats());
const whep = (page: Page, url: string) =>
  page.evaluate(
    (u) =>
      (
        window as unknown as {
          whep(u: string): Promise<{
            status: number;
            location?: string;
            error?: { error: { code: string; message: string } };
          }>;
        }
      ).whep(u),
    url,
  );

/** The page's stats once `what` holds, or the last ones read when `timeoutMs` passes (the caller asserts on them). */
async function statsWhen(page: Page, what: (s: PageStats) => boolean, timeoutMs: number): Promise<PageStats> {
  let last = await stats(page);
  await waitFor(async () => what((last = await stats(page))), timeoutMs, 'page stats').catch(() => undefined);
  return last;
}

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/viewer.html`);
  return page;
}

before(async () => {
  if (skip) {
    return;
  }
  clip = makeClip({ width: 1280, height: 720, seconds: 6, gop: 50, audio: 'PCMA' });
  const noop = { start: async () => {}, stop: () => {}, requestKeyframe: () => {} };
  const cam = new Stream({ id: 'cam', source: noop, idleStopMs: Infinity, noMediaTimeoutMs: 0 });
  streams.set('cam', cam);
  const cam265 = new Stream({ id: 'cam265', source: noop, idleStopMs: Infinity, noMediaTimeoutMs: 0 });
  cam265.publish({
    codec: 'H265',
    pts: 0,
    dts: 0,
    keyframe: true,
    units: [Uint8Array.of(0x26, 0x01, 0xaf, 0x00)],
  });
  streams.set('cam265', cam265);
  router = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    webrtc: { portRange: { min: 42000, max: 42099 } },
  });
  const app = express();
  app.get('/viewer.html', (_req, res) => void res.type('html').send(PAGE));
  app.use(router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  // Join mid-GOP (frame 33 of 50): the hub's cache then starts at the last keyframe, 1.3 s back.
  stopPacing = pace(clip, cam);
  await waitFor(() => cam.info.frames >= 33, 5_000, 'the camera to be 33 frames into its GOP');
});

after(async () => {
  if (skip) {
    return;
  }
  stopPacing();
  router?.sessions.closeAll();
  for (const s of streams.values()) {
    s.close('test-end');
  }
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

test(
  'Chromium decodes H.264 at the source size within 2 s and receives PCMA; a second viewer starts from the GOP cache',
  { skip, timeout: 40_000 },
  async () => {
    const page = await openPage();
    const res = await whep(page, '/whep/cam');
    assert.equal(res.status, 201, JSON.stringify(res.error));
    const first = await statsWhen(page, (s) => s.framesDecoded > 0, 2000);
    assert.ok(first.framesDecoded > 0, `no frame decoded within 2 s: ${JSON.stringify(first)}`);
    assert.match(first.codec, /video\/H264 .*packetization-mode=1/);
    await sleep(1000);
    const a = await stats(page);
    await sleep(1000);
    const b = await stats(page);
    assert.ok(
      b.framesDecoded > a.framesDecoded + 15,
      `framesDecoded ${a.framesDecoded} → ${b.framesDecoded}`,
    );
    assert.equal(b.frameWidth, clip.width);
    assert.equal(b.frameHeight, clip.height);
    assert.ok(
      b.audioPackets > a.audioPackets + 30,
      `audio packetsReceived ${a.audioPackets} → ${b.audioPackets}`,
    );
    assert.equal(b.packetsLost, 0);
    // werift sends RTCP SR every 0.5-1.5 s; Chromium reports them as remote-outbound-rtp.
    const withSr = await statsWhen(page, (s) => s.videoSenderReports > 0, 3000);
    assert.ok(withSr.videoSenderReports > 0, 'no RTCP sender report reached Chromium');

    const page2 = await openPage();
    assert.equal((await whep(page2, '/whep/cam')).status, 201);
    const second = await statsWhen(page2, (s) => s.firstFrameMs !== undefined, 2000);
    assert.ok(second.firstFrameMs !== undefined, 'second viewer decoded nothing within 2 s');
    process.stdout.write(
      `whep e2e: first decoded frame: viewer 1 ${first.firstFrameMs?.toFixed(0) ?? '?'} ms, viewer 2 ${second.firstFrameMs.toFixed(0)} ms after POST\n`,
    );
    assert.equal(router.sessions.countFor('cam'), 2);
    await page2.close();
    await page.close();
  },
);

test(
  'an H.265 source and a Chromium offer (no H.265) is refused with GW_ERR_CODEC_UNSUPPORTED',
  { skip, timeout: 20_000 },
  async () => {
    const page = await openPage();
    const res = await whep(page, '/whep/cam265');
    assert.equal(res.status, 406);
    assert.equal(res.error?.error.code, 'GW_ERR_CODEC_UNSUPPORTED');
    assert.match(res.error?.error.message ?? '', /H\.265.*no H\.265 decoder.*HLS/);
    await page.close();
  },
);

test(
  'with transcoding on, Chromium plays an H.265 camera as H.264 (ffmpeg runs only while it watches)',
  { skip, timeout: 40_000 },
  async () => {
    const h265 = makeClip({ codec: 'H265', width: 640, height: 360, seconds: 4, gop: 25 });
    const noop = { start: async () => {}, stop: () => {}, requestKeyframe: () => {} };
    const camera = new Stream({ id: 'cam265live', source: noop, idleStopMs: Infinity, noMediaTimeoutMs: 0 });
    streams.set('cam265live', camera);
    const stop = pace(h265, camera);
    const transcoder = new H265Transcoder({ idleStopMs: 200 });
    const transcoding = whepRouter({
      resolveStream: (id) => streams.get(id),
      publicIp: '127.0.0.1',
      transcoder,
    });
    const app = express();
    app.get('/viewer.html', (_req, res) => void res.type('html').send(PAGE));
    app.use(transcoding);
    const server2 = app.listen(0, '127.0.0.1');
    await new Promise((r) => server2.once('listening', r));
    const page = await browser.newPage();
    try {
      // The transcoding decision needs the camera's codec, known from its first keyframe.
      await waitFor(() => camera.info.keyframes > 0, 3_000, 'the H.265 camera to publish a keyframe');
      await page.goto(`http://127.0.0.1:${(server2.address() as AddressInfo).port}/viewer.html`);
      const res = await whep(page, '/whep/cam265live');
      assert.equal(res.status, 201, JSON.stringify(res.error));
      const s = await statsWhen(page, (x) => x.framesDecoded > 25, 4000);
      assert.equal(transcoder.active, 1);
      assert.ok(s.framesDecoded > 25, `framesDecoded ${s.framesDecoded}`);
      assert.deepEqual([s.frameWidth, s.frameHeight], [640, 360]);
      process.stdout.write(
        `whep e2e: H.265 camera via transcoder, first decoded frame ${s.firstFrameMs?.toFixed(0) ?? '?'} ms after POST\n`,
      );
      await page.evaluate(() => (window as unknown as { hangUp(): Promise<number> }).hangUp());
      // idleStopMs is 200: ffmpeg stops once the last H.264 viewer has been gone that long.
      await waitFor(() => transcoder.active === 0, 3_000, 'ffmpeg to stop after the last H.264 viewer left');
    } finally {
      stop();
      await page.close();
      transcoding.sessions.closeAll();
      transcoder.closeAll();
      server2.closeAllConnections();
      await new Promise((r) => server2.close(r));
    }
  },
);

test(
  'DELETE on the Location ends the session: the gateway peer closes and media stops',
  { skip, timeout: 20_000 },
  async () => {
    router.sessions.closeAll();
    const page = await openPage();
    const res = await whep(page, '/whep/cam');
    assert.equal(res.status, 201);
    await statsWhen(page, (s) => s.framesDecoded > 0, 3000);
    const id = res.location!.split('/').pop()!;
    const session = router.sessions.get(id) as WhepSession;
    assert.equal(session.state, 'connected');
    assert.equal(streams.get('cam')!.info.viewers, 1);
    const status = await page.evaluate(() => (window as unknown as { hangUp(): Promise<number> }).hangUp());
    assert.equal(status, 200);
    assert.equal(router.sessions.get(id), undefined);
    assert.equal(session.state, 'closed');
    await waitFor(() => session.peer.connectionState === 'closed', 2_000, 'the gateway peer to close');
    assert.equal(streams.get('cam')!.info.viewers, 0);
    await page.close();
  },
);
