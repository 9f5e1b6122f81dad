// The outer hash of HMAC-SHA1 (RFC 2104 §2: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ text))) for a fixed key.
// Its input is always one 64-byte block fixed per key followed by the 20-byte inner digest, so
// the state after the first block is computed once and each packet costs one SHA-1 compression
// here in JS instead of a second call into OpenSSL. SHA-1 as in FIPS 180-4 §6.1.2.

/** H(0) of FIPS 180-4 §5.3.1. */
const H0 = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/** One SHA-1 compression of the 16 big-endian words in w[0..16) into state (w is the schedule scratch). */
function compress(state: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  for (let t = 0; t < 80; t++) {
    let f: number;
    let k: number;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
}

export class Sha1Outer {
  /** State after the key block. */
  private readonly mid = new Int32Array(5);
  private readonly state = new Int32Array(5);
  private readonly w = new Int32Array(80);

  /** @param keyBlock the 64 bytes K ⊕ opad */
  constructor(keyBlock: Uint8Array) {
    this.mid.set(H0);
    for (let i = 0; i < 16; i++) {
      this.w[i] = readWord(keyBlock, i * 4);
    }
    compress(this.mid, this.w);
  }

  /**
   * SHA-1(keyBlock ‖ inner) where inner is 20 bytes; writes the first `outBytes` bytes of the
   * digest to out[at..).
   */
  digest(inner: Uint8Array, out: Uint8Array, at: number, outBytes: number): void {
    const w = this.w;
    for (let i = 0; i < 5; i++) {
      w[i] = readWord(inner, i * 4);
    }
    // FIPS 180-4 §5.1.1 padding: a 1 bit, zeros, the message length in bits (84 bytes = 672).
    w[5] = 0x80000000 | 0;
    for (let i = 6; i < 15; i++) {
      w[i] = 0;
    }
    w[15] = (64 + 20) * 8;
    const s = this.state;
    s.set(this.mid);
    compress(s, w);
    for (let i = 0; i < outBytes; i++) {
      out[at + i] = (s[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
    }
  }
}

function readWord(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}
