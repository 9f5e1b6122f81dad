// H.265 NAL unit header and type classes (ITU-T H.265 §7.3.1.2, Table 7-1), and the tests
// the PS demuxer needs to find access-unit boundaries (§7.4.2.4.4).
//
//   +---------------+---------------+
//   |0|1|2|3|4|5|6|7|0|1|2|3|4|5|6|7|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |F|   Type    |  LayerId  | TID |
//   +---------------+---------------+

export const NalType = {
  TRAIL_N: 0,
  TRAIL_R: 1,
  TSA_N: 2,
  TSA_R: 3,
  STSA_N: 4,
  STSA_R: 5,
  RADL_N: 6,
  RADL_R: 7,
  RASL_N: 8,
  RASL_R: 9,
  BLA_W_LP: 16,
  BLA_W_RADL: 17,
  BLA_N_LP: 18,
  IDR_W_RADL: 19,
  IDR_N_LP: 20,
  CRA_NUT: 21,
  VPS: 32,
  SPS: 33,
  PPS: 34,
  AUD: 35,
  EOS: 36,
  EOB: 37,
  FD: 38,
  PREFIX_SEI: 39,
  SUFFIX_SEI: 40,
} as const;
export type NalType = (typeof NalType)[keyof typeof NalType];

/** nal_unit_type from the first header byte. */
export function nalType(header: number): number {
  return (header >> 1) & 0x3f;
}

/** VCL NAL unit types are 0-31 (reserved ones included). */
export function isVcl(type: number): boolean {
  return type < 32;
}

export function isParameterSet(type: number): boolean {
  return type === NalType.VPS || type === NalType.SPS || type === NalType.PPS;
}

/** IRAP picture (BLA, IDR, CRA: types 16-21): the access unit is a random access point. */
export function isKeyframeNal(type: number): boolean {
  return type >= NalType.BLA_W_LP && type <= NalType.CRA_NUT;
}

/** True when any of the NAL units is an IRAP slice segment. */
export function isKeyframe(units: readonly Uint8Array[]): boolean {
  for (const u of units) {
    if (u.length > 0 && isKeyframeNal(nalType(u[0]))) {
      return true;
    }
  }
  return false;
}

/**
 * A slice segment with first_slice_segment_in_pic_flag == 1 (§7.3.6.1): the first bit after
 * the 2-byte header. It starts a new coded picture.
 */
export function isFirstSlice(nal: Uint8Array): boolean {
  return nal.length > 2 && isVcl(nalType(nal[0])) && (nal[2] & 0x80) !== 0;
}

/**
 * Non-VCL types that, following a VCL NAL unit, begin a new access unit (§7.4.2.4.4):
 * AUD, VPS, SPS, PPS, prefix SEI, and types 41-44 and 48-55.
 */
export function startsAccessUnit(type: number): boolean {
  return (
    (type >= NalType.VPS && type <= NalType.AUD) ||
    type === NalType.PREFIX_SEI ||
    (type >= 41 && type <= 44) ||
    (type >= 48 && type <= 55)
  );
}

/**
 * Whether two header bytes could start an H.265 NAL unit of a common type in a
 * single-layer stream: forbidden_zero_bit 0, nuh_layer_id 0, nuh_temporal_id_plus1 != 0.
 * Used to tell H.265 from H.264 when a PSM is missing or wrong.
 */
export function isPlausibleH265Header(b0: number, b1: number): boolean {
  if (b0 & 0x81 || b1 & 0xf8 || (b1 & 7) === 0) {
    return false;
  }
  const type = (b0 >> 1) & 0x3f;
  return (
    type <= NalType.RASL_R ||
    (type >= NalType.BLA_W_LP && type <= NalType.CRA_NUT) ||
    (type >= NalType.VPS && type <= NalType.SUFFIX_SEI)
  );
}
