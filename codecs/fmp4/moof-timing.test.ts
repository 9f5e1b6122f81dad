import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBoxes } from './box.js';
import { writeFragment } from './fragment.js';
import { trackTimingOfMoof } from './moof-timing.js';
import { seededRandom, randomInt } from '../../test/helpers/random.js';

const moofOf = (fragment: Uint8Array): Uint8Array => {
  const moof = readBoxes(fragment)[0];
  return fragment.subarray(moof.start, moof.end);
};

test('a hand-made moof: tfdt v0, default duration from tfhd, trun without durations', () => {
  const bytes = Buffer.from(
    [
      '00000054',
      '6d6f6f66', // moof, 84 bytes
      '00000010',
      '6d666864',
      '00000000',
      '00000001', // mfhd v0, sequence 1
      '0000003c',
      '74726166', // traf, 60 bytes
      '00000014',
      '74666864',
      '00000008',
      '00000001',
      '00000e10', // tfhd flags default-sample-duration, track 1, 3600
      '00000010',
      '74666474',
      '00000000',
      '00015f90', // tfdt v0, 90000
      '00000010',
      '7472756e',
      '00000000',
      '00000003', // trun no per-sample fields, 3 samples
    ].join(''),
    'hex',
  );
  assert.deepEqual(trackTimingOfMoof(bytes, 1), { start: 90_000, duration: 3 * 3600, samples: 3 });
  assert.equal(trackTimingOfMoof(bytes, 2), undefined, 'no traf of track 2');
});

test('round trip with the fragment writer: video and audio trafs, 64-bit tfdt', () => {
  const fragment = writeFragment(7, [
    {
      trackId: 1,
      kind: 'video',
      baseMediaDecodeTime: 0x1_0000_0000 + 1800,
      samples: [
        { duration: 3600, flags: 0, cto: 0, data: new Uint8Array(10) },
        { duration: 3603, flags: 0, cto: 3600, data: new Uint8Array(4) },
      ],
    },
    {
      trackId: 2,
      kind: 'audio',
      baseMediaDecodeTime: 400,
      samples: [{ duration: 320, data: new Uint8Array(320) }],
    },
  ]);
  assert.deepEqual(trackTimingOfMoof(moofOf(fragment), 1), {
    start: 0x1_0000_0000 + 1800,
    duration: 7203,
    samples: 2,
  });
  assert.deepEqual(trackTimingOfMoof(moofOf(fragment), 2), { start: 400, duration: 320, samples: 1 });
});

test('cut or corrupted moofs give undefined or a value, never a throw', () => {
  const fragment = writeFragment(1, [
    {
      trackId: 1,
      kind: 'video',
      baseMediaDecodeTime: 0,
      samples: Array.from({ length: 20 }, () => ({
        duration: 3600,
        flags: 0,
        cto: 0,
        data: new Uint8Array(3),
      })),
    },
  ]);
  const moof = moofOf(fragment);
  const rand = seededRandom(16);
  for (let i = 0; i < 2000; i++) {
    const copy = Uint8Array.from(moof.subarray(0, randomInt(rand, 0, moof.byteLength)));
    for (let k = randomInt(rand, 0, 4); k > 0 && copy.byteLength > 0; k--) {
      copy[randomInt(rand, 0, copy.byteLength - 1)] = randomInt(rand, 0, 255);
    }
    assert.doesNotThrow(() => trackTimingOfMoof(copy, 1));
  }
  assert.equal(trackTimingOfMoof(moof.subarray(0, moof.byteLength - 4), 1), undefined, 'a cut trun');
});
