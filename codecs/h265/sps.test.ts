import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addEmulationPrevention } from '../bytes/start-codes.js';
import { fromHex } from '../bytes/hex.js';
import { parseH265Sps } from './sps.js';
import { describeH265, h265CodecString } from './describe.js';
import {
  NalType,
  isFirstSlice,
  isKeyframe,
  isKeyframeNal,
  isPlausibleH265Header,
  isVcl,
  nalType,
  startsAccessUnit,
} from './nal.js';

// x265 SPS of the H.265 vectors (ffprobe: Main, level 120, 1920x1080 from 1920x1088 coded).
const SPS_1080P = fromHex(`
  42 01               // type 33 (SPS), layer 0, tid 1
  01                  // sps_video_parameter_set_id 0, max_sub_layers_minus1 0, temporal_id_nesting 1
  01                  // profile_space 0, tier 0, profile_idc 1 (Main)
  60 00 00 03 00      // compatibility flags 1 and 2 (with one emulation-prevention 03)
  90 00 00 03 00 00 03 00  // constraint flags: progressive_source, frame_only (two 03s)
  78                  // general_level_idc 120
  a0 03 c0 80 11 07 cb 96 e9 29 30 bc 05 a0 20 00 00 03 00 20 00 00 03 03 21
`);

test('x265 1080p SPS: profile_tier_level fields for hvcC, and the size after the conformance window', () => {
  assert.deepEqual(parseH265Sps(SPS_1080P), {
    generalProfileSpace: 0,
    generalTierFlag: 0,
    generalProfileIdc: 1,
    generalProfileCompatibilityFlags: 0x60000000,
    generalConstraintIndicatorFlags: fromHex('90 00 00 00 00 00'),
    generalLevelIdc: 120,
    maxSubLayersMinus1: 0,
    temporalIdNestingFlag: true,
    spsId: 0,
    chromaFormatIdc: 1,
    bitDepthLumaMinus8: 0,
    bitDepthChromaMinus8: 0,
    width: 1920,
    height: 1080,
  });
});

test('describeH265 and the ISO/IEC 14496-15 E.3 codec string', () => {
  const units = [
    fromHex('40 01 0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 78 ba 02 40'),
    SPS_1080P,
  ];
  assert.deepEqual(describeH265(units), { codecString: 'hvc1.1.6.L120.90', width: 1920, height: 1080 });
  const base = {
    generalProfileSpace: 0,
    generalTierFlag: 0,
    generalProfileIdc: 1,
    generalProfileCompatibilityFlags: 0x60000000,
    generalLevelIdc: 93,
  };
  assert.equal(
    h265CodecString({ ...base, generalConstraintIndicatorFlags: fromHex('b0 00 00 00 00 00') }),
    'hvc1.1.6.L93.B0',
  );
  assert.equal(
    h265CodecString({
      ...base,
      generalProfileSpace: 1,
      generalProfileIdc: 4,
      generalProfileCompatibilityFlags: 0x08000000,
      generalTierFlag: 1,
      generalLevelIdc: 153,
      generalConstraintIndicatorFlags: fromHex('90 00 00 00 00 08'),
    }),
    'hvc1.A4.10.H153.90.0.0.0.0.8',
  );
  assert.equal(
    h265CodecString({ ...base, generalConstraintIndicatorFlags: new Uint8Array(6) }),
    'hvc1.1.6.L93',
    'all-zero constraint bytes are omitted',
  );
  assert.equal(describeH265([fromHex('26 01 af')]), undefined);
});

class Bits {
  private bits: number[] = [];
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) {
      this.bits.push(Math.floor(v / 2 ** i) % 2);
    }
    return this;
  }
  ue(v: number): this {
    const len = Math.floor(Math.log2(v + 1));
    return this.u(len, 0).u(len + 1, v + 1);
  }
  bytes(): Uint8Array {
    this.u(1, 1);
    while (this.bits.length % 8) {
      this.bits.push(0);
    }
    const out = new Uint8Array(this.bits.length / 8);
    this.bits.forEach((b, i) => (out[i >> 3] |= b << (7 - (i & 7))));
    return out;
  }
}

