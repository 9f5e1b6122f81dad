import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvcCBox, hvc1SampleEntry, type HevcDecoderConfig } from './hvcc.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Main profile, Main tier, level 4 (general_level_idc 120), 4:2:0, 8 bit, as x265 writes
// for 1080p; the VPS/SPS/PPS bodies are shortened stand-ins.
const config: HevcDecoderConfig = {
  generalProfileSpace: 0,
  generalTierFlag: 0,
  generalProfileIdc: 1,
  generalProfileCompatibilityFlags: 0x60000000,
  generalConstraintIndicatorFlags: new Uint8Array([0x90, 0, 0, 0, 0, 0]),
  generalLevelIdc: 120,
  chromaFormatIdc: 1,
  bitDepthLumaMinus8: 0,
  bitDepthChromaMinus8: 0,
  numTemporalLayers: 1,
  temporalIdNested: true,
  vps: [new Uint8Array([0x40, 0x01, 0x0c])],
  sps: [new Uint8Array([0x42, 0x01, 0x01, 0x01])],
  pps: [new Uint8Array([0x44, 0x01, 0xc1])],
};

test('hvcC follows ISO/IEC 14496-15 §8.3.3.1 field by field', () => {
  const b = hvcCBox(config);
  const expected =
    '00000038' +
    '68766343' + // size 56, 'hvcC'
    '01' + //                     configurationVersion
    '01' + //                     profile_space 0, tier 0, profile_idc 1
    '60000000' + //               compatibility flags 1 and 2
    '900000000000' + //           progressive_source, frame_only_constraint
    '78' + //                     level_idc 120
    'f000' + //                   reserved 1111 + min_spatial_segmentation_idc 0
    'fc' + //                     reserved 111111 + parallelismType 0
    'fd' + //                     reserved 111111 + chroma_format_idc 1
    'f8' +
    'f8' + //              reserved 11111 + bit depth luma/chroma minus 8
    '0000' + //                   avgFrameRate
    '0f' + //                     constantFrameRate 0, 1 temporal layer, nested, lengthSizeMinusOne 3
    '03' + //                     numOfArrays
    'a0' +
    '0001' +
    '0003' +
    '40010c' + //   complete, VPS (32): one NAL of 3 bytes
    'a1' +
    '0001' +
    '0004' +
    '42010101' + // complete, SPS (33)
    'a2' +
    '0001' +
    '0003' +
    '4401c1'; //    complete, PPS (34)
  assert.equal(hex(b), expected);
});

test('hvc1 sample entry: 78-byte VisualSampleEntry with width/height, then hvcC', () => {
  const e = hvc1SampleEntry(1920, 1080, config);
  assert.equal(hex(e.subarray(4, 8)), '68766331'); // 'hvc1'
  assert.equal(hex(e.subarray(8, 16)), '0000000000000001'); // reserved, data_reference_index 1
  assert.equal(hex(e.subarray(32, 36)), '07800438'); // 1920 x 1080
  assert.equal(hex(e.subarray(36, 44)), '0048000000480000'); // 72 dpi
  assert.equal(hex(e.subarray(48, 50)), '0001'); // frame_count
  assert.equal(hex(e.subarray(82, 86)), '0018ffff'); // depth 24, pre_defined -1
  assert.equal(hex(e.subarray(90, 94)), '68766343'); // child 'hvcC' right after 8 + 78
  assert.equal(e.byteLength, 8 + 78 + 56);
});

test('empty parameter-set arrays are left out and counted correctly', () => {
  const b = hvcCBox({ ...config, vps: [], numTemporalLayers: undefined, temporalIdNested: false });
  assert.equal(b[8 + 21], 0x03);
  assert.equal(b[8 + 22], 2);
  assert.equal(b[8 + 23], 0xa1);
});
