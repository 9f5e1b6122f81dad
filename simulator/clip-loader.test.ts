import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { vectorsDir } from '../test/helpers/paths.js';
import { annexBAccessUnits, buildClip, g711AccessUnits, loadClip } from './clip-loader.js';
import { DEFAULT_CLIPS, fixturePath } from './options.js';

test('the committed H.264 clips are 100 frames, 2 GOPs of 50, parameter sets on each IDR', () => {
  for (const name of DEFAULT_CLIPS) {
    const clip = loadClip(fixturePath(name));
    assert.equal(clip.video, 'H264');
    assert.equal(clip.frames, 100, name);
    assert.equal(clip.keyframes, 2, name);
    const first = clip.accessUnits[0];
    assert.equal(first.keyframe, true);
    assert.deepEqual(
      first.units.slice(0, 2).map((u) => u[0] & 0x1f),
      [7, 8],
      'SPS, PPS',
    );
    assert.equal(clip.accessUnits[99].dts, 99 * 3600);
  }
});

test('H.265 clip and G.711 audio: interleaved by DTS, audio fitted to the video length, loaded once', () => {
  const clip = loadClip(fixturePath('h265-testsrc2.h265'), fixturePath('sine660.g711u'));
  assert.equal(clip.video, 'H265');
  assert.equal(clip.audio, 'PCMU');
  assert.equal(clip.frames, 100);
  const audio = clip.accessUnits.filter((au) => au.codec === 'PCMU');
  assert.equal(audio.length, 100, '4 s of 40 ms frames');
  assert.ok(clip.accessUnits.every((au, i) => i === 0 || au.dts >= clip.accessUnits[i - 1].dts));
  assert.equal(loadClip(fixturePath('h265-testsrc2.h265'), fixturePath('sine660.g711u')), clip);
});

test('Annex-B grouping: AUD and first-slice boundaries; short audio is repeated, long audio cut', () => {
  const sc = [0, 0, 0, 1];
  const bytes = new Uint8Array([
    ...sc,
    0x09,
    0xf0,
    ...sc,
    0x67,
    1,
    ...sc,
    0x68,
    2,
    ...sc,
    0x65,
    0x88,
    ...sc,
    0x41,
    0x9a,
    ...sc,
    0x41,
    0x9b,
  ]);
  const aus = annexBAccessUnits(bytes, 'H264');
  assert.deepEqual(
    aus.map((a) => [a.keyframe, a.units.length, a.dts]),
    [
      [true, 3, 0],
      [false, 1, 3600],
      [false, 1, 7200],
    ],
  );
  const audio = g711AccessUnits(new Uint8Array(320 * 2 + 100), 'PCMA');
  assert.equal(audio.length, 2);
  const clip = buildClip(aus, audio);
  assert.equal(
    clip.accessUnits.filter((a) => a.codec === 'PCMA').length,
    3,
    '120 ms of video takes 3 frames of 40 ms',
  );
});

test(
  'an MPEG-PS capture is used as it is, with its own audio',
  { skip: !existsSync(join(vectorsDir, 'ms_h264_720p_g711a.ps')) && 'shared vectors absent' },
  () => {
    const clip = loadClip(join(vectorsDir, 'ms_h264_720p_g711a.ps'));
    assert.equal(clip.video, 'H264');
    assert.equal(clip.audio, 'PCMA');
    assert.ok(clip.keyframes > 0 && clip.frames > clip.keyframes);
  },
);
