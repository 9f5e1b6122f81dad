import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBoxes } from './box.js';
import { nalUnitSample } from './avcc-sample.js';
import { writeFragment } from './fragment.js';
import {
  CMAF_BRANDS,
  EXPORT_BRANDS,
  NON_SYNC_SAMPLE_FLAGS,
  SYNC_SAMPLE_FLAGS,
  writeInitSegment,
} from './init-segment.js';
import { g711SampleEntry } from './g711-entry.js';
import { checkCmafFragments, checkCmafHeader, checkTfdtContinuity } from '../../test/helpers/cmaf-check.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('one audio sample: every field of moof/traf/tfhd/tfdt/trun/mdat, byte for byte', () => {
  const bytes = writeFragment(5, [
    {
      trackId: 2,
      kind: 'audio',
      baseMediaDecodeTime: 0x1_0000_0010,
      samples: [{ duration: 160, data: new Uint8Array([0xaa, 0xbb]) }],
    },
  ]);
  assert.equal(
    hex(bytes),
    [
      '00000060',
      '6d6f6f66', // moof, 96 bytes
      '00000010',
      '6d666864',
      '00000000',
      '00000005', // mfhd v0, sequence_number 5
      '00000048',
      '74726166', // traf, 72 bytes
      '00000010',
      '74666864',
      '00020000',
      '00000002', // tfhd v0, flags default-base-is-moof, track 2
      '00000014',
      '74666474',
      '01000000',
      '00000001',
      '00000010', // tfdt v1, 64-bit decode time
      '0000001c',
      '7472756e',
      '00000301',
      '00000001', // trun v0, data-offset|duration|size, 1 sample
      '00000068', // data_offset 104 = moof (96) + mdat header (8)
      '000000a0',
      '00000002', // duration 160, size 2
      '0000000a',
      '6d646174',
      'aabb', // mdat
    ].join(''),
  );
});

test('video: per-sample flags and composition offsets; NAL units length-prefixed into the mdat', () => {
  const idr = [new Uint8Array([0x65, 0x88]), new Uint8Array([0x65, 0x01])];
  const slice = new Uint8Array([0, 0, 0, 2, 0x41, 0x9a]); // already length-prefixed
  const bytes = writeFragment(1, [
    {
      trackId: 1,
      kind: 'video',
      baseMediaDecodeTime: 0,
      samples: [
        { duration: 3600, flags: SYNC_SAMPLE_FLAGS, cto: 3600, data: nalUnitSample(idr) },
        { duration: 3600, flags: NON_SYNC_SAMPLE_FLAGS, cto: 0, data: slice },
      ],
    },
  ]);
  const [moof, mdat] = readBoxes(bytes);
  const trunAt = hex(bytes).indexOf(hex(new TextEncoder().encode('trun'))) / 2 - 4;
  assert.equal(
    hex(bytes.subarray(trunAt, trunAt + 52)),
    [
      '00000034',
      '7472756e',
      '00000f01',
      '00000002', // trun v0: offset|duration|size|flags|cto, 2 samples
      hex(new Uint8Array([0, 0, 0, moof.end + 8])), // data offset: right after the mdat header
      '00000e10',
      '0000000c',
      '02000000',
      '00000e10', // 3600, 12 bytes, sync, cto 3600
      '00000e10',
      '00000006',
      '01010000',
      '00000000', // 3600, 6 bytes, non-sync, cto 0
    ].join(''),
  );
  assert.equal(
    hex(bytes.subarray(mdat.start + 8, mdat.end)),
    '000000026588' + '000000026501' + '00000002419a',
  );
  // a negative composition offset needs trun version 1 (signed)
  const signed = writeFragment(1, [
    { trackId: 1, kind: 'video', baseMediaDecodeTime: 0, samples: [{ duration: 1, cto: -2, data: slice }] },
  ]);
  assert.equal(signed[hex(signed).indexOf('7472756e') / 2 + 4], 1);
});

