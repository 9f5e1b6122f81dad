// Reads one track's samples out of a movie fragment (ISO/IEC 14496-12 §8.8): per traf its tfdt
// (§8.8.12) and, from each trun (§8.8.8, with tfhd defaults §8.8.7), every sample's duration
// and where its bytes lie in the fragment. Offsets count from the moof (default-base-is-moof,
// what every writer here uses: docs/fmp4.md §2); a traf with an explicit base_data_offset
// points into a file this reader does not have, so it is refused. Never throws: a fragment
// that does not parse gives undefined.
import { childrenOfType, readBoxes, readU32, type BoxRef } from './box.js';
import { TRUN_DURATION, TRUN_SIZE } from './box-flags.js';
import { readTfdt, readTfhd, readTrun, type TfhdFields } from './traf-fields.js';

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
    const tfhdBox = childrenOfType(fragment, traf, 'tfhd')[0];
    const tfhd = tfhdBox && readTfhd(fragment, tfhdBox);
    if (!tfhd) {
      return undefined;
    }
    if (tfhd.trackId !== trackId) {
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
  tfhd: TfhdFields,
): TrackRunIn | undefined {
  if (tfhd.baseDataOffset) {
    return undefined;
  }
  const tfdt = childrenOfType(bytes, traf, 'tfdt')[0];
  const baseMediaDecodeTime = tfdt && readTfdt(bytes, tfdt);
  if (baseMediaDecodeTime === undefined) {
    return undefined;
  }
  const samples: RunSample[] = [];
  const dataStart = mdat.start + mdat.headerSize;
  for (const trunBox of childrenOfType(bytes, traf, 'trun')) {
    const trun = readTrun(bytes, trunBox);
    if (!trun || trun.dataOffset === undefined) {
      return undefined; // without data_offset a run continues after the previous one: not written here
    }
    let offset = moof.start + trun.dataOffset;
    const durations = (trun.flags & TRUN_DURATION) !== 0;
    for (let i = 0, p = trun.entries; i < trun.count; i++, p += trun.stride) {
      const duration = durations ? readU32(bytes, p) : tfhd.defaultDuration;
      const size = trun.flags & TRUN_SIZE ? readU32(bytes, p + (durations ? 4 : 0)) : tfhd.defaultSize;
      if (offset < dataStart || offset + size > mdat.end) {
        return undefined;
      }
      samples.push({ duration, data: bytes.subarray(offset, offset + size) });
      offset += size;
    }
  }
  return { baseMediaDecodeTime, samples };
}