test('sub-layer profile_tier_level entries are skipped; 4:2:2 10-bit with a conformance window', () => {
  const b = new Bits()
    .u(16, 0x4201)
    .u(4, 0) // sps_video_parameter_set_id
    .u(3, 2) // sps_max_sub_layers_minus1
    .u(1, 0)
    .u(2, 0)
    .u(1, 1) // high tier
    .u(5, 4) // RExt
    .u(32, 0x08000000)
    .u(24, 0x900000)
    .u(24, 0x000001)
    .u(8, 150)
    .u(1, 1)
    .u(1, 1) // sub-layer 0: profile and level present
    .u(1, 0)
    .u(1, 1) // sub-layer 1: level only
    .u(2, 0)
    .u(2, 0)
    .u(2, 0)
    .u(2, 0)
    .u(2, 0)
    .u(2, 0); // reserved_zero_2bits for i = 2..7
  b.u(32, 0xffffffff).u(32, 0xffffffff).u(24, 0xffffff).u(8, 0xaa); // sub-layer 0 profile (88 bits) + level
  b.u(8, 0xbb); // sub-layer 1 level
  b.ue(5) // sps_seq_parameter_set_id
    .ue(2) // chroma_format_idc 4:2:2
    .ue(1288)
    .ue(728)
    .u(1, 1) // conformance_window_flag
    .ue(2) // left x SubWidthC 2
    .ue(2) // right
    .ue(3) // top x SubHeightC 1
    .ue(5) // bottom
    .ue(2) // bit_depth_luma_minus8
    .ue(2);
  const sps = parseH265Sps(addEmulationPrevention(b.bytes()));
  assert.ok(sps);
  assert.equal(sps.generalTierFlag, 1);
  assert.equal(sps.generalProfileIdc, 4);
  assert.deepEqual(sps.generalConstraintIndicatorFlags, fromHex('90 00 00 00 00 01'));
  assert.equal(sps.generalLevelIdc, 150);
  assert.equal(sps.maxSubLayersMinus1, 2);
  assert.equal(sps.spsId, 5);
  assert.equal(sps.chromaFormatIdc, 2);
  assert.equal(sps.width, 1288 - 8);
  assert.equal(sps.height, 728 - 8);
  assert.equal(sps.bitDepthLumaMinus8, 2);
  assert.equal(sps.bitDepthChromaMinus8, 2);
});

test('truncated or non-SPS input gives undefined', () => {
  for (let n = 0; n < 24; n++) {
    assert.equal(parseH265Sps(SPS_1080P.subarray(0, n)), undefined, `cut at ${n}`);
  }
  assert.equal(parseH265Sps(fromHex('44 01 c0 73 c1 89')), undefined);
});

test('NAL classes: 6-bit type, IRAP 16-21, first slice segment, access-unit starters', () => {
  assert.equal(nalType(0x26), NalType.IDR_W_RADL);
  assert.equal(nalType(0x46), NalType.AUD);
  assert.ok(isVcl(0) && isVcl(21) && !isVcl(32));
  assert.deepEqual([15, 16, 19, 21, 22].map(isKeyframeNal), [false, true, true, true, false]);
  assert.ok(isKeyframe([fromHex('40 01'), fromHex('2a 01 af')]), 'CRA is a random access point');
  assert.ok(isFirstSlice(fromHex('26 01 af')));
  assert.ok(!isFirstSlice(fromHex('02 01 50')));
  assert.deepEqual([32, 33, 34, 35, 39, 40, 41, 48, 36, 1].map(startsAccessUnit), [
    true,
    true,
    true,
    true,
    true,
    false,
    true,
    true,
    false,
    false,
  ]);
  assert.ok(isPlausibleH265Header(0x40, 0x01) && isPlausibleH265Header(0x02, 0x01));
  assert.ok(
    !isPlausibleH265Header(0x67, 0x4d) &&
      !isPlausibleH265Header(0x41, 0x9a) &&
      !isPlausibleH265Header(0x40, 0x00),
    'H.264 SPS and P slice, tid 0',
  );
});
