// H.265 sequence parameter set (ITU-T H.265 §7.3.2.2) up to the bit depths, with
// profile_tier_level (§7.3.3): the fields an hvcC record (ISO/IEC 14496-15 §8.3.3.1) and
// an hvc1 codec string need. Never throws: malformed or truncated input returns undefined.
import { BitReader } from '../bytes/bit-reader.js';
import { stripEmulationPrevention } from '../bytes/start-codes.js';
import { NalType, nalType } from './nal.js';

export interface H265Sps {
  generalProfileSpace: number;
  generalTierFlag: number;
  generalProfileIdc: number;
  /** general_profile_compatibility_flag[0..31], flag 0 in the most significant bit. */
  generalProfileCompatibilityFlags: number;
  /** The 48 bits after the compatibility flags (progressive_source_flag ...), 6 bytes. */
  generalConstraintIndicatorFlags: Uint8Array;
  generalLevelIdc: number;
  /** sps_max_sub_layers_minus1 (hvcC numTemporalLayers is this + 1). */
  maxSubLayersMinus1: number;
  temporalIdNestingFlag: boolean;
  spsId: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  /** Luma width and height after the conformance window. */
  width: number;
  height: number;
}

/** Parses an SPS NAL unit (2-byte header included, start code excluded). */
export function parseH265Sps(nal: Uint8Array): H265Sps | undefined {
  if (nal.length < 15 || nalType(nal[0]) !== NalType.SPS) {
    return undefined;
  }
  const rbsp = stripEmulationPrevention(nal).subarray(2);
  const r = new BitReader(rbsp);
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.u(3);
  const temporalIdNestingFlag = r.flag();
  if (maxSubLayersMinus1 > 6) {
    return undefined;
  }

  // profile_tier_level(1, sps_max_sub_layers_minus1): general part, byte aligned here
  // (4+3+1 bits read above), so the constraint flags can be copied as whole bytes.
  const generalProfileSpace = r.u(2);
  const generalTierFlag = r.u(1);
  const generalProfileIdc = r.u(5);
  const generalProfileCompatibilityFlags = r.u(32) >>> 0;
  const constraintStart = r.position >>> 3;
  const generalConstraintIndicatorFlags = rbsp.slice(constraintStart, constraintStart + 6);
  r.skip(48);
  const generalLevelIdc = r.u(8);
  const subProfilePresent: boolean[] = [];
  const subLevelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfilePresent.push(r.flag());
    subLevelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) {
    for (let i = maxSubLayersMinus1; i < 8; i++) {
      r.skip(2);
    }
  } // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfilePresent[i]) {
      r.skip(88);
    } // sub_layer profile space .. sub_layer_reserved bits
    if (subLevelPresent[i]) {
      r.skip(8);
    } // sub_layer_level_idc
  }

  const spsId = r.ue();
  const chromaFormatIdc = r.ue();
  if (chromaFormatIdc > 3) {
    return undefined;
  }
  const separateColourPlane = chromaFormatIdc === 3 ? r.flag() : false;
  const picWidth = r.ue();
  const picHeight = r.ue();
  let left = 0;
  let right = 0;
  let top = 0;
  let bottom = 0;
  if (r.flag()) {
    // conformance_window_flag
    left = r.ue();
    right = r.ue();
    top = r.ue();
    bottom = r.ue();
  }
  const bitDepthLumaMinus8 = r.ue();
  const bitDepthChromaMinus8 = r.ue();
  if (r.overrun || generalConstraintIndicatorFlags.length !== 6) {
    return undefined;
  }

  // Conformance window offsets are in chroma units (§7.4.3.2.1, Table 6-1).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const width = picWidth - subWidthC * (left + right);
  const height = picHeight - subHeightC * (top + bottom);
  if (width <= 0 || height <= 0) {
    return undefined;
  }

  return {
    generalProfileSpace,
    generalTierFlag,
    generalProfileIdc,
    generalProfileCompatibilityFlags,
    generalConstraintIndicatorFlags,
    generalLevelIdc,
    maxSubLayersMinus1,
    temporalIdNestingFlag,
    spsId,
    chromaFormatIdc,
    bitDepthLumaMinus8,
    bitDepthChromaMinus8,
    width,
    height,
  };
}
