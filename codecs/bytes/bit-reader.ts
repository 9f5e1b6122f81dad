// MSB-first bit reader with exp-Golomb codes (ITU-T H.264 §9.1, H.265 §9.2), for SPS
// parsing. Reads past the end yield zero bits and set `overrun` instead of throwing, so a
// parser reads a whole structure and checks `overrun` once at the end.

export class BitReader {
  private bitPos = 0;
  private readonly bitEnd: number;
  /** Set once any read went past the end of the data. */
  overrun = false;

  constructor(private readonly bytes: Uint8Array) {
    this.bitEnd = bytes.length * 8;
  }

  get bitsLeft(): number {
    return Math.max(0, this.bitEnd - this.bitPos);
  }

  get position(): number {
    return this.bitPos;
  }

  /** One bit. */
  u1(): number {
    if (this.bitPos >= this.bitEnd) {
      this.overrun = true;
      return 0;
    }
    const bit = (this.bytes[this.bitPos >>> 3] >>> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return bit;
  }

  flag(): boolean {
    return this.u1() === 1;
  }

  /** u(n) for n up to 32, as an unsigned number. */
  u(n: number): number {
    let v = 0;
    // Byte-at-a-time when aligned keeps 32-bit fields (VUI num_units_in_tick) cheap.
    while (n >= 8 && (this.bitPos & 7) === 0 && this.bitPos + 8 <= this.bitEnd) {
      v = v * 256 + this.bytes[this.bitPos >>> 3];
      this.bitPos += 8;
      n -= 8;
    }
    for (let i = 0; i < n; i++) {
      v = v * 2 + this.u1();
    }
    return v;
  }

  skip(n: number): void {
    this.bitPos += n;
    if (this.bitPos > this.bitEnd) {
      this.bitPos = this.bitEnd;
      this.overrun = true;
    }
  }

  /**
   * ue(v): leadingZeroBits zeros, a 1, then leadingZeroBits bits (H.264 §9.1).
   * More than 31 leading zeros cannot occur in a conforming stream; treat it as overrun.
   */
  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      if (this.overrun || ++zeros > 31) {
        this.overrun = true;
        return 0;
      }
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v): ue mapped 0, 1, -1, 2, -2 ... (H.264 §9.1.1, Table 9-3). */
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }
}
