// H.264 NAL unit header and type classes (ITU-T H.264 §7.3.1, Table 7-1), and the tests
// the PS demuxer needs to find access-unit boundaries (§7.4.1.2.3).
//
//   +---------------+
//   |0|1|2|3|4|5|6|7|
//   +-+-+-+-+-+-+-+-+
//   |F|NRI|  Type   |
//   +---------------+

export const NalType = {
  SLICE: 1, // coded slice of a non-IDR picture
  DPA: 2, // slice data partition A
  DPB: 3,
  DPC: 4,
  IDR: 5, // coded slice of an IDR picture
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9, // access unit delimiter
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  SPS_EXT: 13,
  PREFIX: 14,
  SUBSET_SPS: 15,
  DPS: 16,
  SLICE_AUX: 19,
  SLICE_EXT: 20,
} as const;
export type NalType = (typeof NalType)[keyof typeof NalType];

/** nal_unit_type from the first header byte. */
export function nalType(header: number): number {
  return header & 0x1f;
}

/** nal_ref_idc from the first header byte. */
export function nalRefIdc(header: number): number {
  return (header >> 5) & 3;
}

/** Coded slice or data partition of the primary picture (types 1-5). */
export function isVcl(type: number): boolean {
  return type >= NalType.SLICE && type <= NalType.IDR;
}

export function isParameterSet(type: number): boolean {
  return type === NalType.SPS || type === NalType.PPS;
}

/** An IDR slice: the access unit is a random access point. */
export function isKeyframeNal(type: number): boolean {
  return type === NalType.IDR;
}

/** True when any of the NAL units is an IDR slice. */
export function isKeyframe(units: readonly Uint8Array[]): boolean {
  for (const u of units) {
    if (u.length > 0 && nalType(u[0]) === NalType.IDR) {
      return true;
    }
  }
  return false;
}

/**
 * A slice with first_mb_in_slice == 0 (§7.3.3): ue(v) is 0 exactly when its first bit is 1,
 * and it is the first syntax element after the 1-byte header. Such a slice starts a new
 * primary coded picture (arbitrary slice order aside).
 */
export function isFirstSlice(nal: Uint8Array): boolean {
  return nal.length > 1 && isVcl(nalType(nal[0])) && (nal[1] & 0x80) !== 0;
}

/**
 * Non-VCL types that, following a VCL NAL unit, begin a new access unit (§7.4.1.2.3):
 * AUD, SPS, PPS, SEI, and types 14-18.
 */
export function startsAccessUnit(type: number): boolean {
  return type === NalType.AUD || (type >= NalType.SEI && type <= NalType.PPS) || (type >= 14 && type <= 18);
}

/**
 * Whether the two header bytes could start an H.264 NAL unit of a common type, used to
 * tell H.264 from H.265 when a PSM is missing or wrong. AUD/SEI/filler/end NAL units carry
 * nal_ref_idc 0; IDR slices and parameter sets carry a non-zero one (§7.4.1).
 */
export function isPlausibleH264Header(b0: number): boolean {
  if (b0 & 0x80) {
    return false;
  }
  const type = b0 & 0x1f;
  const ref = (b0 >> 5) & 3;
  switch (type) {
    case NalType.SLICE:
      return true;
    case NalType.IDR:
    case NalType.SPS:
    case NalType.PPS:
      return ref !== 0;
    case NalType.SEI:
    case NalType.AUD:
    case NalType.END_OF_SEQUENCE:
    case NalType.END_OF_STREAM:
    case NalType.FILLER:
      return ref === 0;
    default:
      return false;
  }
}
