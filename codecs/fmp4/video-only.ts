// A video-only view of a recording's header and fragments, for browsers: Chromium's Media Source
// Extensions take no G.711 ('ulaw'/'alaw') track (docs/recording.md §8), and a header naming one
// makes the whole SourceBuffer fail. The view drops the audio trak/trex from the moov and the
// audio traf and its bytes from each fragment; the video samples are the stored bytes as they
// are. Returns undefined for input it cannot read.
import { concatBytes } from '../bytes/concat.js';
import { box, childrenOfType, readBoxes, readU32, writeU32, type BoxRef } from './box.js';
import { TRUN_DURATION, TRUN_SIZE } from './box-flags.js';
import { readTfhd, readTrun } from './traf-fields.js';

const slice = (bytes: Uint8Array, b: BoxRef): Uint8Array => bytes.subarray(b.start, b.end);

function tkhdTrackId(bytes: Uint8Array, trak: BoxRef): number | undefined {
  const tkhd = childrenOfType(bytes, trak, 'tkhd')[0];
  if (!tkhd) {
    return undefined;
  }
  const at = tkhd.start + (bytes[tkhd.start + 8] === 1 ? 28 : 20);
  return at + 4 <= tkhd.end ? readU32(bytes, at) : undefined;
}

/** ftyp + moov with only the track `keepId`. */
export function singleTrackInit(init: Uint8Array, keepId: number): Uint8Array | undefined {
  const top = readBoxes(init);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    return undefined;
  }
  const children = readBoxes(init, moov.start + moov.headerSize, moov.end).flatMap((c) => {
    if (c.type === 'trak') {
      return tkhdTrackId(init, c) === keepId ? [slice(init, c)] : [];
    }
    if (c.type === 'mvex') {
      const kept = readBoxes(init, c.start + c.headerSize, c.end).filter(
        (t) => t.type !== 'trex' || (t.end - t.start >= 16 && readU32(init, t.start + 12) === keepId),
      );
      return [box('mvex', ...kept.map((t) => slice(init, t)))];
    }
    return [slice(init, c)];
  });
  return concatBytes([
    ...top.filter((b) => b.type !== 'moov').map((b) => slice(init, b)),
    box('moov', ...children),
  ]);
}

/** moof + mdat with only the traf of `keepId` and its sample bytes. */
export function singleTrackFragment(fragment: Uint8Array, keepId: number): Uint8Array | undefined {
  const [moof, mdat] = readBoxes(fragment);
  if (!moof || moof.type !== 'moof' || !mdat || mdat.type !== 'mdat') {
    return undefined;
  }
  const mfhd = childrenOfType(fragment, moof, 'mfhd')[0];
  const traf = childrenOfType(fragment, moof, 'traf').find((t) => {
    const tfhd = childrenOfType(fragment, t, 'tfhd')[0];
    return tfhd !== undefined && readTfhd(fragment, tfhd)?.trackId === keepId;
  });
  const trunBox = traf && childrenOfType(fragment, traf, 'trun')[0];
  const trun = trunBox && readTrun(fragment, trunBox);
  if (!mfhd || !traf || !trunBox || !trun || trun.dataOffset === undefined || !(trun.flags & TRUN_SIZE)) {
    return undefined;
  }
  const oldOffset = trun.dataOffset;
  const sizeAt = trun.flags & TRUN_DURATION ? 4 : 0;
  let bytes = 0;
  for (let i = 0, p = trun.entries; i < trun.count; i++, p += trun.stride) {
    bytes += readU32(fragment, p + sizeAt);
  }
  const dataStart = moof.start + oldOffset;
  if (oldOffset < 0 || dataStart < mdat.start + mdat.headerSize || dataStart + bytes > mdat.end) {
    return undefined;
  }
  const newTraf = Uint8Array.from(slice(fragment, traf));
  const newMoof = box('moof', slice(fragment, mfhd), newTraf);
  // The one run's samples now follow the new moof and the mdat header.
  const newMoofWithOffset = Uint8Array.from(newMoof);
  const trunInNew = 8 + (mfhd.end - mfhd.start) + (trunBox.start - traf.start);
  writeU32(newMoofWithOffset, trunInNew + 16, newMoof.byteLength + 8);
  return concatBytes([newMoofWithOffset, box('mdat', fragment.subarray(dataStart, dataStart + bytes))]);
}
