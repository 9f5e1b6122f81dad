// Acceptance over the shared vectors (../shared/vectors/manifest.json): every PS file
// demuxes to its listed codec, size, frame counts and audio bytes, whether fed whole or in
// chunks of 1, 7, 188, 1400 bytes or of seeded random sizes, and every chunking yields the
// same access units byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../types.js';
import { loadManifest, loadVector } from '../../test/helpers/paths.js';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { describeH264 } from '../h264/describe.js';
import { describeH265 } from '../h265/describe.js';
import { PsDemuxer } from './demuxer.js';

interface Summary {
  video: string | null;
  width: number | null;
  height: number | null;
  videoFrames: number;
  keyframes: number;
  audio: string | null;
  audioBytes: number;
}

/** Everything about the output in a comparable form: a summary plus a digest of every AU. */
function run(pieces: Iterable<Uint8Array>): { summary: Summary; digest: string } {
  const d = new PsDemuxer();
  const s: Summary = {
    video: null,
    width: null,
    height: null,
    videoFrames: 0,
    keyframes: 0,
    audio: null,
    audioBytes: 0,
  };
  let hash = 0x811c9dc5; // FNV-1a over every unit byte and each AU's timestamps and flags
  const mix = (v: number) => {
    hash = Math.imul(hash ^ (v & 0xff), 0x01000193);
  };
  const take = (aus: AccessUnit[]) => {
    for (const au of aus) {
      mix(au.pts);
      mix(au.pts / 256);
      mix(au.dts);
      mix(au.keyframe ? 1 : 0);
      for (const u of au.units) {
        mix(u.length);
        for (let i = 0; i < u.length; i += 7) {
          mix(u[i]);
        }
      }
      if (au.codec === 'H264' || au.codec === 'H265') {
        s.video ??= au.codec;
        s.videoFrames++;
        if (!au.keyframe) {
          continue;
        }
        s.keyframes++;
        if (s.width === null) {
          const desc = au.codec === 'H264' ? describeH264(au.units) : describeH265(au.units);
          s.width = desc?.width ?? null;
          s.height = desc?.height ?? null;
        }
      } else {
        s.audio ??= au.codec;
        for (const u of au.units) {
          s.audioBytes += u.length;
        }
      }
    }
  };
  for (const payload of pieces) {
    take(d.push({ payload }));
  }
  take(d.flush());
  assert.equal(d.stats.resyncs, 0);
  assert.equal(d.stats.droppedBytes, 0);
  return { summary: s, digest: (hash >>> 0).toString(16) };
}

function* fixed(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

const manifest = loadManifest();
const SEED = 0x5eed;

for (const [name, want] of Object.entries(manifest.files)) {
  test(`vector ${name}: manifest figures, whole and in chunks of 1, 7, 188, 1400 and random sizes`, () => {
    const bytes = loadVector(name);
    const expected: Summary = {
      video: want.video,
      width: want.width,
      height: want.height,
      videoFrames: want.videoFrames,
      keyframes: want.keyframes,
      audio: want.audio,
      audioBytes: want.audioBytes,
    };
    const whole = run([bytes]);
    assert.deepEqual(whole.summary, expected, 'whole file');
    for (const size of [1, 7, 188, 1400]) {
      assert.deepEqual(run(fixed(bytes, size)), whole, `chunks of ${size}`);
    }
    const rand = seededRandom(SEED);
    assert.deepEqual(run(chunk(bytes, () => randomInt(rand, 1, 4096))), whole, `random chunks, seed ${SEED}`);
  });
}
