// ITU-T G.711 A-law and µ-law companding ↔ 16-bit linear PCM.
//
// Both laws code a sign, a 3-bit segment (exponent) and a 4-bit step (mantissa) in one octet:
//   +---+---+---+---+---+---+---+---+
//   | S |  segment  |   mantissa    |
//   +---+---+---+---+---+---+---+---+
// A-law (G.711 Tables 1a/1b) works on 13-bit magnitudes; its even bits are inverted on the line
// (XOR 0x55) and S = 1 means positive. µ-law (Tables 2a/2b) works on 14-bit magnitudes with a
// bias of 33 so every segment starts at a power of two; the whole octet is inverted on the line.
// Decoded values are the mid-points of the decision intervals, scaled to 16 bits
// (A-law ×8, µ-law ×4), which is what G.191's reference tools produce.
//
// Decoding goes through 256-entry tables; encoding is arithmetic (a leading-zero count finds
// the segment), so neither direction allocates per sample.

/** A-law magnitude (13-bit scale) of segment s, step m: mid-point of the interval. */
function alawMagnitude(segment: number, mantissa: number): number {
  // Segment 0 is linear with step 2 from 0; segment s ≥ 1 starts at 16·2^s with step 2^s.
  return segment === 0 ? 2 * mantissa + 1 : (2 * mantissa + 33) << (segment - 1);
}

/** µ-law magnitude (14-bit scale): the biased value (33 + 2·m + 1)·2^s minus the bias. */
function ulawMagnitude(segment: number, mantissa: number): number {
  return ((2 * mantissa + 33) << segment) - 33;
}

const ALAW_TO_LINEAR = new Int16Array(256);
const ULAW_TO_LINEAR = new Int16Array(256);
for (let code = 0; code < 256; code++) {
  const a = code ^ 0x55;
  const aMag = alawMagnitude((a >> 4) & 7, a & 15) << 3;
  ALAW_TO_LINEAR[code] = a & 0x80 ? aMag : -aMag;
  const u = ~code & 0xff;
  const uMag = ulawMagnitude((u >> 4) & 7, u & 15) << 2;
  ULAW_TO_LINEAR[code] = u & 0x80 ? -uMag : uMag;
}

/** A-law octet → 16-bit linear sample. */
export function alawToLinear(code: number): number {
  return ALAW_TO_LINEAR[code & 0xff];
}

/** µ-law octet → 16-bit linear sample. */
export function ulawToLinear(code: number): number {
  return ULAW_TO_LINEAR[code & 0xff];
}

/** 16-bit linear sample → A-law octet (values outside int16 are clamped). */
export function linearToAlaw(sample: number): number {
  let s = clamp16(sample) >> 3; // 13-bit two's complement
  let sign = 0x80;
  if (s < 0) {
    sign = 0;
    s = -s - 1; // one's complement magnitude: -1 … -4096 → 0 … 4095
  }
  // Segment 0 covers 0–31; segment k ≥ 1 covers [16·2^k, 32·2^k), i.e. bit length 5 + k.
  const segment = s < 32 ? 0 : 31 - Math.clz32(s) - 4;
  const mantissa = segment === 0 ? s >> 1 : (s >> segment) & 15;
  return (sign | (segment << 4) | mantissa) ^ 0x55;
}

/** µ-law clips at the top of segment 7: 8158 + 33 = 8191 on the 14-bit scale. */
const ULAW_CLIP = 8158;

/** 16-bit linear sample → µ-law octet (values outside int16 are clamped). */
export function linearToUlaw(sample: number): number {
  let s = clamp16(sample) >> 2; // 14-bit two's complement
  let sign = 0;
  if (s < 0) {
    // One's complement magnitude, as for A-law and as ITU-T G.191's reference coder does; coders
    // that negate instead differ only on inputs exactly halfway between two levels.
    sign = 0x80;
    s = -s - 1;
  }
  const biased = Math.min(s, ULAW_CLIP) + 33; // 33 … 8191: bit length 6 + segment
  const segment = 31 - Math.clz32(biased) - 5;
  const mantissa = (biased >> (segment + 1)) & 15;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

/** A-law octets → linear samples, into `dst` when given (it must be long enough). */
export function decodeAlaw(src: Uint8Array, dst?: Int16Array): Int16Array {
  return decodeWith(ALAW_TO_LINEAR, src, dst);
}

/** µ-law octets → linear samples, into `dst` when given (it must be long enough). */
export function decodeUlaw(src: Uint8Array, dst?: Int16Array): Int16Array {
  return decodeWith(ULAW_TO_LINEAR, src, dst);
}

/** Linear samples → A-law octets, into `dst` when given. */
export function encodeAlaw(src: Int16Array, dst?: Uint8Array): Uint8Array {
  const out = target(dst, src.length, Uint8Array);
  for (let i = 0; i < src.length; i++) {
    out[i] = linearToAlaw(src[i]);
  }
  return out;
}

/** Linear samples → µ-law octets, into `dst` when given. */
export function encodeUlaw(src: Int16Array, dst?: Uint8Array): Uint8Array {
  const out = target(dst, src.length, Uint8Array);
  for (let i = 0; i < src.length; i++) {
    out[i] = linearToUlaw(src[i]);
  }
  return out;
}

function decodeWith(table: Int16Array, src: Uint8Array, dst: Int16Array | undefined): Int16Array {
  const out = target(dst, src.length, Int16Array);
  for (let i = 0; i < src.length; i++) {
    out[i] = table[src[i]];
  }
  return out;
}

/** The first n elements of dst, or a new array; a short dst is programmer misuse. */
function target<T extends Int16Array | Uint8Array>(
  dst: T | undefined,
  n: number,
  make: new (n: number) => T,
): T {
  if (!dst) {
    return new make(n);
  }
  if (dst.length < n) {
    throw new RangeError(`destination holds ${dst.length} samples, ${n} needed`);
  }
  return (dst.length === n ? dst : dst.subarray(0, n)) as T;
}

function clamp16(sample: number): number {
  return sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample | 0;
}
