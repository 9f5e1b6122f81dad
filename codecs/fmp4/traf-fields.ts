// The fields of a track fragment that readers of stored fragments need (ISO/IEC 14496-12): the
// tfhd's defaults (§8.8.7), the tfdt's decode time (§8.8.12) and where a trun's sample entries
// lie (§8.8.8). One reading for everything that walks our fragments back (moof-timing.ts,
// track-runs.ts, video-only.ts). Each returns undefined for a box too short for what its flags announce.
import { readU32, type BoxRef } from './box.js';
import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_SAMPLE_DESCRIPTION,
  TFHD_DEFAULT_DURATION,
  TFHD_DEFAULT_SIZE,
  TRUN_DATA_OFFSET,
  TRUN_FIRST_FLAGS,
  TRUN_DURATION,
  TRUN_SIZE,
  TRUN_FLAGS,
  TRUN_CTO,
} from './box-flags.js';

export interface TfhdFields {
  readonly trackId: number;
  /** An explicit base_data_offset: sample offsets then count from a place in the file, not the moof. */
  readonly baseDataOffset: boolean;
  readonly defaultDuration: number;
  readonly defaultSize: number;
}

export function readTfhd(bytes: Uint8Array, tfhd: BoxRef): TfhdFields | undefined {
  if (tfhd.end - tfhd.start < 16) {
    return undefined;
  }
  const flags = readU32(bytes, tfhd.start + 8) & 0xffffff;
  // Optional fields, in order: base_data_offset (8), sample_description_index (4), default
  // sample duration (4), default sample size (4).
  let at = tfhd.start + 16;
  at += flags & TFHD_BASE_DATA_OFFSET ? 8 : 0;
  at += flags & TFHD_SAMPLE_DESCRIPTION ? 4 : 0;
  let defaultDuration = 0;
  if (flags & TFHD_DEFAULT_DURATION) {
    defaultDuration = at + 4 <= tfhd.end ? readU32(bytes, at) : 0;
    at += 4;
  }
  const defaultSize = flags & TFHD_DEFAULT_SIZE && at + 4 <= tfhd.end ? readU32(bytes, at) : 0;
  return {
    trackId: readU32(bytes, tfhd.start + 12),
    baseDataOffset: (flags & TFHD_BASE_DATA_OFFSET) !== 0,
    defaultDuration,
    defaultSize,
  };
}

/** baseMediaDecodeTime, version 0 (32-bit) or 1 (64-bit). */
export function readTfdt(bytes: Uint8Array, tfdt: BoxRef): number | undefined {
  if (tfdt.end - tfdt.start < 16) {
    return undefined;
  }
  if (bytes[tfdt.start + 8] !== 1) {
    return readU32(bytes, tfdt.start + 12);
  }
  return tfdt.end - tfdt.start >= 20
    ? readU32(bytes, tfdt.start + 12) * 0x1_0000_0000 + readU32(bytes, tfdt.start + 16)
    : undefined;
}

export interface TrunLayout {
  readonly flags: number;
  readonly count: number;
  /** data_offset, signed, when the trun carries one. */
  readonly dataOffset: number | undefined;
  /** Where the first sample entry starts, and the bytes of each entry. */
  readonly entries: number;
  readonly stride: number;
}

/** The trun's header and the span of its sample entries, checked to lie inside the box. */
export function readTrun(bytes: Uint8Array, trun: BoxRef): TrunLayout | undefined {
  if (trun.end - trun.start < 16) {
    return undefined;
  }
  const flags = readU32(bytes, trun.start + 8) & 0xffffff;
  const count = readU32(bytes, trun.start + 12);
  let p = trun.start + 16;
  let dataOffset: number | undefined;
  if (flags & TRUN_DATA_OFFSET) {
    if (p + 4 > trun.end) {
      return undefined;
    }
    dataOffset = readU32(bytes, p) | 0;
    p += 4;
  }
  p += flags & TRUN_FIRST_FLAGS ? 4 : 0;
  const stride =
    4 *
    (Number((flags & TRUN_DURATION) !== 0) +
      Number((flags & TRUN_SIZE) !== 0) +
      Number((flags & TRUN_FLAGS) !== 0) +
      Number((flags & TRUN_CTO) !== 0));
  if (p + count * stride > trun.end) {
    return undefined;
  }
  return { flags, count, dataOffset, entries: p, stride };
}
