// Live HLS through the real gateway: the simulator's H.264 + G.711 channel is played with
// POST .../live; ffprobe reads the init segment and every media segment (codec, size, audio,
// durations within 5 % of the target) and decodes them, and hls.js in Debian's headless
// Chromium plays the same stream with its audio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { fixturePath } from '../../simulator/options.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';
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
const TARGET_SEC = 2;
let h: Harness;
let browser: Browser | undefined;

before(async () => {
  h = await startHarness({
    gateway: { 'hls-segment': TARGET_SEC },
    simulator: { channels: 1, media: [CLIP] },
  });
  await h.sim.waitForRegistered(1, 10_000);
  await h.waitForChannels(DEVICE, 1);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test(
  'ffprobe reads the init and 3 segments: H.264 at the source size, FLAC audio, durations within 5 % of the target',
  { timeout: 30_000 },
  async (t) => {
    const source = await sourceDimensions(CLIP);
    const live = await h.api<LiveAnswer>(LIVE, { method: 'POST' });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    const playlist = await waitForSegments(h.base + live.body.hls, 3, 15_000);
    assert.equal(playlist.targetDurationSec, TARGET_SEC);

    const init = await download(playlist.init);
    const initProbe = await probeSegment(writeFragmentFile('init.mp4', init, Buffer.alloc(0)));
    assert.equal(initProbe.video?.codec_name, 'h264');
    assert.equal(initProbe.video?.codec_tag_string, 'avc1');
    assert.deepEqual([initProbe.video?.width, initProbe.video?.height], [source.width, source.height]);
    assert.equal(initProbe.audio, undefined, 'a CMAF header holds the video track alone');
    const audio = await probeAudioTrack(h.base + live.body.hls, 3);
    assert.deepEqual([audio.codec, audio.sampleRate, audio.channels], ['flac', '8000', 1]);
    assert.ok(audio.durationSec > 0.9 * 3 * TARGET_SEC, `audio track too short: ${audio.durationSec} s`);

    const lines: string[] = [];
    for (const seg of playlist.segments.slice(0, 3)) {
      const path = writeFragmentFile(`seg${seg.msn}.mp4`, init, await download(seg.url));
      const p = await probeSegment(path);
      const decoded = await decodeVideo(path);
      lines.push(
        `segment ${seg.msn}: EXTINF ${seg.extinf.toFixed(3)} s, video ${p.videoDurationSec.toFixed(3)} s (${p.videoPackets} frames, ${decoded.frames} decoded)`,
      );
      const detail = `${lines.at(-1)} ${JSON.stringify(p)}`;
      assert.equal(p.video?.codec_name, 'h264', detail);
      assert.deepEqual([p.video?.width, p.video?.height], [source.width, source.height], detail);
      assert.ok(p.startsWithKeyframe, `segment does not start on a keyframe: ${detail}`);
      assert.ok(
        Math.abs(p.videoDurationSec - TARGET_SEC) <= 0.05 * TARGET_SEC,
        `video duration off target: ${detail}`,
      );
      assert.ok(Math.abs(seg.extinf - TARGET_SEC) <= 0.05 * TARGET_SEC, `EXTINF off target: ${detail}`);
      assert.ok(
        Math.abs(seg.extinf - p.videoDurationSec) < 0.01,
        `EXTINF disagrees with the media: ${detail}`,
      );
      assert.equal(decoded.frames, p.videoPackets, detail);
      assert.equal(decoded.errors, '', detail);
    }
    for (const l of lines) {
      t.diagnostic(l);
    }
  },
);

test(
  'hls.js in Chromium plays the same stream: currentTime advances and audio is decoded',
  { skip, timeout: 40_000 },
  async (t) => {
    browser = await launchChromium();
    const page = await MediaPage.open(browser, h.base);
    const live = await page.postLive(LIVE, h.token);
    assert.equal(live.status, 200);
    const startedAt = Date.now();
    await page.playHls();
    await page.page.waitForFunction(
      () => (document.querySelector('video')?.currentTime ?? 0) > 0.2,
      undefined,
      { timeout: 15_000 },
    );
    const playingAfterMs = Date.now() - startedAt;
    const a = await page.hlsSample();
    await new Promise((r) => setTimeout(r, 4000));
    const b = await page.hlsSample();
    const detail = JSON.stringify({ a, b, pageErrors: page.pageErrors });
    t.diagnostic(
      `hls.js: playing ${playingAfterMs} ms after load; in 4 s currentTime ${a.currentTime.toFixed(2)} → ${b.currentTime.toFixed(2)}, ` +
        `frames ${a.frames} → ${b.frames} (dropped ${b.dropped}), audio bytes ${a.audioBytes} → ${b.audioBytes}, codecs ${JSON.stringify(b.codecs)}`,
    );
    assert.deepEqual(
      b.errors.filter((e) => e.startsWith('FATAL')),
      [],
      detail,
    );
    assert.ok(
      b.currentTime - a.currentTime >= 3,
      `currentTime advanced ${b.currentTime - a.currentTime} s in 4 s: ${detail}`,
    );
    assert.ok(b.frames > a.frames, detail);
    assert.deepEqual([b.width, b.height], [640, 360]);
    assert.ok(b.audioBytes > a.audioBytes, `no audio decoded: ${detail}`);
    // hls.js reports a SourceBuffer per CMAF track: the video variant's and the audio rendition's.
    const codecs = Object.values(b.codecs).join(',');
    assert.match(codecs, /flac/i, detail);
    assert.match(codecs, /avc1\.42c01e/i, detail);
    assert.deepEqual(page.pageErrors, []);
    await page.page.screenshot({ path: screenshotPath('media-hls.png') });
    await page.close();
  },
);
