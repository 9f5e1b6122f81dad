// Moves a fragment in time without touching its samples: a new mfhd sequence number and each
// traf's tfdt shifted by a per-track amount (ISO/IEC 14496-12 §8.8.5, §8.8.12). An export of
// several recording files into one MP4 rewrites only the small moof of each fragment this way;
// the mdat bytes are streamed from the files as they are. Sample offsets count from the moof
// (default-base-is-moof), so they stay right. Returns undefined for a moof it cannot read.
import { childrenOfType, readBoxes, readU32, writeU32 } from './box.js';

export function retimeMoof(
  moof: Uint8Array,
  sequence: number,
  shiftOf: (trackId: number) => number,
): Uint8Array | undefined {
  const out = Uint8Array.from(moof);
  const top = readBoxes(out)[0];
  if (!top || top.type !== 'moof') {
    return undefined;
  }
  const mfhd = childrenOfType(out, top, 'mfhd')[0];
  if (!mfhd || mfhd.end - mfhd.start < 16) {
    return undefined;
  }
  writeU32(out, mfhd.start + 12, sequence >>> 0);
  for (const traf of childrenOfType(out, top, 'traf')) {
    const tfhd = childrenOfType(out, traf, 'tfhd')[0];
    const tfdt = childrenOfType(out, traf, 'tfdt')[0];
    if (!tfhd || !tfdt || tfhd.end - tfhd.start < 16 || tfdt.end - tfdt.start < 16) {
      return undefined;
    }
    const shift = shiftOf(readU32(out, tfhd.start + 12));
    if (out[tfdt.start + 8] === 1) {
      if (tfdt.end - tfdt.start < 20) {
        return undefined;
      }
      const t = readU32(out, tfdt.start + 12) * 0x1_0000_0000 + readU32(out, tfdt.start + 16) + shift;
      const v = Math.max(0, Math.round(t));
      writeU32(out, tfdt.start + 12, Math.floor(v / 0x1_0000_0000));
      writeU32(out, tfdt.start + 16, v >>> 0);
    } else {
      writeU32(out, tfdt.start + 12, Math.max(0, Math.round(readU32(out, tfdt.start + 12) + shift)) >>> 0);
    }
  }
  return out;
}
