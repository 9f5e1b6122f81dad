// ISO BMFF box writer and reader (ISO/IEC 14496-12 §4.2): just enough to build sample
// entries and to walk an init segment. Pure: Uint8Array and DataView only.
//
//   aligned(8) class Box (type) {
//     unsigned int(32) size;          // whole box, header included
//     unsigned int(32) type;          // four ASCII characters
//     if (size == 1) unsigned int(64) largesize;   (not written here; read as "unsupported")
//   }
//   aligned(8) class FullBox (type, v, f) extends Box(type) {
//     unsigned int(8) version; bit(24) flags;
//   }
import { concatBytes } from '../bytes/concat.js';

export { concatBytes };

/** Four ASCII characters as bytes; throws on a programmer error (wrong length). */
export function fourcc(type: string): Uint8Array {
  if (type.length !== 4) {
    throw new Error(`box type must be 4 characters: ${type}`);
  }
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    out[i] = type.charCodeAt(i) & 0xff;
  }
  return out;
}

/** A box of `type` whose payload is the concatenation of `payload`. */
export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  let size = 8;
  for (const p of payload) {
    size += p.byteLength;
  }
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(fourcc(type), 4);
  let at = 8;
  for (const p of payload) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A FullBox: version (8 bits) and flags (24 bits) before the payload. */
export function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Uint8Array {
  const vf = new Uint8Array([version & 0xff, (flags >>> 16) & 0xff, (flags >>> 8) & 0xff, flags & 0xff]);
  return box(type, vf, ...payload);
}

/** Big-endian unsigned integers of 1, 2, 3 or 4 bytes, for hand-written payloads. */
export function u8(v: number): Uint8Array {
  return new Uint8Array([v & 0xff]);
}
export function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}
export function u24(v: number): Uint8Array {
  return new Uint8Array([(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}
export function u32(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/** Where one box sits inside a byte array. */
export interface BoxRef {
  readonly type: string;
  /** Offset of the size field. */
  readonly start: number;
  /** start + size. */
  readonly end: number;
  /** 8 (compact size) or 16 (largesize). */
  readonly headerSize: number;
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function writeU32(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = (v >>> 24) & 0xff;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

function typeAt(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/**
 * The boxes laid end to end in bytes[start, end). Stops (without throwing) at the first
 * header that does not fit; size 0 ("to end of file") runs to `end`.
 */
export function readBoxes(bytes: Uint8Array, start = 0, end = bytes.byteLength): BoxRef[] {
  const out: BoxRef[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = readU32(bytes, at);
    let headerSize = 8;
    if (size === 1) {
      if (at + 16 > end) {
        break;
      }
      const hi = readU32(bytes, at + 8);
      size = hi * 0x1_0000_0000 + readU32(bytes, at + 12);
      headerSize = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < headerSize || at + size > end) {
      break;
    }
    out.push({ type: typeAt(bytes, at + 4), start: at, end: at + size, headerSize });
    at += size;
  }
  return out;
}

/**
 * Bytes before a container's first child box, after its header: 0 for plain containers,
 * 8 for stsd (FullBox header + entry_count), 78 for visual and 28 for audio sample entries.
 */
const CHILD_OFFSET: Readonly<Record<string, number>> = {
  stsd: 8,
  dref: 8,
  avc1: 78,
  avc3: 78,
  hvc1: 78,
  hev1: 78,
  mp4a: 28,
  fLaC: 28,
  ulaw: 28,
  alaw: 28,
};

/** Where the children of `parent` start. */
export function childrenStart(parent: BoxRef): number {
  return parent.start + parent.headerSize + (CHILD_OFFSET[parent.type] ?? 0);
}

/** Direct children of `parent` whose type is `type`. */
export function childrenOfType(bytes: Uint8Array, parent: BoxRef, type: string): BoxRef[] {
  return readBoxes(bytes, childrenStart(parent), parent.end).filter((b) => b.type === type);
}

/**
 * Follow `path` from the top level, taking the `index`-th match at the first level whose
 * type repeats (e.g. trak) when `indexes` names it. Returns the chain of boxes, outermost
 * first, or undefined when some step is missing.
 */
export function findPath(
  bytes: Uint8Array,
  path: readonly string[],
  indexes: Readonly<Record<string, number>> = {},
): BoxRef[] | undefined {
  const chain: BoxRef[] = [];
  let children = readBoxes(bytes);
  for (const type of path) {
    const matches = children.filter((b) => b.type === type);
    const found = matches[indexes[type] ?? 0];
    if (!found) {
      return undefined;
    }
    chain.push(found);
    children = readBoxes(bytes, childrenStart(found), found.end);
  }
  return chain;
}

/** The payload of a box (after its header), as a view. */
export function payloadOf(bytes: Uint8Array, ref: BoxRef): Uint8Array {
  return bytes.subarray(ref.start + ref.headerSize, ref.end);
}

/** The four-character code of each sample entry in the stsd of the `trackIndex`-th trak (tests, logs). */
export function sampleEntryTypes(init: Uint8Array, trackIndex: number): string[] {
  const chain = findPath(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'], { trak: trackIndex });
  const stsd = chain?.[chain.length - 1];
  return stsd ? readBoxes(init, childrenStart(stsd), stsd.end).map((b) => b.type) : [];
}
