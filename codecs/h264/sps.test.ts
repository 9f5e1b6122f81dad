import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addEmulationPrevention } from '../bytes/start-codes.js';
import { fromHex } from '../bytes/hex.js';
import { parseH264Sps } from './sps.js';
import { describeH264, h264CodecString } from './describe.js';
import {
  NalType,
  isFirstSlice,
  isKeyframe,
  isPlausibleH264Header,
  isVcl,
  nalType,
  startsAccessUnit,
} from './nal.js';

// x264 SPS of the ms_h264_720p vector (checked with ffprobe: Main@3.1, 1280x720, 25 fps).
const SPS_720P = fromHex(`
  67                  // forbidden 0, nal_ref_idc 3, nal_unit_type 7 (SPS)
  4d 40 1f            // profile_idc 77 (Main), constraint_set1_flag, level_idc 31
  da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c 83 c6 0c a8  // ue fields, VUI; one emulation-prevention 03
`);
// ms_h264_1080p: 1920x1088 coded, frame_crop_bottom_offset 4 (x2 rows) -> 1080.
const SPS_1080P = fromHex('67 4d 40 28 da 01 e0 08 9f 97 01 10 00 00 03 00 10 00 00 03 03 20 f1 83 2a');

test('x264 720p SPS: profile, level, size and VUI frame rate', () => {
  assert.deepEqual(parseH264Sps(SPS_720P), {
    profileIdc: 77,
    constraintFlags: 0x40,
    levelIdc: 31,
    spsId: 0,
    chromaFormatIdc: 1,
    bitDepthLumaMinus8: 0,
    bitDepthChromaMinus8: 0,
    frameMbsOnly: true,
    width: 1280,
    height: 720,
    sarWidth: 1,
    sarHeight: 1,
    frameRate: 25,
  });
});

test('x264 1080p SPS: frame cropping removes the 8 padding rows', () => {
  const sps = parseH264Sps(SPS_1080P);
  assert.equal(sps?.width, 1920);
  assert.equal(sps?.height, 1080);
  assert.equal(sps?.levelIdc, 40);
});

test("describeH264 gives avc1.PPCCLL from the SPS among a keyframe's units", () => {
  const units = [SPS_720P, fromHex('68 ef 3c 80'), fromHex('65 88 84 00')];
  assert.deepEqual(describeH264(units), { codecString: 'avc1.4D401F', width: 1280, height: 720 });
  assert.equal(describeH264([fromHex('41 9a 00')]), undefined, 'no SPS, no description');
  assert.equal(h264CodecString({ profileIdc: 0x42, constraintFlags: 0xe0, levelIdc: 0x1e }), 'avc1.42E01E');
});

/** MSB-first bit writer with exp-Golomb, to build SPS variants field by field. */
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
  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }
  bytes(): Uint8Array {
    this.u(1, 1); // rbsp_stop_one_bit
    while (this.bits.length % 8) {
      this.bits.push(0);
    }
    const out = new Uint8Array(this.bits.length / 8);
    this.bits.forEach((b, i) => (out[i >> 3] |= b << (7 - (i & 7))));
    return out;
  }
}

