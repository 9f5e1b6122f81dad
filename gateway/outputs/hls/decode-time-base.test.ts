// The fragments' decode times (tfdt) against shaka-player's timestampOffset arithmetic
// (docs/fmp4.md §5). shaka 5.2 (lib/media/media_source_engine.js) puts the first segment of the
// window it joins at presentation time 0 and sets SourceBuffer.timestampOffset to
// x = 0 - tfdt/timescale; a negative x is written as x + 0.001, and before every later append it
// reads the offset back and resets it (abort(), losing every frame up to the next keyframe) when
// |read - x| >= 0.001. In doubles that difference is 0.001 rounded to the grid of x's binade:
// above 0.001 for |x| in (64, 256] s and other binades, so a stream whose tfdt counts from its
// own start played at 3.5 fps to a player joining 64-256 s after it started. Counting tfdt from
// the Unix epoch puts x in (2^30, 2^31] s, a binade where the difference is below 0.001.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CLOCK_HZ } from '../../../codecs/types.js';
import { HlsOutput } from './hls-output.js';
import { haveFfmpeg, interleave, makeClip, type TestClip } from '../../../test/helpers/media-clip.js';
import { checkCmafFragments, checkCmafHeader } from '../../../test/helpers/cmaf-check.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
/** A 4 s clip (2 s GOPs, A-law) looped with continuous timestamps, like the simulator's camera. */
let clip: TestClip | undefined;
const LOOPS = 900; // an hour of stream: joins in every binade from 1 s to 2048 s
const T0 = Date.UTC(2026, 11, 7, 22, 0, 0, 250);

before(() => {
  if (!skip) {
    clip = makeClip({ codec: 'H264', width: 160, height: 90, seconds: 4, audio: 'PCMA' });
  }
});

/** shaka-player 5.2: does every append after the first reset the SourceBuffer? */
function shakaResets(tfdtSec: number): boolean {
  const x = 0 - tfdtSec;
  const written = x < 0 ? x + 0.001 : x;
  return Math.abs(written - x) >= 0.001;
}

test('shakaResets models the float arithmetic that dropped frames (the failing run: joined at 154 s)', () => {
  assert.equal(shakaResets(154), true); // tfdt counted from the stream's start, joined at 154 s
  assert.equal(shakaResets(62), false); // the same-origin run that played at 25 fps
  assert.equal(shakaResets(0), false);
});

test(
  'a player joining at any segment of an hour-long stream gets a tfdt shaka keeps its offset for',
  { skip },
  () => {
    const out = new HlsOutput({ windowSegments: 2000, now: () => nowMs });
    let nowMs = T0;
    const period = clip!.video.length * 3600; // 25 fps
    for (let loop = 0; loop < LOOPS; loop++) {
      for (const au of interleave(clip!, { start: 900_000 + loop * period })) {
        nowMs = T0 + ((au.dts - 900_000) * 1000) / CLOCK_HZ;
        out.sink.write(au);
      }
    }
    out.sink.close('stream-closed');
    const bad: string[] = [];
    const starts: number[] = [];
    let segments = 0;
    for (const [prefix, init] of [
      ['', out.init()!],
      ['a-', out.init('audio')!],
    ] as const) {
      const header = checkCmafHeader(init).info!;
      for (let i = 0; out.segment(`${prefix}${i}.m4s`); i++) {
        segments++;
        const first = checkCmafFragments(header, out.segment(`${prefix}${i}.m4s`)!, true).fragments[0];
        const tfdtSec = first.baseMediaDecodeTime / header.timescale;
        if (i === 0) {
          starts.push(tfdtSec);
        }
        if (shakaResets(tfdtSec)) {
          bad.push(`${prefix}${i}.m4s tfdt ${tfdtSec} s`);
        }
      }
    }
    assert.ok(segments >= 2 * 1790, `${segments} segments`);
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} join points where shaka resets at every part`);
    // both tracks start at the Unix second of the first video unit
    assert.deepEqual(starts, [Math.floor(T0 / 1000), Math.floor(T0 / 1000)]);
    out.close();
  },
);
