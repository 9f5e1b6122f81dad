// HEVC decoder configuration record 'hvcC' and the 'hvc1' visual sample entry
// (ISO/IEC 14496-15 §8.3.3.1 and §8.4.1). With 'hvc1' every parameter-set array is
// complete (array_completeness = 1): samples are expected to carry no VPS/SPS/PPS.
import { box, concatBytes, u16, u32 } from './box.js';

export interface HevcDecoderConfig {
  generalProfileSpace: number; // 2 bits
  generalTierFlag: number; // 1 bit
  generalProfileIdc: number; // 5 bits
  /** general_profile_compatibility_flag[0..31], flag 0 in the most significant bit. */
  generalProfileCompatibilityFlags: number;
  /** The 48 constraint-indicator bits, 6 bytes as they appear in the SPS. */
  generalConstraintIndicatorFlags: Uint8Array;
  generalLevelIdc: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  /** sps_max_sub_layers_minus1 + 1; 0 = unknown. */
  numTemporalLayers?: number;
  temporalIdNested?: boolean;
  vps: readonly Uint8Array[];
  sps: readonly Uint8Array[];
  pps: readonly Uint8Array[];
}

const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;

/**
 *   u8  configurationVersion = 1
 *   u2  general_profile_space | u1 general_tier_flag | u5 general_profile_idc
 *   u32 general_profile_compatibility_flags
 *   u48 general_constraint_indicator_flags
 *   u8  general_level_idc
 *   '1111'b   | u12 min_spatial_segmentation_idc = 0
 *   '111111'b | u2  parallelismType = 0 (unknown)
 *   '111111'b | u2  chromaFormat
 *   '11111'b  | u3  bitDepthLumaMinus8
 *   '11111'b  | u3  bitDepthChromaMinus8
 *   u16 avgFrameRate = 0 (unspecified)
 *   u2 constantFrameRate = 0 | u3 numTemporalLayers | u1 temporalIdNested | u2 lengthSizeMinusOne = 3
 *   u8  numOfArrays, then per array:
 *     u1 array_completeness | u1 reserved 0 | u6 NAL_unit_type | u16 numNalus | (u16 length, NAL)*
 */
export function hvcCPayload(c: HevcDecoderConfig): Uint8Array {
  const head = new Uint8Array(23);
  head[0] = 1;
  head[1] =
    ((c.generalProfileSpace & 3) << 6) | ((c.generalTierFlag & 1) << 5) | (c.generalProfileIdc & 0x1f);
  head.set(u32(c.generalProfileCompatibilityFlags >>> 0), 2);
  head.set(c.generalConstraintIndicatorFlags.subarray(0, 6), 6);
  head[12] = c.generalLevelIdc & 0xff;
  head[13] = 0xf0;
  head[14] = 0x00;
  head[15] = 0xfc;
  head[16] = 0xfc | (c.chromaFormatIdc & 3);
  head[17] = 0xf8 | (c.bitDepthLumaMinus8 & 7);
  head[18] = 0xf8 | (c.bitDepthChromaMinus8 & 7);
  head[19] = 0;
  head[20] = 0;
  head[21] = (((c.numTemporalLayers ?? 0) & 7) << 3) | ((c.temporalIdNested ? 1 : 0) << 2) | 3;
  const arrays: [number, readonly Uint8Array[]][] = [
    [NAL_VPS, c.vps],
    [NAL_SPS, c.sps],
    [NAL_PPS, c.pps],
  ];
  const present = arrays.filter(([, nals]) => nals.length > 0);
  head[22] = present.length;
  const parts: Uint8Array[] = [head];
  for (const [type, nals] of present) {
    parts.push(new Uint8Array([0x80 | type]), u16(nals.length));
    for (const nal of nals) {
      parts.push(u16(nal.byteLength), nal);
    }
  }
  return concatBytes(parts);
}

export function hvcCBox(c: HevcDecoderConfig): Uint8Array {
  return box('hvcC', hvcCPayload(c));
}

/**
 * VisualSampleEntry (ISO/IEC 14496-12 §12.1.3), 78 bytes before the child boxes:
 *   reserved(6) | data_reference_index u16 = 1 | pre_defined u16 | reserved u16 |
 *   pre_defined u32[3] | width u16 | height u16 | horizresolution 72 dpi 16.16 |
 *   vertresolution 72 dpi | reserved u32 | frame_count u16 = 1 | compressorname [32] |
 *   depth u16 = 0x0018 | pre_defined i16 = -1
 */
export function visualSampleEntry(
  type: string,
  width: number,
  height: number,
  ...children: Uint8Array[]
): Uint8Array {
  const fixed = new Uint8Array(78);
  const dv = new DataView(fixed.buffer);
  dv.setUint16(6, 1);
  dv.setUint16(24, width);
  dv.setUint16(26, height);
  dv.setUint32(28, 0x00480000);
  dv.setUint32(32, 0x00480000);
  dv.setUint16(40, 1);
  // compressorname (42..73) stays empty: length byte 0
  dv.setUint16(74, 0x0018);
  dv.setInt16(76, -1);
  return box(type, fixed, ...children);
}

export function hvc1SampleEntry(width: number, height: number, c: HevcDecoderConfig): Uint8Array {
  return visualSampleEntry('hvc1', width, height, hvcCBox(c));
}