test('High 4:2:2 interlaced SPS with scaling lists, POC type 1, cropping and extended SAR', () => {
  const b = new Bits()
    .u(8, 0x67)
    .u(8, 122) // profile_idc High 4:2:2
    .u(8, 0)
    .u(8, 41)
    .ue(3) // seq_parameter_set_id
    .ue(2) // chroma_format_idc 4:2:2
    .ue(2) // bit_depth_luma_minus8
    .ue(2) // bit_depth_chroma_minus8
    .u(1, 0) // qpprime_y_zero_transform_bypass_flag
    .u(1, 1); // seq_scaling_matrix_present_flag
  for (let i = 0; i < 8; i++) {
    b.u(1, i === 0 || i === 6 ? 1 : 0);
    if (i === 0) {
      for (let j = 0; j < 16; j++) {
        b.se(j === 0 ? 8 : 0);
      }
    } // list 0: all 16 deltas
    if (i === 6) {
      b.se(-8);
    } // list 6: delta -8 makes nextScale 0, ending the list early
  }
  b.ue(0) // log2_max_frame_num_minus4
    .ue(1) // pic_order_cnt_type 1
    .u(1, 0)
    .se(-2)
    .se(1)
    .ue(2) // num_ref_frames_in_pic_order_cnt_cycle
    .se(3)
    .se(-3)
    .ue(4) // max_num_ref_frames
    .u(1, 0)
    .ue(44) // pic_width_in_mbs_minus1 -> 720
    .ue(17) // pic_height_in_map_units_minus1 -> 18 map units = 36 MB rows (field pairs) = 576
    .u(1, 0) // frame_mbs_only_flag 0
    .u(1, 1) // mb_adaptive_frame_field_flag
    .u(1, 1) // direct_8x8_inference_flag
    .u(1, 1) // frame_cropping_flag
    .ue(1) // left: x SubWidthC 2 = 2
    .ue(1) // right: 2
    .ue(2) // top: x SubHeightC 1 x 2 (fields) = 4
    .ue(0)
    .u(1, 1) // vui_parameters_present_flag
    .u(1, 1)
    .u(8, 255)
    .u(16, 16)
    .u(16, 11) // extended SAR 16:11
    .u(1, 0) // overscan_info_present_flag
    .u(1, 1)
    .u(3, 5)
    .u(1, 0)
    .u(1, 1)
    .u(8, 1)
    .u(8, 1)
    .u(8, 1) // video signal type with colour description
    .u(1, 0) // chroma_loc_info_present_flag
    .u(1, 1)
    .u(32, 1001)
    .u(32, 60000); // timing: 29.97 fps
  const sps = parseH264Sps(addEmulationPrevention(b.bytes()));
  assert.ok(sps);
  assert.equal(sps.spsId, 3);
  assert.equal(sps.chromaFormatIdc, 2);
  assert.equal(sps.bitDepthLumaMinus8, 2);
  assert.equal(sps.frameMbsOnly, false);
  assert.equal(sps.width, 720 - 4);
  assert.equal(sps.height, 576 - 4);
  assert.equal(sps.sarWidth, 16);
  assert.equal(sps.sarHeight, 11);
  assert.equal(sps.frameRate, 60000 / 2002);
});

test('truncated or non-SPS input gives undefined, never an exception', () => {
  assert.equal(parseH264Sps(fromHex('68 ef 3c 80')), undefined);
  for (let n = 0; n < SPS_720P.length; n++) {
    const sps = parseH264Sps(SPS_720P.subarray(0, n));
    if (n < 8) {
      assert.equal(sps, undefined, `cut at ${n}: inside the size fields`);
    }
    // Later cuts fall in the VUI, which is optional: the size stays, partial VUI fields do not.
    else if (sps) {
      assert.deepEqual([sps.width, sps.height, sps.frameRate ?? 25], [1280, 720, 25], `cut at ${n}`);
    }
  }
  assert.equal(
    parseH264Sps(SPS_720P.subarray(0, 15))?.frameRate,
    undefined,
    'timing info cut short is left out',
  );
  assert.equal(parseH264Sps(fromHex('67 64 00 1f 00 00 00 00 00 00 00 00')), undefined, 'runs of zeros');
});

test('NAL classes: type, VCL, keyframe, first slice, access-unit starters', () => {
  assert.equal(nalType(0x65), NalType.IDR);
  assert.equal(nalType(0x41), NalType.SLICE);
  assert.ok(isVcl(1) && isVcl(5) && !isVcl(6) && !isVcl(9));
  assert.ok(isKeyframe([fromHex('67 42'), fromHex('65 88')]));
  assert.ok(!isKeyframe([fromHex('41 9a')]));
  assert.ok(isFirstSlice(fromHex('65 88 84')), 'first_mb_in_slice ue "1" = 0');
  assert.ok(!isFirstSlice(fromHex('41 5a 00')), 'first_mb_in_slice ue "010" = 1');
  assert.ok(!isFirstSlice(fromHex('67 88')), 'not a slice');
  assert.deepEqual([6, 7, 8, 9, 14, 18, 1, 5, 10, 12].map(startsAccessUnit), [
    true,
    true,
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
  assert.ok(isPlausibleH264Header(0x67) && isPlausibleH264Header(0x09) && isPlausibleH264Header(0x41));
  assert.ok(
    !isPlausibleH264Header(0x40) && !isPlausibleH264Header(0x46) && !isPlausibleH264Header(0x87),
    'H.265 VPS/AUD, forbidden bit',
  );
});
