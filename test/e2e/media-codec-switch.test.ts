// Field bug, end to end: a device that switches its encoder H.264 → H.265 → H.264 mid-stream
// (a reboot into another profile, or another sender taking over). The simulator plays a PS
// capture made of 4 s of each; through the real gateway the HLS output goes on with a new init
// segment behind EXT-X-DISCONTINUITY at each switch (ffprobe reads every segment and part with
// the EXT-X-MAP the playlist gives it), a Chromium WebRTC viewer keeps decoding through the
// H.265 part (the transcoder's H.264 view; Debian's Chromium has no H.265 decoder), and the
// play diagnosis says what happened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { AccessUnit } from '../../codecs/types.js';
import { PsMuxer } from '../../codecs/ps/muxer.js';
import { annexBAccessUnits, buildClip, g711AccessUnits } from '../../simulator/clip-loader.js';
import { fixturePath } from '../../simulator/options.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import { decodeVideo, download, probeSegment } from '../helpers/hls-probe.js';
import { MediaPage, type LiveAnswer } from '../helpers/media-page.js';

const skip = browserSkipReason();
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const LIVE = `/api/devices/${DEVICE}/channels/${CHANNEL}/live`;
const PHASE_FRAMES = 100; // 4 s at 25 fps: two 2 s GOPs of each codec
let h: Harness;
let dir: string;
let browser: Browser | undefined;

/** H.264, H.265, H.264 (640x360 test clips) on one timeline with G.711 audio, muxed as a device would. */
function switchingCapture(path: string): void {
  const read = (name: string) => new Uint8Array(readFileSync(fixturePath(name)));
  const phases = [
    annexBAccessUnits(read('ch1-testsrc2.h264'), 'H264'),
    annexBAccessUnits(read('h265-testsrc2.h265'), 'H265'),
    annexBAccessUnits(read('ch1-testsrc2.h264'), 'H264'),
  ];
  const video: AccessUnit[] = [];
  phases.forEach((aus, i) => {
    assert.ok(aus.length >= PHASE_FRAMES && aus[0].keyframe);
    for (const au of aus.slice(0, PHASE_FRAMES)) {
      const t = au.dts + i * PHASE_FRAMES * 3600;
      video.push({ ...au, pts: t, dts: t });
    }
  });
  const clip = buildClip(video, g711AccessUnits(read('sine440.g711a'), 'PCMA'));
  const muxer = new PsMuxer({ insertAud: true });
  writeFileSync(path, Buffer.concat(clip.accessUnits.map((au) => muxer.mux(au))));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'codec-switch-'));
  const capture = join(dir, 'switching.ps');
  switchingCapture(capture);
  h = await startHarness({
    gateway: { 'hls-segment': 2, 'transcode-h265': 'on' },
    simulator: { channels: 1, media: [capture] },
  });
  await h.sim.waitForRegistered(1, 10_000);
  await h.waitForChannels(DEVICE, 1);
});

