// Field bug, end to end: a device whose encoder writes PES packets with no PTS/DTS at all (the
// simulator's omitPts) used to give a black screen with no error. Through the real gateway, the
// stream plays in Debian's headless Chromium over WebRTC and over HLS (hls.js), ffprobe decodes
// its HLS segments, and the play diagnosis says how the frames were timed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { fixturePath } from '../../simulator/options.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import {
  decodeVideo,
  download,
  probeAudioTrack,
  probeSegment,
  sourceDimensions,
  waitForSegments,
  writeFragmentFile,
} from '../helpers/hls-probe.js';
import { MediaPage, type LiveAnswer } from '../helpers/media-page.js';

const skip = browserSkipReason();
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const LIVE = `/api/devices/${DEVICE}/channels/${CHANNEL}/live`;
const CLIP = fixturePath('ch1-testsrc2.h264'); // 640x360, 25 fps, GOP 50 (2 s)
let h: Harness;
let browser: Browser | undefined;
const pages: MediaPage[] = [];

before(async () => {
  h = await startHarness({
    gateway: { 'hls-segment': 2 },
    simulator: { channels: 1, media: [CLIP], omitPts: true },
  });
  await h.sim.waitForRegistered(1, 10_000);
  await h.waitForChannels(DEVICE, 1);
});

after(async () => {
  for (const p of pages) {
    await p.close().catch(() => {});
  }
  await browser?.close();
  await h?.close();
});

test(
  'a PS stream without PTS: the diagnosis names it, and ffprobe decodes its HLS segments at 25 fps',
  { timeout: 30_000 },
  async (t) => {
    const source = await sourceDimensions(CLIP);
    const live = await h.api<LiveAnswer>(LIVE, { method: 'POST' });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.codec.video, 'H264');
    const diagnosis = await h.api<{ ok: boolean; steps: { step: string; detail?: string }[] }>(
      `/api/streams/${live.body.streamId}/diagnosis`,
    );
    const step = diagnosis.body.steps.find((s) => s.step === 'pes-without-pts');
    assert.match(step?.detail ?? '', /timed from the RTP timestamp/, JSON.stringify(diagnosis.body));

    const playlist = await waitForSegments(h.base + live.body.hls, 2, 15_000);
    const init = await download(playlist.init);
    for (const seg of playlist.segments.slice(0, 2)) {
      const path = writeFragmentFile(`nopts-seg${seg.msn}.mp4`, init, await download(seg.url));
      const p = await probeSegment(path);
      const decoded = await decodeVideo(path);
      const detail = `segment ${seg.msn}: ${JSON.stringify(p)} ${decoded.errors}`;
      t.diagnostic(
        `segment ${seg.msn}: ${p.videoPackets} frames over ${p.videoDurationSec.toFixed(3)} s, ${decoded.frames} decoded`,
      );
      assert.equal(p.video?.codec_name, 'h264', detail);
      assert.deepEqual([p.video?.width, p.video?.height], [source.width, source.height], detail);
      assert.ok(p.startsWithKeyframe, detail);
      // 25 fps from the RTP clock: 50 frames in 2 s.
      assert.ok(Math.abs(p.videoDurationSec - 2) < 0.05 && p.videoPackets === 50, detail);
      assert.equal(decoded.frames, p.videoPackets, detail);
      assert.equal(decoded.errors, '', detail);
      assert.equal(p.audio, undefined, detail); // CMAF: audio has its own rendition
    }
    const audio = await probeAudioTrack(h.base + live.body.hls, 2);
    assert.equal(audio.codec, 'flac');
  },
);

test(
  'a PS stream without PTS plays in Chromium over WebRTC: frames decode at the source size, audio arrives',
  { skip, timeout: 30_000 },
  async (t) => {
    browser ??= await launchChromium();
    const page = await MediaPage.open(browser, h.base);
    pages.push(page);
    const live = await page.postLive(LIVE, h.token);
    assert.equal(live.status, 200);
    assert.equal((await page.whep()).status, 201);
    const first = await page.waitWhep((s) => s.firstFrameMs !== null && s.firstAudioMs !== null, 3000);
    assert.ok(first.firstFrameMs !== null, JSON.stringify(first));
    const a = await page.whepStats();
    await new Promise((r) => setTimeout(r, 1000));
    const b = await page.whepStats();
    t.diagnostic(
      `first frame ${first.firstFrameMs?.toFixed(0)} ms; in 1 s +${b.framesDecoded - a.framesDecoded} frames`,
    );
    assert.ok(b.framesDecoded - a.framesDecoded >= 18, `${a.framesDecoded} → ${b.framesDecoded}`);
    assert.deepEqual([b.frameWidth, b.frameHeight], [640, 360]);
    assert.ok(b.audioPackets > a.audioPackets, 'audio keeps arriving');
    assert.deepEqual(page.pageErrors, []);
  },
);

test(
  'a PS stream without PTS plays in Chromium over HLS (hls.js): currentTime advances with video and audio',
  { skip, timeout: 40_000 },
  async (t) => {
    browser ??= await launchChromium();
    const page = await MediaPage.open(browser, h.base);
    pages.push(page);
    assert.equal((await page.postLive(LIVE, h.token)).status, 200);
    await page.playHls();
    await page.page.waitForFunction(
      () => (document.querySelector('video')?.currentTime ?? 0) > 0.2,
      undefined,
      { timeout: 15_000 },
    );
    const a = await page.hlsSample();
    await new Promise((r) => setTimeout(r, 3000));
    const b = await page.hlsSample();
    const detail = JSON.stringify({ a, b, pageErrors: page.pageErrors });
    t.diagnostic(
      `hls.js: currentTime ${a.currentTime.toFixed(2)} → ${b.currentTime.toFixed(2)}, frames ${a.frames} → ${b.frames}`,
    );
    assert.deepEqual(
      b.errors.filter((e) => e.startsWith('FATAL')),
      [],
      detail,
    );
    assert.ok(b.currentTime - a.currentTime >= 2.2, detail);
    assert.ok(b.frames > a.frames, detail);
    assert.deepEqual([b.width, b.height], [640, 360]);
    assert.ok(b.audioBytes > a.audioBytes, `no audio decoded: ${detail}`);
  },
);
