// Acceptance 5 of issue #16: cloud playback of a recorded range plays in Chromium with hls.js
// (a multivariant playlist over VOD playlists of byte ranges of the stored files, two files so a
// discontinuity is crossed), with its G.711 decoded as FLAC from the audio rendition, and seeks
// to the middle; the export of the range plays in Chromium's <video>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import { startHarness } from '../helpers/gateway-harness.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { probeRecording } from '../helpers/recording-checks.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const skip = browserSkipReason();

interface Rec {
  start: string;
  end: string;
  open: boolean;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<video id="v" muted playsinline style="width:320px"></video>
<video id="x" muted playsinline style="width:320px"></video>
<script src="/vendor/hls.min.js"></script>
<script>
  window.errors = [];
  window.playHls = (url) => {
    const v = document.getElementById('v');
    const hls = new Hls();
    window.codecs = {};
    hls.on(Hls.Events.BUFFER_CODECS, (_e, d) => { for (const [k, t] of Object.entries(d)) window.codecs[k] = t.codec; });
    hls.on(Hls.Events.ERROR, (_e, d) => window.errors.push((d.fatal ? 'FATAL ' : '') + d.details + ' ' + (d.reason || d.error?.message || '')));
    hls.loadSource(url);
    hls.attachMedia(v);
    v.play().catch((e) => window.errors.push('play: ' + e.message));
  };
  window.playFile = (url) => {
    const x = document.getElementById('x');
    x.onerror = () => window.errors.push('export: ' + (x.error && x.error.message));
    x.src = url;
    x.play().catch((e) => window.errors.push('play export: ' + e.message));
  };
  window.sample = (id) => {
    const v = document.getElementById(id);
    return { t: v.currentTime, d: v.duration, w: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames, audio: v.webkitAudioDecodedByteCount, codecs: window.codecs, errors: window.errors };
  };
</script>`;

test(
  'cloud playback in hls.js seeks to the middle; the export plays in <video>',
  { skip, timeout: 120_000 },
  async () => {
    const h = await startHarness({
      gateway: { 'record-slice': 6, 'record-min-free': 0 },
      simulator: { channels: 1 },
    });
    const browser = await launchChromium();
    try {
      await h.waitForChannels(DEVICE, 1);
      const plan = `/api/devices/${DEVICE}/channels/${CHANNEL}/recording-plan`;
      await h.api(plan, { method: 'PUT', body: JSON.stringify({ mode: 'always' }) });
      await waitFor(
        async () =>
          (await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body.filter((r) => !r.open).length >= 2,
        40_000,
        'two closed files',
      );
      await h.api(plan, { method: 'PUT', body: JSON.stringify({ mode: 'off' }) });
      const recs = await waitFor(
        async () => {
          const r = (await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body;
          return r.every((x) => !x.open) ? r : undefined;
        },
        10_000,
        'files closed',
      );
      const start = recs[0].start;
      const end = recs[recs.length - 1].end;
      const spanSec = (Date.parse(end) - Date.parse(start)) / 1000;
      const answer = await h.api<{ hls: string }>(
        `/api/devices/${DEVICE}/channels/${CHANNEL}/cloud-playback`,
        {
          method: 'POST',
          body: JSON.stringify({ start, end }),
        },
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      // A multivariant playlist: the video-only variant and the FLAC audio rendition.
      const index = new URL(answer.body.hls, h.base);
      const multivariant = await (await fetch(index)).text();
      const audioUri = /#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="([^"]+)"/.exec(multivariant)?.[1];
      const videoUri = /#EXT-X-STREAM-INF:[^\n]*AUDIO="audio"[^\n]*\n([^\n]+)/.exec(multivariant)?.[1];
      assert.ok(audioUri && videoUri, multivariant);
      const audioList = await (await fetch(new URL(audioUri, index))).text();
      assert.match(audioList, /#EXT-X-BYTERANGE:\d+@\d+\n\/api\/recordings\/[^/]+\/audio\?token=/);
      const playlist = await (await fetch(new URL(videoUri, index))).text();
      assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
      assert.match(playlist, /#EXT-X-BYTERANGE:\d+@\d+/);
      assert.match(playlist, /#EXT-X-MAP:URI="[^"]+",BYTERANGE="\d+@0"/);
      assert.match(playlist, /#EXT-X-DISCONTINUITY/, 'two files: a discontinuity');
      assert.match(playlist, /#EXT-X-ENDLIST/);

      const page = await browser.newPage();
      await page.goto(`${h.base}/openapi.json`);
      await page.setContent(PAGE);
      await page.evaluate(
        (url) => (window as unknown as { playHls(u: string): void }).playHls(url),
        answer.body.hls,
      );
      type Sample = {
        t: number;
        d: number;
        w: number;
        frames: number;
        audio: number;
        codecs: Record<string, string>;
        errors: string[];
      };
      const sample = (id: string) =>
        page.evaluate((i) => (window as unknown as { sample(i: string): Sample }).sample(i), id);
      const before = await waitFor(
        async () => {
          const x = await sample('v');
          return x.t > 1 && x.audio > 0 ? x : undefined;
        },
        20_000,
        'hls.js playing with sound',
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(await sample('v'))}`);
      });
      const middle = spanSec / 2;
      await page.evaluate((t) => {
        (document.getElementById('v') as HTMLVideoElement).currentTime = t;
      }, middle);
      const afterSeek = await waitFor(
        async () => {
          const s = await sample('v');
          return s.t > middle + 0.5 && s.audio > before.audio ? s : undefined;
        },
        20_000,
        'playing after the seek',
      );
      console.log(
        `# hls.js: span ${spanSec.toFixed(1)} s, duration ${afterSeek.d.toFixed(1)} s, at ${afterSeek.t.toFixed(1)} s after seeking to ${middle.toFixed(1)} s, ${afterSeek.frames} frames, ${afterSeek.audio} audio bytes decoded, codecs ${JSON.stringify(afterSeek.codecs)}, errors ${JSON.stringify(afterSeek.errors)}`,
      );
      assert.equal(afterSeek.codecs.audio?.toLowerCase(), 'flac', 'the audio rendition is FLAC');
      assert.ok(afterSeek.t < middle + 8, 'it went to the middle, not elsewhere');
      assert.ok(Math.abs(afterSeek.d - spanSec) < 2.5, `duration ${afterSeek.d} s for a ${spanSec} s range`);
      assert.ok(!afterSeek.errors.some((e) => e.startsWith('FATAL')), afterSeek.errors.join('; '));

      const token = new URL(answer.body.hls, h.base).searchParams.get('token')!;
      const exported0 = await fetch(
        `${h.base}/api/devices/${DEVICE}/channels/${CHANNEL}/cloud/export?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
        { headers: { Authorization: `Bearer ${h.token}` } },
      );
      const dir = mkdtempSync(join(tmpdir(), 'gb-export-'));
      writeFileSync(join(dir, 'e.mp4'), Buffer.from(await exported0.arrayBuffer()));
      const probe = await probeRecording(join(dir, 'e.mp4'));
      rmSync(dir, { recursive: true, force: true });
      console.log(
        `# export: ${probe.videoSec.toFixed(2)} s of video for a ${spanSec.toFixed(2)} s range, audio ${probe.audio?.codec}`,
      );
      assert.equal(probe.errors, '');
      assert.equal(probe.nonMonotonic, undefined);
      assert.ok(Math.abs(probe.videoSec - spanSec) < 1, 'the export lasts the range');
      const exportUrl = `/api/devices/${DEVICE}/channels/${CHANNEL}/cloud/export?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&token=${encodeURIComponent(token)}`;
      await page.evaluate(
        (url) => (window as unknown as { playFile(u: string): void }).playFile(url),
        exportUrl,
      );
      const exported = await waitFor(
        async () => {
          const s = await sample('x');
          return s.t > 2 ? s : undefined;
        },
        20_000,
        'the export playing',
      );
      console.log(
        `# export in <video>: duration ${exported.d.toFixed(1)} s, width ${exported.w}, errors ${JSON.stringify(exported.errors)}`,
      );
      assert.ok(exported.w > 0);
      await sleep(0);
    } finally {
      await browser.close();
      await h.close();
    }
  },
);
