// Rewrites inside an existing init segment: swap the sample entry of one track's stsd
// (ISO/IEC 14496-12 §8.5.2) and patch fixed-size fields, fixing every ancestor's size.
import { findPath, readBoxes, readU32, writeU32, childrenStart, type BoxRef } from './box.js';

/**
 * Replace bytes[from, to) with `insert`, where the range lies inside every box of `chain`,
 * and add the size change to each of those boxes' 32-bit size fields. Returns undefined
 * when a box in the chain uses a 64-bit largesize or would outgrow 32 bits.
 */
export function replaceInside(
  bytes: Uint8Array,
  chain: readonly BoxRef[],
  from: number,
  to: number,
  insert: Uint8Array,
): Uint8Array | undefined {
  const delta = insert.byteLength - (to - from);
  for (const b of chain) {
    if (b.headerSize !== 8 || from < b.start + b.headerSize || to > b.end) {
      return undefined;
    }
    if (b.end - b.start + delta > 0xffffffff) {
      return undefined;
    }
  }
  const out = new Uint8Array(bytes.byteLength + delta);
  out.set(bytes.subarray(0, from), 0);
  out.set(insert, from);
  out.set(bytes.subarray(to), from + insert.byteLength);
  for (const b of chain) {
    writeU32(out, b.start, readU32(bytes, b.start) + delta);
  }
  return out;
}

const STSD_PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'] as const;

/**
 * Replace all sample entries in the stsd of the `trackIndex`-th trak (moov order) with the
 * single entry `entry`, setting entry_count to 1. moov, trak, mdia, minf, stbl and stsd sizes
 * are rewritten. Returns undefined when the init segment lacks that path.
 */
export function replaceSampleEntry(
  init: Uint8Array,
  trackIndex: number,
  entry: Uint8Array,
): Uint8Array | undefined {
  const chain = findPath(init, STSD_PATH, { trak: trackIndex });
  if (!chain) {
    return undefined;
  }
  const stsd = chain[chain.length - 1];
  const entriesStart = childrenStart(stsd);
  if (entriesStart > stsd.end) {
    return undefined;
  }
  const out = replaceInside(init, chain, entriesStart, stsd.end, entry);
  if (out) {
    writeU32(out, entriesStart - 4, 1);
  } // entry_count
  return out;
}

/** The four-character code of each sample entry in the track's stsd (for tests and logs). */
export function sampleEntryTypes(init: Uint8Array, trackIndex: number): string[] {
  const chain = findPath(init, STSD_PATH, { trak: trackIndex });
  if (!chain) {
    return [];
  }
  const stsd = chain[chain.length - 1];
  return readBoxes(init, childrenStart(stsd), stsd.end).map((b) => b.type);
}

/**
 * Set the duration fields of mvhd, every tkhd and every mdhd (version 0 boxes only) to
 * `value` in place. Fragmented files carry no duration in moov, so 0 is the honest value.
 *   mvhd v0: version/flags, creation, modification, timescale, duration   → payload +16
 *   tkhd v0: version/flags, creation, modification, track_ID, reserved, duration → +20
 *   mdhd v0: version/flags, creation, modification, timescale, duration   → payload +16
 * Returns how many fields were written.
 */
export function setMovieDurations(init: Uint8Array, value: number): number {
  let written = 0;
  const moov = findPath(init, ['moov']);
  if (!moov) {
    return 0;
  }
  const top = moov[0];
  const patch = (b: BoxRef, offset: number): void => {
    const p = b.start + b.headerSize;
    if (init[p] !== 0 || p + offset + 4 > b.end) {
      return;
    } // version 1 has 64-bit fields
    writeU32(init, p + offset, value);
    written++;
  };
  for (const child of readBoxes(init, childrenStart(top), top.end)) {
    if (child.type === 'mvhd') {
      patch(child, 16);
    }
    if (child.type !== 'trak') {
      continue;
    }
    for (const t of readBoxes(init, childrenStart(child), child.end)) {
      if (t.type === 'tkhd') {
        patch(t, 20);
      }
      if (t.type !== 'mdia') {
        continue;
      }
      for (const m of readBoxes(init, childrenStart(t), t.end)) {
        if (m.type === 'mdhd') {
          patch(m, 16);
        }
      }
    }
  }
  return written;
}

/**
 * Set default_sample_flags of the trex for `trackId` in place (ISO/IEC 14496-12 §8.8.3:
 * version/flags, track_ID, default_sample_description_index, default_sample_duration,
 * default_sample_size, default_sample_flags → payload +20). Returns false if not found.
 */
export function setTrexDefaultFlags(init: Uint8Array, trackId: number, flags: number): boolean {
  const mvex = findPath(init, ['moov', 'mvex']);
  if (!mvex) {
    return false;
  }
  const parent = mvex[1];
  for (const t of readBoxes(init, childrenStart(parent), parent.end)) {
    const p = t.start + t.headerSize;
    if (t.type !== 'trex' || p + 24 > t.end) {
      continue;
    }
    if (readU32(init, p + 4) !== trackId) {
      continue;
    }
    writeU32(init, p + 20, flags);
    return true;
  }
  return false;
}
