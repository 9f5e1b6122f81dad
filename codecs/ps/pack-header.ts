// Pack header `00 00 01 BA`: MPEG-2 (ISO/IEC 13818-1 §2.5.3.3, Table 2-33) and MPEG-1
// (ISO/IEC 11172-1 §2.4.3.2) layouts. GB/T 28181 devices send MPEG-2 packs; ffmpeg's
// `-f mpeg` writes MPEG-1 ones.
//
// MPEG-2, 14 bytes + pack_stuffing_length:
//   byte 4   01 SCR[32..30] 1 SCR[29..28]
//   byte 5   SCR[27..20]
//   byte 6   SCR[19..15] 1 SCR[14..13]
//   byte 7   SCR[12..5]
//   byte 8   SCR[4..0] 1 SCR_ext[8..7]
//   byte 9   SCR_ext[6..0] 1
//   10..12   program_mux_rate(22) 1 1
//   byte 13  reserved(5) pack_stuffing_length(3), then that many 0xFF
// MPEG-1, 12 bytes:
//   byte 4   0010 SCR[32..30] 1
//   5..8     SCR[29..15] 1 SCR[14..0] 1
//   9..11    1 mux_rate(22) 1
import { StartCode, type Parsed } from './constants.js';

export interface PackHeader {
  mpeg1: boolean;
  /** system_clock_reference_base, 90 kHz, 33 bits. */
  scr: number;
  /** system_clock_reference_extension, 27 MHz remainder (0 for MPEG-1). */
  scrExtension: number;
  /** program_mux_rate in units of 50 bytes/s. */
  muxRate: number;
  stuffingLength: number;
  /** Total bytes from the start code through the stuffing. */
  length: number;
}

export const MPEG2_PACK_HEADER_SIZE = 14;
export const MPEG1_PACK_HEADER_SIZE = 12;

const isPackStart = (b: Uint8Array, at: number): boolean =>
  b[at] === 0 && b[at + 1] === 0 && b[at + 2] === 1 && b[at + 3] === StartCode.PACK;

/**
 * Bytes the pack header at `at` occupies (stuffing included). A bare `00 00 01 BA` followed
 * by another start code is the empty pack Hikvision H.265 streams contain (docs/gb28181.md §10.6,
 * ireader mpeg-ps-dec.c): it counts as a 4-byte header.
 */
export function packHeaderLength(b: Uint8Array, at: number, end: number): Parsed<number> {
  if (end - at < 5) {
    return 'more';
  }
  if (!isPackStart(b, at)) {
    return 'invalid';
  }
  const b4 = b[at + 4];
  if ((b4 & 0xc0) === 0x40) {
    if (end - at < MPEG2_PACK_HEADER_SIZE) {
      return 'more';
    }
    const length = MPEG2_PACK_HEADER_SIZE + (b[at + 13] & 7);
    return end - at < length ? 'more' : length;
  }
  if ((b4 & 0xf0) === 0x20) {
    return end - at < MPEG1_PACK_HEADER_SIZE ? 'more' : MPEG1_PACK_HEADER_SIZE;
  }
  if (end - at < 7) {
    return 'more';
  }
  if (b4 === 0 && b[at + 5] === 0 && b[at + 6] === 1) {
    return 4;
  }
  return 'invalid';
}

export function readPackHeader(b: Uint8Array, at = 0, end = b.length): Parsed<PackHeader> {
  const length = packHeaderLength(b, at, end);
  if (typeof length !== 'number') {
    return length;
  }
  if (length === 4) {
    return { mpeg1: false, scr: 0, scrExtension: 0, muxRate: 0, stuffingLength: 0, length };
  }
  const b4 = b[at + 4];
  const b5 = b[at + 5];
  const b6 = b[at + 6];
  const b7 = b[at + 7];
  const b8 = b[at + 8];
  const b9 = b[at + 9];
  if ((b4 & 0xc0) === 0x40) {
    const scr =
      ((b4 >> 3) & 7) * 2 ** 30 +
      (((b4 & 3) << 28) | (b5 << 20) | ((b6 >> 3) << 15) | ((b6 & 3) << 13) | (b7 << 5) | (b8 >> 3));
    return {
      mpeg1: false,
      scr,
      scrExtension: ((b8 & 3) << 7) | (b9 >> 1),
      muxRate: (b[at + 10] << 14) | (b[at + 11] << 6) | (b[at + 12] >> 2),
      stuffingLength: b[at + 13] & 7,
      length,
    };
  }
  const scr = ((b4 >> 1) & 7) * 2 ** 30 + ((b5 << 22) | ((b6 >> 1) << 15) | (b7 << 7) | (b8 >> 1));
  return {
    mpeg1: true,
    scr,
    scrExtension: 0,
    muxRate: ((b9 & 0x7f) << 15) | (b[at + 10] << 7) | (b[at + 11] >> 1),
    stuffingLength: 0,
    length,
  };
}

/** An MPEG-2 pack header; scr is taken modulo 2^33, stuffing bytes are 0xFF. */
export function writePackHeader(
  scr: number,
  muxRate: number,
  stuffingLength = 0,
  scrExtension = 0,
): Uint8Array {
  const s = ((scr % 2 ** 33) + 2 ** 33) % 2 ** 33;
  const hi = Math.floor(s / 2 ** 30) & 7; // SCR[32..30]
  const lo = s % 2 ** 30; // SCR[29..0]
  const stuffing = stuffingLength & 7;
  const out = new Uint8Array(MPEG2_PACK_HEADER_SIZE + stuffing);
  out.set([0, 0, 1, StartCode.PACK]);
  out[4] = 0x40 | (hi << 3) | 0x04 | ((lo >>> 28) & 3);
  out[5] = (lo >>> 20) & 0xff;
  out[6] = (((lo >>> 15) & 0x1f) << 3) | 0x04 | ((lo >>> 13) & 3);
  out[7] = (lo >>> 5) & 0xff;
  out[8] = ((lo & 0x1f) << 3) | 0x04 | ((scrExtension >>> 7) & 3);
  out[9] = ((scrExtension & 0x7f) << 1) | 1;
  out[10] = (muxRate >>> 14) & 0xff;
  out[11] = (muxRate >>> 6) & 0xff;
  out[12] = ((muxRate & 0x3f) << 2) | 3;
  out[13] = 0xf8 | stuffing;
  out.fill(0xff, MPEG2_PACK_HEADER_SIZE);
  return out;
}
