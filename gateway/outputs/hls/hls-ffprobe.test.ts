// Acceptance: what HlsOutput writes is read by ffprobe/ffmpeg as the source was: codec and
// tag, picture size, 2 s segments, FLAC audio that decodes to exactly the G.711 samples; and
// both tracks pass the CMAF checker (test/helpers/cmaf-check.ts) segment by segment.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit } from '../../../codecs/types.js';
import { HlsOutput } from './hls-output.js';
import {
  audioBytes,
  demuxVector,
  haveFfmpeg,
  interleave,
  makeClip,
  run,
} from '../../../test/helpers/media-clip.js';
import { haveVectors } from '../../../test/helpers/paths.js';
import {
  checkCmafFragments,
  checkCmafHeader,
  checkTfdtContinuity,
  type CmafFragmentInfo,
} from '../../../test/helpers/cmaf-check.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Produced {
  init: Uint8Array;
  segments: Uint8Array[];
  audioInit: Uint8Array;
  audioSegments: Uint8Array[];
}

/** The wall clock of every output here (PROGRAM-DATE-TIME, and the tfdt's Unix second). */
const NOW_MS = Date.UTC(2026, 0, 1, 8, 0, 0, 500);

/** Everything an output makes from `aus`, the open segment flushed by closing the sink. */
function produce(aus: readonly AccessUnit[]): Produced {
  const out = new HlsOutput({ windowSegments: 1000, now: () => NOW_MS });
  for (const au of aus) {
    out.sink.write(au);
  }
  out.sink.close('stream-closed');
  const segments: Uint8Array[] = [];
  for (let i = 0; i < out.info.segments; i++) {
    segments.push(out.segment(`${i}.m4s`)!);
  }
  const audioSegments: Uint8Array[] = [];
  for (let i = 0; out.segment(`a-${i}.m4s`); i++) {
    audioSegments.push(out.segment(`a-${i}.m4s`)!);
  }
  const produced = { init: out.init()!, segments, audioInit: out.init('audio')!, audioSegments };
  out.close();
  return produced;
}

/** Both tracks, every segment: CMAF header and fragment rules, tfdt continuity, sync starts. */
function checkCmaf(p: Produced): void {
  for (const [init, segments] of [
    [p.init, p.segments],
    [p.audioInit, p.audioSegments],
  ] as const) {
    const header = checkCmafHeader(init);
    assert.deepEqual(header.problems, []);
    const all: CmafFragmentInfo[] = [];
    for (const seg of segments) {
      const r = checkCmafFragments(header.info!, seg, true);
      assert.deepEqual(r.problems, []);
      all.push(...r.fragments);
    }
    assert.deepEqual(checkTfdtContinuity(all), []);
    // the timeline starts at the Unix second of the first unit (docs/fmp4.md §5)
    assert.equal(all[0].baseMediaDecodeTime / header.info!.timescale, Math.floor(NOW_MS / 1000));
  }
}

interface Probe {
  streams: {
    codec_type: string;
    codec_name: string;
    codec_tag_string: string;
    width?: number;
    height?: number;
    sample_rate?: string;
    channels?: number;
  }[];
  packets: { codec_type: string; pts_time: string; duration_time: string; flags: string }[];
}

function probe(file: string): Probe {
  const r = run('ffprobe', ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'ffprobe complained');
  return JSON.parse(r.stdout.toString()) as Probe;
}

