import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseH264Sps } from '../../../codecs/h264/sps.js';
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { Stream } from '../../hub/stream.js';
import { FlvReader } from './flv-reader.js';
import { makeClip, type TestClip } from '../../../test/helpers/media-clip.js';
import { pace } from '../../../test/helpers/clip-pacer.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { ffmpegArgs, h264LevelFor, H265Transcoder } from './transcoder.js';

let clip: TestClip;

before(() => {
  clip = makeClip({ codec: 'H265', width: 640, height: 360, seconds: 4, gop: 25 });
});

test('FlvReader gives the same frames however the byte stream is chunked', () => {
  const header = [0x46, 0x4c, 0x56, 0x01, 0x01, 0, 0, 0, 9, 0, 0, 0, 0]; // 'FLV' v1 video, DataOffset 9, PreviousTagSize0
  const videoTag = (frameType: number, ts: number, nals: number[][]) => {
    const body = [(frameType << 4) | 7, 1, 0, 0, 0]; // AVC, AVCPacketType 1 (NALU), composition time 0
    for (const n of nals) {
      body.push(0, 0, 0, n.length, ...n);
    }
    const tag = [9, 0, 0, body.length, 0, 0, ts, 0, 0, 0, 0, ...body];
    return [...tag, 0, 0, 0, tag.length];
  };
  const script = [18, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0, 13]; // onMetaData-like tag, skipped
  const bytes = Buffer.from([
    ...header,
    ...script,
    ...videoTag(1, 0, [
      [0x67, 0x42, 0xc0, 0x1e],
      [0x68, 0xce],
      [0x65, 0x88, 0x84],
    ]),
    ...videoTag(2, 40, [[0x41, 0x9a, 0x02]]),
  ]);
  const expected = [
    {
      keyframe: true,
      timestampMs: 0,
      units: [
        [0x67, 0x42, 0xc0, 0x1e],
        [0x68, 0xce],
        [0x65, 0x88, 0x84],
      ],
    },
    { keyframe: false, timestampMs: 40, units: [[0x41, 0x9a, 0x02]] },
  ];
  const read = (chunks: Buffer[]) => {
    const got: unknown[] = [];
    const r = new FlvReader((f) =>
      got.push({ keyframe: f.keyframe, timestampMs: f.timestampMs, units: f.units.map((u) => [...u]) }),
    );
    for (const c of chunks) {
      r.push(c);
    }
    return got;
  };
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(read([bytes.subarray(0, cut), bytes.subarray(cut)]), expected, `split at ${cut}`);
  }
  assert.deepEqual(read([...bytes].map((b) => Buffer.from([b]))), expected);
});

test('the ffmpeg command keeps frames 1:1 and IDRs where the camera had them', () => {
  const args = ffmpegArgs(['-crf', '30']).join(' ');
  for (const needle of [
    '-fps_mode passthrough',
    '-force_key_frames source',
    '-bf 0',
    '-tune zerolatency',
    '-f flv',
    '-profile:v baseline',
  ]) {
    assert.ok(args.includes(needle), needle);
  }
  assert.ok(!args.includes('nobuffer'));
  assert.ok(ffmpegArgs([], '4.0').join(' ').includes('-profile:v baseline -level:v 4.0'));
});

test('the level follows the picture size (H.264 Table A-1), so HLS can name the codec before ffmpeg runs', () => {
  assert.deepEqual(h264LevelFor(640, 360), { level: '3.0', codecString: 'avc1.42C01E' });
  assert.deepEqual(h264LevelFor(1280, 720), { level: '3.1', codecString: 'avc1.42C01F' });
  assert.deepEqual(h264LevelFor(1920, 1080), { level: '4.0', codecString: 'avc1.42C028' });
  assert.deepEqual(h264LevelFor(2560, 1440), { level: '5.1', codecString: 'avc1.42C033' });
});

const transcoder = new H265Transcoder({ idleStopMs: 100 });
after(() => transcoder.closeAll());

test(
  'an H.265 stream comes out as timed H.264 with IDRs on the source keyframes, and ffmpeg stops with its last viewer',
  { timeout: 30_000 },
  async () => {
    const source = new Stream({
      id: 'cam265',
      source: { start: async () => {}, stop: () => {} },
      idleStopMs: Infinity,
      noMediaTimeoutMs: 0,
    });
    const publishedAt = new Map<number, number>();
    const stopPacing = pace(clip, {
      publish: (au) => {
        publishedAt.set(au.pts, performance.now());
        source.publish(au);
      },
    });
    const got: AccessUnit[] = [];
    const delays: number[] = [];
    try {
      await waitFor(() => source.info.keyframes > 0, 3000, 'the camera stream');
      const view = transcoder.h264View(source);
      assert.equal(transcoder.h264View(source), view, 'one view per stream');
      const unsubscribe = view.subscribe({
        id: 'rec',
        write: (au) => {
          got.push(au);
          const at = publishedAt.get(au.pts);
          if (at !== undefined && au.codec === 'H264') {
            delays.push(performance.now() - at);
          }
        },
        close: () => {},
      });
      await waitFor(() => got.filter((au) => au.codec === 'H264').length >= 50, 10_000, '50 H.264 frames');
      assert.equal(source.info.viewers, 1, 'the transcoder counts as a viewer of the camera stream');
      const video = got.filter((au) => au.codec === 'H264');
      assert.ok(video.length >= 50, `H.264 AUs: ${video.length}`);
      assert.equal(video[0].keyframe, true);
      const sps = parseH264Sps(video[0].units.find((u) => (u[0] & 0x1f) === 7)!);
      assert.deepEqual([sps?.width, sps?.height, sps?.profileIdc], [640, 360, 66]);
      for (let i = 1; i < video.length; i++) {
        assert.equal(video[i].pts - video[i - 1].pts, 3600, `frame ${i} follows the source clock`);
      }
      // The source has an IDR every 25 frames (pts a multiple of CLOCK_HZ); so must the output.
      for (const au of video) {
        assert.equal(au.keyframe, au.pts % CLOCK_HZ === 0, `keyframe flag at pts ${au.pts}`);
      }
      delays.sort((a, b) => a - b);
      const median = delays[Math.floor(delays.length / 2)];
      process.stdout.write(
        `transcoder: ${video.length} frames, delay median ${median.toFixed(0)} ms, max ${delays.at(-1)!.toFixed(0)} ms\n`,
      );
      assert.ok(median < 400, `median transcode delay ${median} ms`);
      unsubscribe();
      await waitFor(() => transcoder.active === 0, 3000, 'ffmpeg stopped after idleStopMs');
      assert.equal(source.info.viewers, 0);
      assert.notEqual(transcoder.h264View(source), view, 'a closed view is replaced on next use');
    } finally {
      stopPacing();
      source.close('test-end');
    }
  },
);