test('two tracks in one moof: each trun points at its own bytes in the one mdat; empty runs are left out', () => {
  const bytes = writeFragment(9, [
    {
      trackId: 1,
      kind: 'video',
      baseMediaDecodeTime: 0,
      samples: [{ duration: 3600, flags: SYNC_SAMPLE_FLAGS, data: new Uint8Array([1, 1, 1]) }],
    },
    { trackId: 3, kind: 'audio', baseMediaDecodeTime: 0, samples: [] },
    {
      trackId: 2,
      kind: 'audio',
      baseMediaDecodeTime: 0,
      samples: [{ duration: 160, data: new Uint8Array([2, 2]) }],
    },
  ]);
  const [moof, mdat] = readBoxes(bytes);
  const trafs = readBoxes(bytes, moof.start + 8, moof.end).filter((b) => b.type === 'traf');
  assert.equal(trafs.length, 2);
  const offsets = trafs.map((t) => {
    const trun = readBoxes(bytes, t.start + 8, t.end).find((b) => b.type === 'trun')!;
    return new DataView(bytes.buffer).getInt32(trun.start + 16);
  });
  assert.deepEqual(
    offsets.map((o) => hex(bytes.subarray(moof.start + o, moof.start + o + (o === offsets[0] ? 3 : 2)))),
    ['010101', '0202'],
  );
  assert.equal(mdat.end, bytes.byteLength);
  assert.equal(writeFragment(1, []).byteLength, 0);
});

test('a CMAF header and its fragments pass the CMAF checker; an export header is not CMAF', () => {
  const entry = g711SampleEntry('ulaw');
  const init = writeInitSegment(CMAF_BRANDS, [
    { id: 2, kind: 'audio', timescale: 8000, sampleEntry: entry, defaultSampleFlags: SYNC_SAMPLE_FLAGS },
  ]);
  const header = checkCmafHeader(init);
  assert.deepEqual(header.problems, []);
  assert.deepEqual(header.info, {
    trackId: 2,
    handler: 'soun',
    timescale: 8000,
    defaultSampleFlags: SYNC_SAMPLE_FLAGS,
  });
  const frag = writeFragment(1, [
    {
      trackId: 2,
      kind: 'audio',
      baseMediaDecodeTime: 0,
      samples: [{ duration: 160, data: new Uint8Array(160) }],
    },
  ]);
  assert.deepEqual(checkCmafFragments(header.info, frag, true).problems, []);

  const both = writeInitSegment(EXPORT_BRANDS, [
    { id: 1, kind: 'video', timescale: 90000, width: 2, height: 2, sampleEntry: entry },
    { id: 2, kind: 'audio', timescale: 8000, sampleEntry: entry },
  ]);
  assert.deepEqual(checkCmafHeader(both).problems, [
    'ftyp brands isom,isom,iso6,mp41 lack cmfc',
    'a CMAF header holds one track; this one holds 2',
  ]);
});

test('the CMAF checker catches what it checks: tfhd flags, two trafs, a tfdt gap, a fragment starting non-sync', () => {
  const header = { trackId: 1, handler: 'vide', timescale: 90000, defaultSampleFlags: 0 };
  const video = (t: number, flags: number) => ({
    trackId: 1,
    kind: 'video' as const,
    baseMediaDecodeTime: t,
    samples: [{ duration: 3600, flags, data: new Uint8Array([0, 0, 0, 1, 0x65]) }],
  });
  const good = writeFragment(1, [video(0, SYNC_SAMPLE_FLAGS)]);
  assert.deepEqual(checkCmafFragments(header, good, true).problems, []);

  const noBaseIsMoof = good.slice();
  noBaseIsMoof[hex(good).indexOf('74666864') / 2 + 5] = 0; // tfhd flags byte 0x02 → 0
  assert.deepEqual(checkCmafFragments(header, noBaseIsMoof, true).problems, [
    'moof 1: tfhd lacks default-base-is-moof',
  ]);

  const twoTrafs = writeFragment(2, [video(0, SYNC_SAMPLE_FLAGS), video(3600, SYNC_SAMPLE_FLAGS)]);
  assert.deepEqual(checkCmafFragments(header, twoTrafs, true).problems, [
    'moof 2: a CMAF fragment has one traf, found 2',
  ]);

  const nonSync = writeFragment(3, [video(0, NON_SYNC_SAMPLE_FLAGS)]);
  assert.deepEqual(checkCmafFragments(header, nonSync, true).problems, [
    'a CMAF fragment (segment or independent part) must start with a sync sample',
  ]);
  assert.deepEqual(
    checkCmafFragments(header, nonSync, false).problems,
    [],
    'a dependent chunk may start non-sync',
  );

  const a = checkCmafFragments(header, writeFragment(4, [video(0, SYNC_SAMPLE_FLAGS)]), true).fragments;
  const b = checkCmafFragments(
    header,
    writeFragment(5, [video(3700, NON_SYNC_SAMPLE_FLAGS)]),
    false,
  ).fragments;
  assert.deepEqual(checkTfdtContinuity([...a, ...b]), [
    'fragment 5: tfdt 3700, expected 3600 (previous ends there)',
  ]);
});
