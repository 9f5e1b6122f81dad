// Reads one track's samples out of a movie fragment (ISO/IEC 14496-12 §8.8): per traf its tfdt
// (§8.8.12) and, from each trun (§8.8.8, with tfhd defaults §8.8.7), every sample's duration
// and where its bytes lie in the fragment. Offsets count from the moof (default-base-is-moof,
// what every writer here uses: docs/fmp4.md §2); a traf with an explicit base_data_offset
// points into a file this reader does not have, so it is refused. Never throws: a fragment
// that does not parse gives undefined.
import { childrenOfType, readBoxes, readU32, type BoxRef } from './box.js';
import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_SAMPLE_DESCRIPTION,
  TFHD_DEFAULT_DURATION,
  TRUN_DATA_OFFSET,
  TRUN_FIRST_FLAGS,
  TRUN_DURATION,
  TRUN_SIZE,
  TRUN_FLAGS,
  TRUN_CTO,
} from './box-flags.js';

const TFHD_DEFAULT_SIZE = 0x000010;

export interface RunSample {
  /** In the track's timescale. */
  readonly duration: number;
  /** The sample's bytes, a view into the fragment. */
  readonly data: Uint8Array;
}

export interface TrackRunIn {
  /** tfdt: decode time of the traf's first sample. */
  readonly baseMediaDecodeTime: number;
  readonly samples: readonly RunSample[];
}

export interface FragmentRuns {
  /** mfhd sequence_number. */
  readonly sequence: number;
  /** The track's trafs in order; empty when the fragment holds none of its samples. */
  readonly runs: readonly TrackRunIn[];
}

/** `fragment` is moof + mdat. */
export function readTrackRuns(fragment: Uint8Array, trackId: number): FragmentRuns | undefined {
  const [moof, mdat] = readBoxes(fragment);
  if (!moof || moof.type !== 'moof' || !mdat || mdat.type !== 'mdat') {
    return undefined;
  }
  const mfhd = childrenOfType(fragment, moof, 'mfhd')[0];
  if (!mfhd || mfhd.end - mfhd.start < 16) {
    return undefined;
  }
  const runs: TrackRunIn[] = [];
  for (const traf of childrenOfType(fragment, moof, 'traf')) {
    const tfhd = childrenOfType(fragment, traf, 'tfhd')[0];
    if (!tfhd || tfhd.end - tfhd.start < 16) {
      return undefined;
    }
    if (readU32(fragment, tfhd.start + 12) !== trackId) {
      continue;
    }
    const run = readTraf(fragment, moof, mdat, traf, tfhd);
    if (!run) {
      return undefined;
    }
    runs.push(run);
  }
  return { sequence: readU32(fragment, mfhd.start + 12), runs };
}

function readTraf(
  bytes: Uint8Array,
  moof: BoxRef,
  mdat: BoxRef,
  traf: BoxRef,
  tfhd: BoxRef,
): TrackRunIn | undefined {
  const tfhdFlags = readU32(bytes, tfhd.start + 8) & 0xffffff;
  if (tfhdFlags & TFHD_BASE_DATA_OFFSET) {
    return undefined;
  }
  // tfhd optional fields in order: sample_description_index, default duration, default size.
  let at = tfhd.start + 16 + (tfhdFlags & TFHD_SAMPLE_DESCRIPTION ? 4 : 0);
  let defaultDuration = 0;
  let defaultSize = 0;
  if (tfhdFlags & TFHD_DEFAULT_DURATION) {
    defaultDuration = at + 4 <= tfhd.end ? readU32(bytes, at) : 0;
    at += 4;
  }
  if (tfhdFlags & TFHD_DEFAULT_SIZE) {
    defaultSize = at + 4 <= tfhd.end ? readU32(bytes, at) : 0;
  }
  const tfdt = childrenOfType(bytes, traf, 'tfdt')[0];
  if (!tfdt || tfdt.end - tfdt.start < 16) {
    return undefined;
  }
  const v1 = bytes[tfdt.start + 8] === 1;
  if (v1 && tfdt.end - tfdt.start < 20) {
    return undefined;
  }
  const baseMediaDecodeTime = v1
    ? readU32(bytes, tfdt.start + 12) * 0x1_0000_0000 + readU32(bytes, tfdt.start + 16)
    : readU32(bytes, tfdt.start + 12);
  const samples: RunSample[] = [];
  const dataStart = mdat.start + mdat.headerSize;
  for (const trun of childrenOfType(bytes, traf, 'trun')) {
    if (trun.end - trun.start < 20) {
      return undefined;
    }
    const flags = readU32(bytes, trun.start + 8) & 0xffffff;
    if (!(flags & TRUN_DATA_OFFSET)) {
      return undefined; // would continue after the previous run: not written here
    }
    const count = readU32(bytes, trun.start + 12);
    let offset = moof.start + (readU32(bytes, trun.start + 16) | 0);
    let p = trun.start + 20 + (flags & TRUN_FIRST_FLAGS ? 4 : 0);
    const stride =
      4 *
      (Number((flags & TRUN_DURATION) !== 0) +
        Number((flags & TRUN_SIZE) !== 0) +
        Number((flags & TRUN_FLAGS) !== 0) +
        Number((flags & TRUN_CTO) !== 0));
    if (p + count * stride > trun.end) {
      return undefined;
    }
    for (let i = 0; i < count; i++, p += stride) {
      const duration = flags & TRUN_DURATION ? readU32(bytes, p) : defaultDuration;
      const size = flags & TRUN_SIZE ? readU32(bytes, p + (flags & TRUN_DURATION ? 4 : 0)) : defaultSize;
      if (offset < dataStart || offset + size > mdat.end) {
        return undefined;
      }
      samples.push({ duration, data: bytes.subarray(offset, offset + size) });
      offset += size;
    }
  }
  return { baseMediaDecodeTime, samples };
}