after(async () => {
  await browser?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Entry {
  url: URL;
  map: URL;
  segment: number;
  part: boolean;
  discontinuity: boolean;
}

/** The media playlist as a player walks it: each segment and part with the EXT-X-MAP in force. */
async function mediaPlaylist(hlsUrl: string): Promise<{ text: string; entries: Entry[] }> {
  const master = await (await fetch(hlsUrl)).text();
  const url = new URL(
    master.split('\n').find((l) => l && !l.startsWith('#'))!,
    hlsUrl,
  );
  const text = await (await fetch(url)).text();
  const entries: Entry[] = [];
  let map: URL | undefined;
  let discontinuity = false;
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  for (const line of text.split('\n')) {
    const m = /^#EXT-X-MAP:URI="([^"]+)"/.exec(line);
    const part = /^#EXT-X-PART:.*URI="([^"]+)"/.exec(line);
    if (m) {
      map = new URL(m[1], url);
    } else if (line === '#EXT-X-DISCONTINUITY') {
      discontinuity = true;
    } else if (part) {
      entries.push({ url: new URL(part[1], url), map: map!, segment: msn, part: true, discontinuity: false });
    } else if (line && !line.startsWith('#')) {
      entries.push({ url: new URL(line, url), map: map!, segment: msn++, part: false, discontinuity });
      discontinuity = false;
    }
  }
  return { text, entries };
}

test(
  'HLS across H.264 → H.265 → H.264: a discontinuity and a new EXT-X-MAP at each switch; ffprobe reads every segment and part',
  { timeout: 60_000 },
  async (t) => {
    const live = await h.api<LiveAnswer>(LIVE, { method: 'POST' });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.codec.video, 'H264');
    // Six 2 s segments: two of each phase.
    const { text, entries } = await waitFor(
      async () => {
        const p = await mediaPlaylist(h.base + live.body.hls);
        return p.entries.filter((e) => !e.part).length >= 6 ? p : undefined;
      },
      30_000,
      'six complete segments',
    );
    const segments = entries.filter((e) => !e.part).slice(0, 6);
    assert.deepEqual(
      segments.map((s) => s.discontinuity),
      [false, false, true, false, true, false],
      text,
    );
    const maps = segments.map((s) => s.map.pathname.split('/').pop());
    assert.deepEqual(
      maps,
      ['init.mp4', 'init.mp4', 'init.1.mp4', 'init.1.mp4', 'init.2.mp4', 'init.2.mp4'],
      text,
    );
    const want = ['h264', 'h264', 'hevc', 'hevc', 'h264', 'h264'];
    const first = segments[0].segment;
    const partsSoFar = new Map<number, Buffer[]>();
    let read = 0;
    for (const e of entries) {
      const index = e.segment - first;
      if (index >= want.length) {
        continue;
      }
      const media = await download(e.url);
      const before = e.part ? (partsSoFar.get(e.segment) ?? []) : [];
      if (e.part) {
        partsSoFar.set(e.segment, [...before, media]);
      }
      const path = join(dir, `${read++}.mp4`);
      writeFileSync(path, Buffer.concat([await download(e.map), ...before, media]));
      const p = await probeSegment(path);
      const decoded = await decodeVideo(path);
      const detail = `${e.url.pathname} with ${e.map.pathname}: ${p.video?.codec_name} ${p.videoPackets} packets, ${decoded.frames} decoded ${decoded.errors}`;
      assert.equal(p.video?.codec_name, want[index], detail);
      assert.deepEqual([p.video?.width, p.video?.height], [640, 360], detail);
      assert.ok(p.videoPackets > 0 && decoded.frames === p.videoPackets, detail);
      assert.equal(decoded.errors, '', detail);
      if (!e.part) {
        assert.ok(p.startsWithKeyframe, detail);
        assert.ok(Math.abs(p.videoDurationSec - 2) < 0.05, detail);
        assert.equal(p.audio, undefined, detail); // CMAF: audio has its own rendition
      }
    }
    t.diagnostic(`${read} files read by ffprobe (segments and parts) across two codec switches`);

    const diagnosis = await h.api<{ steps: { step: string; detail?: string }[] }>(
      `/api/streams/${live.body.streamId}/diagnosis`,
    );
    const changes = diagnosis.body.steps.filter((s) => s.step === 'codec-changed').map((s) => s.detail ?? '');
    // The capture loops every 12 s: later changes repeat the first two.
    assert.ok(changes.length >= 2, JSON.stringify(diagnosis.body.steps));
    assert.match(changes[0], /^H264 \+ PCMA → H265 \+ PCMA mid-stream/);
    assert.match(changes[1], /^H265 \+ PCMA → H264 \+ PCMA mid-stream/);
  },
);

test(
  'a Chromium WebRTC viewer keeps decoding through H.265 (transcoded to H.264) and back to H.264',
  { skip, timeout: 60_000 },
  async (t) => {
    browser = await launchChromium();
    const page = await MediaPage.open(browser, h.base);
    const live = await page.postLive(LIVE, h.token);
    assert.equal(live.status, 200);
    const stream = h.gw.streams.get(live.body.streamId)!;
    // Join while the camera sends H.264, as a viewer would have.
    await waitFor(() => stream.info.videoCodec === 'H264', 20_000, 'an H.264 phase');
    assert.equal((await page.whep()).status, 201);
    await page.waitWhep((s) => s.framesDecoded > 10, 5000);
    const phases: string[] = [];
    for (const codec of ['H265', 'H264'] as const) {
      await waitFor(() => stream.info.videoCodec === codec, 15_000, `the switch to ${codec}`);
      const at = await page.whepStats();
      await new Promise((r) => setTimeout(r, 2000)); // inside the 4 s phase
      const later = await page.whepStats();
      phases.push(
        `${codec}: ${at.framesDecoded} → ${later.framesDecoded} frames, ${later.frameWidth}x${later.frameHeight}`,
      );
      assert.ok(later.framesDecoded > at.framesDecoded + 25, phases.at(-1));
      assert.equal(later.connectionState, 'connected');
      assert.match(later.codec, /^video\/H264/);
    }
    for (const p of phases) {
      t.diagnostic(p);
    }
    const diagnosis = await h.api<{ steps: { step: string; detail?: string }[] }>(
      `/api/streams/${live.body.streamId}/diagnosis`,
    );
    assert.ok(
      !diagnosis.body.steps.some((s) => s.step === 'viewer-closed'),
      'the viewer was moved, not closed',
    );
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  },
);
