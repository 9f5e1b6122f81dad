import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nalUnitSample } from '../../../codecs/fmp4/avcc-sample.js';
import { readBoxes } from '../../../codecs/fmp4/box.js';
import { audioRuns, buildFragment, videoRun } from './fragment.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const idr = [new Uint8Array([0x65, 0x88, 0x84]), new Uint8Array([0x65, 0x00])];
const slice = [new Uint8Array([0x41, 0x9a])];

test('NAL-unit samples are length-prefixed straight into the mdat, byte-equal to prefixed ones', () => {
  const prefixed = [
    Uint8Array.from(Buffer.from('00000003658884' + '000000026500', 'hex')),
    Uint8Array.from(Buffer.from('00000002419a', 'hex')),
  ];
  const sample = (i: number, data: Uint8Array | ReturnType<typeof nalUnitSample>) => ({
    dts: 3600 * i,
    duration: 3600,
    cto: 0,
    keyframe: i === 0,
    data,
  });
  const audio = audioRuns([{ kind: 'audio', time: 0, duration: 160, data: new Uint8Array([0xff, 0xf8]) }]);
  const fromBytes = buildFragment(7, [videoRun([sample(0, prefixed[0]), sample(1, prefixed[1])]), ...audio]);
  const fromUnits = buildFragment(7, [
    videoRun([sample(0, nalUnitSample(idr)), sample(1, nalUnitSample(slice))]),
    ...audio,
  ]);
  assert.deepEqual(fromUnits.bytes, fromBytes.bytes);
  assert.equal(fromUnits.nextSequence, 9);
  const boxes = readBoxes(fromUnits.bytes);
  assert.deepEqual(
    boxes.map((b) => b.type),
    ['moof', 'mdat', 'moof', 'mdat'],
  );
  assert.equal(boxes[boxes.length - 1].end, fromUnits.bytes.byteLength, 'one buffer, nothing left over');
  const [, videoMdat, , audioMdat] = boxes;
  assert.equal(
    hex(fromUnits.bytes.subarray(videoMdat.start, videoMdat.end)),
    '0000001b' + '6d646174' + '00000003658884' + '000000026500' + '00000002419a',
  );
  assert.equal(
    hex(fromUnits.bytes.subarray(audioMdat.start, audioMdat.end)),
    '0000000a' + '6d646174' + 'fff8',
  );
});

test('a parameter set skipped from the sample leaves only the slice in the mdat', () => {
  const sps = new Uint8Array([0x67, 0x42]);
  const data = nalUnitSample([sps, ...idr], (u) => u === sps);
  const { bytes } = buildFragment(1, [videoRun([{ dts: 0, duration: 3600, cto: 0, keyframe: true, data }])]);
  const mdat = readBoxes(bytes)[1];
  assert.equal(hex(bytes.subarray(mdat.start + 8, mdat.end)), '00000003658884' + '000000026500');
});