function check(
  name: string,
  p: Produced,
  expect: {
    codec: string;
    tag: string;
    width: number;
    height: number;
    g711: 'alaw' | 'mulaw';
    g711Bytes: Uint8Array;
    frames: number;
    audioSkipSamples?: number;
  },
): void {
  const dir = mkdtempSync(join(tmpdir(), `hls-probe-${name}-`));
  dirs.push(dir);
  assert.ok(p.segments.length >= 4, `only ${p.segments.length} segments`);
  checkCmaf(p);
  const audioFile = join(dir, 'audio.mp4');
  writeFileSync(audioFile, Buffer.concat([p.audioInit, ...p.audioSegments]));
  const a = probe(audioFile).streams.find((s) => s.codec_type === 'audio')!;
  assert.equal(a.codec_name, 'flac');
  assert.equal(a.sample_rate, '8000');
  assert.equal(a.channels, 1);
  p.segments.forEach((seg, i) => {
    const file = join(dir, `s${i}.mp4`);
    writeFileSync(file, Buffer.concat([p.init, seg]));
    const info = probe(file);
    const v = info.streams.find((s) => s.codec_type === 'video')!;
    assert.equal(info.streams.length, 1, 'a CMAF segment holds one track');
    assert.equal(v.codec_name, expect.codec);
    assert.equal(v.codec_tag_string, expect.tag);
    assert.deepEqual([v.width, v.height], [expect.width, expect.height]);
    const vp = info.packets.filter((x) => x.codec_type === 'video');
    assert.equal(vp[0].flags[0], 'K', `segment ${i} does not start with a keyframe`);
    const first = Number(vp[0].pts_time);
    const lastP = vp[vp.length - 1];
    const duration = Number(lastP.pts_time) + Number(lastP.duration_time) - first;
    if (i < p.segments.length - 1) {
      assert.ok(Math.abs(duration - 2) <= 0.1, `segment ${i}: ${duration} s`);
    }
    // decode times count from the Unix second of the first unit (docs/fmp4.md §5)
    const start = first - Math.floor(NOW_MS / 1000);
    assert.ok(Math.abs(start - 2 * i) < 0.001, `segment ${i} starts at ${start}`);
  });

  // The whole stream decodes without a single error, frame for frame.
  const all = join(dir, 'all.mp4');
  writeFileSync(all, Buffer.concat([p.init, ...p.segments]));
  const dec = run('ffmpeg', ['-v', 'error', '-xerror', '-i', all, '-map', '0:v', '-f', 'framecrc', '-']);
  assert.equal(dec.status, 0, dec.stderr);
  assert.equal(dec.stderr, '');
  const frames = dec.stdout
    .toString()
    .split('\n')
    .filter((l) => /^0,/.test(l));
  assert.equal(frames.length, expect.frames);

  // FLAC decodes to the very samples ffmpeg's own G.711 decoder gives.
  const pcm = run('ffmpeg', ['-v', 'error', '-i', audioFile, '-map', '0:a', '-f', 's16le', '-']);
  assert.equal(pcm.status, 0, pcm.stderr);
  writeFileSync(join(dir, 'a.g711'), expect.g711Bytes);
  const ref = run('ffmpeg', [
    '-v',
    'error',
    '-f',
    expect.g711,
    '-ar',
    '8000',
    '-ac',
    '1',
    '-i',
    join(dir, 'a.g711'),
    '-f',
    's16le',
    '-',
  ]);
  assert.equal(ref.status, 0, ref.stderr);
  // audio from before the first keyframe is cut; at most one partial 160-sample block is lost at the end
  const expected = ref.stdout.subarray(2 * (expect.audioSkipSamples ?? 0));
  assert.ok(
    pcm.stdout.length > expected.length - 160 * 2,
    `audio ${pcm.stdout.length} of ${expected.length} bytes`,
  );
  assert.ok(
    pcm.stdout.equals(expected.subarray(0, pcm.stdout.length)),
    'FLAC audio differs from the G.711 decode',
  );
}

const noVectors = skip || (!haveVectors() && !process.env.CI ? 'shared vectors missing' : false);

test(
  'vector ms_h264_720p_g711a.ps: h264/avc1 1280x720 + flac 8 kHz mono; 2 s segments; bit-exact audio',
  { skip: noVectors },
  () => {
    const aus = demuxVector('ms_h264_720p_g711a.ps');
    const g711Bytes = audioBytes(aus);
    assert.equal(g711Bytes.length, 79840);
    check('v264', produce(aus), {
      codec: 'h264',
      tag: 'avc1',
      width: 1280,
      height: 720,
      g711: 'alaw',
      g711Bytes,
      frames: 250,
    });
  },
);

test(
  'vector ms_h265_1080p_g711a.ps: hevc tagged hvc1 1920x1080, decodable, flac audio bit-exact',
  { skip: noVectors },
  () => {
    const aus = demuxVector('ms_h265_1080p_g711a.ps');
    check('v265', produce(aus), {
      codec: 'hevc',
      tag: 'hvc1',
      width: 1920,
      height: 1080,
      g711: 'alaw',
      g711Bytes: audioBytes(aus),
      frames: 250,
    });
  },
);

test('ffmpeg clip, H.265 + µ-law, timestamps starting near 2^32: same checks', { skip }, () => {
  const clip = makeClip({ codec: 'H265', width: 640, height: 360, seconds: 9, audio: 'PCMU' });
  // audio starts 40 ms (320 samples) before the first video frame
  const aus = interleave(clip, { start: 4_000_000_000, audioLead: 3600 });
  const expect = {
    codec: 'hevc',
    tag: 'hvc1',
    width: 640,
    height: 360,
    g711: 'mulaw' as const,
    g711Bytes: audioBytes(clip.audio),
    frames: 225,
    audioSkipSamples: 320,
  };
  check('h265', produce(aus), expect);
});
