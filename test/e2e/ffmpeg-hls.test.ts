// A live stream's HLS read by the tools an integrator uses outside the browser (docs/fmp4.md §6):
// `ffmpeg -i <hls> -t 20 -c copy out.mkv` with Debian's ffmpeg reports no error and no warning
// except the one its HLS demuxer makes for every init segment it feeds again after a playlist
// reload; ffprobe reads both tracks of the result; and the live fMP4 of both renditions passes
// the CMAF checker (brands, tfhd flags, tfdt continuity, sample flags) segment after segment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { download, waitForSegments } from '../helpers/hls-probe.js';
import { haveFfmpeg, runAsync } from '../helpers/media-clip.js';
import {
  checkCmafFragments,
  checkCmafHeader,
  checkTfdtContinuity,
  type CmafFragmentInfo,
} from '../helpers/cmaf-check.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
let h: Harness;
let hls = '';
const dir = mkdtempSync(join(tmpdir(), 'ffmpeg-hls-'));

before(async () => {
  h = await startHarness({ simulator: { channels: 1 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 1);
  const live = await h.api<{ hls: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200);
  hls = h.base + live.body.hls;
  await waitForSegments(hls, 3, 20_000);
});
after(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'ffmpeg -i <hls> -t 20 -c copy out.mkv: no error, no warning but its own init re-reads; ffprobe reads both tracks',
  { skip, timeout: 90_000 },
  async (t) => {
    const out = join(dir, 'out.mkv');
    // The command as an integrator types it; -loglevel level+info only tags each line with its level.
    // Run asynchronously: the gateway it reads runs in this process.
    const r = await runAsync(
      'ffmpeg',
      ['-loglevel', 'level+info', '-i', hls, '-t', '20', '-c', 'copy', '-y', out],
      { timeoutMs: 80_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    const problems = lines.filter((l) => /\[(warning|error|fatal|panic)\]/.test(l));
    const moov = problems.filter((l) => l.includes('Found duplicated MOOV Atom. Skipped it'));
    const initOpens = lines.filter((l) =>
      /\[info\] Opening '[^']*init\.mp4[^']*' for reading/.test(l),
    ).length;
    t.diagnostic(
      `ffmpeg: ${initOpens} init segment reads (2 are the first of each rendition), ${moov.length} duplicated-moov warnings, ${problems.length - moov.length} other warnings or errors`,
    );
    assert.deepEqual(
      problems.filter((l) => !moov.includes(l)),
      [],
      'ffmpeg reported something other than its own init re-reads',
    );
    // every duplicated moov is an init segment read again after a reload, none is in our segments
    assert.ok(
      moov.length <= Math.max(0, initOpens - 2),
      `${moov.length} warnings for ${initOpens} init reads`,
    );

    const probe = await runAsync('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration'],
      ...['-of', 'json', out],
    ]);
    assert.equal(probe.stderr, '');
    const info = JSON.parse(probe.stdout) as {
      streams: { codec_type: string; codec_name: string }[];
      format: { duration: string };
    };
    assert.deepEqual(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), [
      'audio:flac',
      'video:h264',
    ]);
    assert.ok(Math.abs(Number(info.format.duration) - 20) < 1, `duration ${info.format.duration}`);
  },
);

test(
  'the live fMP4 of both renditions passes the CMAF checker, segment after segment',
  { timeout: 60_000 },
  async (t) => {
    for (const track of ['video', 'audio'] as const) {
      const playlist = await waitForSegments(hls, 4, 20_000, track);
      const header = checkCmafHeader(await download(playlist.init));
      assert.deepEqual(header.problems, [], `${track} header`);
      const fragments: CmafFragmentInfo[] = [];
      for (const seg of playlist.segments) {
        const r = checkCmafFragments(header.info!, await download(seg.url), true);
        assert.deepEqual(r.problems, [], `${track} ${seg.url.pathname}`);
        fragments.push(...r.fragments);
      }
      assert.deepEqual(checkTfdtContinuity(fragments), [], track);
      t.diagnostic(
        `${track}: ${playlist.segments.length} segments, ${fragments.length} fragments, CMAF clean`,
      );
    }
  },
);
