// Byte searches the demuxer needs outside of headers: the next pack header (to resync after
// corruption or a gap), and the end of a PES whose PES_packet_length is 0. Both use the
// native Uint8Array indexOf and look at the few bytes around each hit.
import { StartCode } from './constants.js';

/** Index of the next `00 00 01 BA` starting in [from, end), or -1. */
export function findPackHeader(b: Uint8Array, from: number, end: number): number {
  const v = end < b.length ? b.subarray(0, end) : b;
  for (let i = v.indexOf(StartCode.PACK, from + 3); i !== -1; i = v.indexOf(StartCode.PACK, i + 1)) {
    if (v[i - 1] === 1 && v[i - 2] === 0 && v[i - 3] === 0) {
      return i - 3;
    }
  }
  return -1;
}

/**
 * Index of the next `00 00 01 xx` with xx >= 0xB9 (a pack, system header, PSM or PES start)
 * in [from, end), or -1. H.264 and H.265 NAL headers are below 0x80, so no such start code
 * occurs inside their payload: this is where an unbounded video PES ends.
 */
export function findSystemStartCode(b: Uint8Array, from: number, end: number): number {
  const v = end < b.length ? b.subarray(0, end) : b;
  for (let i = v.indexOf(1, from + 2); i !== -1 && i + 1 < end; i = v.indexOf(1, i + 1)) {
    if (v[i - 1] === 0 && v[i - 2] === 0 && v[i + 1] >= StartCode.PROGRAM_END) {
      return i - 2;
    }
  }
  return -1;
}

/** How many bytes at the end of b[from, end) could begin a start code (00, 00 00, 00 00 01). */
export function startCodePrefixAtEnd(b: Uint8Array, from: number, end: number): number {
  if (end - 3 >= from && b[end - 3] === 0 && b[end - 2] === 0 && b[end - 1] === 1) {
    return 3;
  }
  if (end - 2 >= from && b[end - 2] === 0 && b[end - 1] === 0) {
    return 2;
  }
  if (end - 1 >= from && b[end - 1] === 0) {
    return 1;
  }
  return 0;
}
