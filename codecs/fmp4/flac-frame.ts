// One FLAC frame with VERBATIM subframes (RFC 9639 §9): raw 16-bit PCM in a FLAC wrapper,
// no prediction, so writing it costs a copy and two CRCs. The fixed-blocksize strategy carries
// the frame number in the header (live HLS: every frame the same size); the variable-blocksize
// strategy carries the number of the frame's first sample (recordings: frames cut to runs of
// any length, docs/fmp4.md §7).
//
//   frame header (§9.1)
//   +----------------+----------------+----------+----------+------------+--------------+-------+
//   | sync 0xFFF8    | bs code | sr   | chan|ss|0| frame #  | bs-1       | rate         | CRC-8 |
//   | 14b + 0 + 0    | 4b      | 4b   | 4b 3b 1b | UTF-8    | 8/16b opt. | 8/16b opt.   | 8b    |
//   +----------------+----------------+----------+----------+------------+--------------+-------+
//   subframe per channel (§9.2): 0 | type 000001 (VERBATIM) | wasted 0  = 0x02, then samples
//   footer (§9.3): CRC-16 of everything before it
import { flacCrc8, flacCrc16 } from './flac-crc.js';

/** Sample-rate codes of §9.1.2 for the common rates. */
const RATE_CODES: ReadonlyMap<number, number> = new Map([
  [88200, 1],
  [176400, 2],
  [192000, 3],
  [8000, 4],
  [16000, 5],
  [22050, 6],
  [24000, 7],
  [32000, 8],
  [44100, 9],
  [48000, 10],
  [96000, 11],
]);

function blockSizeCode(n: number): number {
  if (n === 192) {
    return 1;
  }
  for (let c = 2; c <= 5; c++) {
    if (n === 576 << (c - 2)) {
      return c;
    }
  }
  for (let c = 8; c <= 15; c++) {
    if (n === 256 << (c - 8)) {
      return c;
    }
  }
  return n <= 256 ? 6 : 7;
}

/** §9.1.2: the 4-bit sample-rate code and the bytes that follow the header when needed. */
function rateCode(r: number): { code: number; tail: number[] } {
  const code = RATE_CODES.get(r);
  if (code !== undefined) {
    return { code, tail: [] };
  }
  if (r % 1000 === 0 && r / 1000 <= 255) {
    return { code: 12, tail: [r / 1000] };
  }
  if (r <= 0xffff) {
    return { code: 13, tail: [r >>> 8, r & 0xff] };
  }
  if (r % 10 === 0 && r / 10 <= 0xffff) {
    return { code: 14, tail: [(r / 10) >>> 8, (r / 10) & 0xff] };
  }
  return { code: 0, tail: [] }; // "get from STREAMINFO"
}

/**
 * §9.1.5: a frame number (up to 31 bits) or sample number (up to 36 bits) in the UTF-8-like
 * variable-length code: 1 byte below 2^7, else a lead byte of k ones and k - 1 bytes 10xxxxxx
 * (k = 2..7; the 7-byte form, lead 0xFE, holds 36 bits).
 */
export function codedNumber(n: number): number[] {
  if (n < 0x80) {
    return [n];
  }
  let k = 2;
  while (k < 7 && n >= 2 ** (5 * k + 1)) {
    k++;
  }
  const out: number[] = [];
  let rest = n;
  for (let i = 1; i < k; i++) {
    out.unshift(0x80 | (rest % 64));
    rest = Math.floor(rest / 64);
  }
  const lead = (0xff << (8 - k)) & 0xff;
  out.unshift(lead | rest);
  return out;
}

export type FlacFrameOptions =
  | {
      sampleRate: number;
      /** Fixed-blocksize stream: the frame's index; wraps at 2^31. */
      frameNumber: number;
    }
  | {
      sampleRate: number;
      /** Variable-blocksize stream: the index of the frame's first sample; wraps at 2^36. */
      sampleNumber: number;
    };

/**
 * Encode one frame of 16-bit PCM. `channels` holds one Int16Array per channel (independent
 * channel assignment), all of the same length: the block size, 1..65536.
 */
export function writeFlacFrame(channels: readonly Int16Array[], opts: FlacFrameOptions): Uint8Array {
  const nch = channels.length;
  const n = nch > 0 ? channels[0].length : 0;
  if (nch < 1 || nch > 8 || n < 1 || n > 65536) {
    throw new Error(`bad FLAC block: ${nch} channels x ${n}`);
  }
  for (const c of channels) {
    if (c.length !== n) {
      throw new Error('FLAC channels differ in length');
    }
  }

  const variable = 'sampleNumber' in opts;
  const head: number[] = [0xff, variable ? 0xf9 : 0xf8]; // blocking strategy bit (§9.1.1)
  const bs = blockSizeCode(n);
  const { code: sr, tail: rateTail } = rateCode(opts.sampleRate);
  head.push((bs << 4) | sr);
  head.push(((nch - 1) << 4) | (0b100 << 1)); // independent channels, 16 bits per sample
  head.push(...codedNumber(variable ? opts.sampleNumber % 2 ** 36 : opts.frameNumber % 0x80000000));
  if (bs === 6) {
    head.push(n - 1);
  }
  if (bs === 7) {
    head.push((n - 1) >>> 8, (n - 1) & 0xff);
  }
  head.push(...rateTail);

  const size = head.length + 1 + nch * (1 + 2 * n) + 2;
  const out = new Uint8Array(size);
  out.set(head, 0);
  let at = head.length;
  out[at] = flacCrc8(out, 0, at);
  at++;
  for (const c of channels) {
    out[at++] = 0x02; // zero bit, VERBATIM (0b000001), no wasted bits
    for (let i = 0; i < n; i++) {
      const s = c[i];
      out[at++] = (s >> 8) & 0xff;
      out[at++] = s & 0xff;
    }
  }
  const crc = flacCrc16(out, 0, at);
  out[at++] = crc >>> 8;
  out[at] = crc & 0xff;
  return out;
}
