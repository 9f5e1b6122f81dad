// An H.265 camera through the real gateway: HLS carries it as hvc1 fMP4 that ffprobe decodes,
// and a WHEP offer from Debian's headless Chromium (which has no H.265 receive codec,
// docs/browser-notes.md §1) gets a clear 406 naming HLS when transcoding is off (transcode-h265=off here;
// the transcode path is covered by test/e2e/whep-chromium.test.ts).
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
  readMediaPlaylist,
  sourceDimensions,
  waitForSegments,
  writeFragmentFile,
} from '../helpers/hls-probe.js';
import { MediaPage, type LiveAnswer } from '../helpers/media-page.js';

const skip = browserSkipReason();
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const LIVE = `/api/devices/${DEVICE}/channels/${CHANNEL}/live`;
const CLIP = fixturePath('h265-testsrc2.h265'); // H.265 Main 640x360, 25 fps, GOP 50
let h: Harness;
let browser: Browser | undefined;

before(async () => {
  h = await startHarness({ gateway: { 'transcode-h265': 'off' }, simulator: { channels: 1, media: [CLIP] } });
  await h.sim.waitForRegistered(1, 10_000);
  await h.waitForChannels(DEVICE, 1);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test(
  'HLS of an H.265 source: hvc1 init and segments that ffprobe decodes',
  { timeout: 30_000 },
  async (t) => {
    const source = await sourceDimensions(CLIP);
    const live = await h.api<LiveAnswer>(LIVE, { method: 'POST' });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.codec.video, 'H265');
    const playlist = await waitForSegments(h.base + live.body.hls, 2, 15_000);
    const master = await (await fetch(h.base + live.body.hls)).text();
    assert.match(master, /CODECS="hvc1\.[^"]*"/, master);

    const init = await download(playlist.init);
    const lines: string[] = [];
    for (const seg of playlist.segments.slice(0, 2)) {
      const path = writeFragmentFile(`h265-seg${seg.msn}.mp4`, init, await download(seg.url));
      const p = await probeSegment(path);
      const decoded = await decodeVideo(path);
      lines.push(
        `H.265 segment ${seg.msn}: ${p.video?.codec_name}/${p.video?.codec_tag_string} ${p.video?.width}x${p.video?.height}, EXTINF ${seg.extinf.toFixed(3)} s, video ${p.videoDurationSec.toFixed(3)} s, ${decoded.frames}/${p.videoPackets} frames decoded`,
      );
      const detail = `${lines.at(-1)} ${decoded.errors}`;
      assert.equal(p.video?.codec_name, 'hevc', detail);
      assert.equal(p.video?.codec_tag_string, 'hvc1', detail);
      assert.deepEqual([p.video?.width, p.video?.height], [source.width, source.height], detail);
      assert.ok(p.startsWithKeyframe, detail);
      assert.ok(p.videoPackets > 0 && decoded.frames === p.videoPackets, detail);
      assert.equal(decoded.errors, '', detail);
      assert.equal(p.audio, undefined, detail); // CMAF: audio has its own rendition
    }
    assert.equal((await probeAudioTrack(h.base + live.body.hls, 2)).codec, 'flac');
    for (const l of lines) {
      t.diagnostic(l);
    }
  },
);

test(
  'WHEP from Chromium (no H.265 decoder) is refused with a clear 406 that points to HLS',
  { skip, timeout: 30_000 },
  async (t) => {
    browser = await launchChromium();
    const page = await MediaPage.open(browser, h.base);
    const live = await page.postLive(LIVE, h.token);
    assert.equal(live.status, 200);
    assert.equal(live.body.codec.video, 'H265');
    const hasH265 = await page.page.evaluate(() =>
      RTCRtpReceiver.getCapabilities('video')!.codecs.some((c) => /h265|hevc/i.test(c.mimeType)),
    );
    assert.equal(
      hasH265,
      false,
      'this Chromium build lists an H.265 receive codec; the test assumes it does not',
    );
    const res = await page.whep();
    t.diagnostic(`WHEP answer: ${res.status} ${JSON.stringify(res.error)}`);
    assert.equal(res.status, 406);
    assert.equal(res.error?.error.code, 'GW_ERR_CODEC_UNSUPPORTED');
    assert.match(res.error?.error.message ?? '', /H\.265/);
    assert.match(res.error?.error.message ?? '', /HLS/);
    assert.match(
      res.error?.error.message ?? '',
      /--transcode-h265/,
      'the text names what would make it work',
    );
    // The refusal leaves the stream and its HLS output alone.
    assert.ok((await readMediaPlaylist(h.base + live.body.hls))?.segments.length);
    const views =
      await h.api<{ streamId: string; viewers: { webrtc: number }; state: string }[]>('/api/streams');
    assert.equal(views.body[0]?.state, 'live');
    assert.equal(views.body[0]?.viewers.webrtc, 0);
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  },
);
