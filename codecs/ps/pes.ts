// PES packet header (ISO/IEC 13818-1 §2.4.3.6, Table 2-21) with 33-bit PTS/DTS (§2.4.3.7),
// plus the MPEG-1 packet header (ISO/IEC 11172-1 §2.4.3.3) that ffmpeg writes inside
// MPEG-1 packs.
//
// MPEG-2:
//   0..3   00 00 01 stream_id
//   4..5   PES_packet_length (bytes after this field; 0 = unbounded, video only)
//   6      10 scrambling(2) priority data_alignment copyright original
//   7      PTS_DTS_flags(2) ESCR ES_rate DSM_trick additional_copy CRC extension
//   8      PES_header_data_length: skip exactly this many bytes to reach the payload
//   9..    PTS (5 bytes) [DTS (5 bytes)] ...
// MPEG-1 (after the length): up to 16 stuffing 0xFF, [01 STD_buffer (2 bytes)], then
//   0010 PTS (5) | 0011 PTS DTS (10) | 0000 1111 (1).
//
// A timestamp is 5 bytes: pppp TS[32..30] 1 | TS[29..22] | TS[21..15] 1 | TS[14..7] |
// TS[6..0] 1, where pppp is 0010 for a PTS alone, 0011 for a PTS with DTS, 0001 for a DTS.
import type { Parsed } from './constants.js';

export interface PesHeader {
  streamId: number;
  /** PES_packet_length; 0 means unbounded (the payload runs to the next start code). */
  packetLength: number;
  /** Bytes from the start code to the first payload byte. */
  headerLength: number;
  /** Raw 33-bit timestamps, 90 kHz. */
  pts?: number;
  dts?: number;
  mpeg1: boolean;
}

export const PES_FIXED_HEADER_SIZE = 9;
const MAX_MPEG1_STUFFING = 16;

/** The 33-bit timestamp in the 5 bytes at `at`. Marker bits are not checked. */
export function readTimestamp(b: Uint8Array, at: number): number {
  const a = b[at];
  const low30 = (b[at + 1] << 22) | ((b[at + 2] >> 1) << 15) | (b[at + 3] << 7) | (b[at + 4] >> 1);
  return ((a >> 1) & 7) * 2 ** 30 + low30;
}

/** Writes `value` (taken modulo 2^33) as 5 bytes with the 4-bit `prefix` (2, 3 or 1). */
export function writeTimestamp(out: Uint8Array, at: number, prefix: number, value: number): void {
  const v = ((value % 2 ** 33) + 2 ** 33) % 2 ** 33;
  const hi = Math.floor(v / 2 ** 30) & 7;
  const lo = v % 2 ** 30;
  out[at] = (prefix << 4) | (hi << 1) | 1;
  out[at + 1] = (lo >>> 22) & 0xff;
  out[at + 2] = (((lo >>> 15) & 0x7f) << 1) | 1;
  out[at + 3] = (lo >>> 7) & 0xff;
  out[at + 4] = ((lo & 0x7f) << 1) | 1;
}

export function readPesHeader(b: Uint8Array, at: number, end: number): Parsed<PesHeader> {
  if (end - at < 7) {
    return 'more';
  }
  if (b[at] !== 0 || b[at + 1] !== 0 || b[at + 2] !== 1 || b[at + 3] < 0xbc) {
    return 'invalid';
  }
  const streamId = b[at + 3];
  const packetLength = (b[at + 4] << 8) | b[at + 5];
  if ((b[at + 6] & 0xc0) === 0x80) {
    return readMpeg2(b, at, end, streamId, packetLength);
  }
  return readMpeg1(b, at, end, streamId, packetLength);
}

function readMpeg2(
  b: Uint8Array,
  at: number,
  end: number,
  streamId: number,
  packetLength: number,
): Parsed<PesHeader> {
  if (end - at < PES_FIXED_HEADER_SIZE) {
    return 'more';
  }
  const dataLength = b[at + 8];
  if (packetLength !== 0 && 3 + dataLength > packetLength) {
    return 'invalid';
  }
  const headerLength = PES_FIXED_HEADER_SIZE + dataLength;
  if (end - at < headerLength) {
    return 'more';
  }
  const flags = b[at + 7] >> 6;
  const h: PesHeader = { streamId, packetLength, headerLength, mpeg1: false };
  // PTS_DTS_flags: '10' PTS only, '11' PTS and DTS, '01' forbidden (ignored).
  if (flags >= 2 && dataLength >= 5) {
    h.pts = readTimestamp(b, at + 9);
  }
  if (flags === 3 && dataLength >= 10) {
    h.dts = readTimestamp(b, at + 14);
  }
  return h;
}

function readMpeg1(
  b: Uint8Array,
  at: number,
  end: number,
  streamId: number,
  packetLength: number,
): Parsed<PesHeader> {
  // Running out of bytes means 'more' only when the packet itself goes on past `end`.
  const packetEnd = packetLength === 0 ? Infinity : at + 6 + packetLength;
  const limit = Math.min(end, packetEnd);
  const short = packetEnd > end ? 'more' : 'invalid';
  let p = at + 6;
  for (let n = 0; p < limit && b[p] === 0xff; n++, p++) {
    if (n === MAX_MPEG1_STUFFING) {
      return 'invalid';
    }
  }
  if (p < limit && (b[p] & 0xc0) === 0x40) {
    p += 2;
  } // '01' STD_buffer_scale STD_buffer_size(13)
  if (p >= limit) {
    return short;
  }
  const c = b[p];
  const size = (c & 0xf0) === 0x20 ? 5 : (c & 0xf0) === 0x30 ? 10 : c === 0x0f ? 1 : 0;
  if (size === 0) {
    return 'invalid';
  }
  if (p + size > limit) {
    return short;
  }
  const h: PesHeader = { streamId, packetLength, headerLength: p + size - at, mpeg1: true };
  if (size >= 5) {
    h.pts = readTimestamp(b, p);
  }
  if (size === 10) {
    h.dts = readTimestamp(b, p + 5);
  }
  return h;
}

/**
 * An MPEG-2 PES header for `payloadLength` bytes (at most 65535 - 13). A DTS is written
 * only with a PTS and only when it differs from it (§2.4.3.7).
 */
export function writePesHeader(
  streamId: number,
  payloadLength: number,
  pts?: number,
  dts?: number,
): Uint8Array {
  const withDts = pts !== undefined && dts !== undefined && dts !== pts;
  const dataLength = pts === undefined ? 0 : withDts ? 10 : 5;
  const out = new Uint8Array(PES_FIXED_HEADER_SIZE + dataLength);
  out[2] = 1;
  out[3] = streamId;
  const packetLength = 3 + dataLength + payloadLength;
  out[4] = (packetLength >>> 8) & 0xff;
  out[5] = packetLength & 0xff;
  out[6] = 0x80; // '10', not scrambled, no priority, no alignment flag, no copyright, copy
  out[7] = pts === undefined ? 0 : withDts ? 0xc0 : 0x80;
  out[8] = dataLength;
  if (pts !== undefined) {
    writeTimestamp(out, 9, withDts ? 3 : 2, pts);
  }
  if (withDts) {
    writeTimestamp(out, 14, 1, dts);
  }
  return out;
}
