// Bounds-checked big-endian reads over a Uint8Array. Nothing here throws on short input:
// a read past the end returns undefined and leaves the position unchanged, so parsers of
// untrusted bytes (codecs/ rule: never throw on input) can bail out with one check.

export class ByteReader {
  private pos: number;
  private readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = Math.min(end, bytes.length);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number | undefined {
    if (this.pos + 1 > this.end) {
      return undefined;
    }
    return this.bytes[this.pos++];
  }

  u16(): number | undefined {
    if (this.pos + 2 > this.end) {
      return undefined;
    }
    const b = this.bytes;
    const v = (b[this.pos] << 8) | b[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u24(): number | undefined {
    if (this.pos + 3 > this.end) {
      return undefined;
    }
    const b = this.bytes;
    const v = (b[this.pos] << 16) | (b[this.pos + 1] << 8) | b[this.pos + 2];
    this.pos += 3;
    return v;
  }

  u32(): number | undefined {
    if (this.pos + 4 > this.end) {
      return undefined;
    }
    const b = this.bytes;
    const v =
      ((b[this.pos] << 24) | (b[this.pos + 1] << 16) | (b[this.pos + 2] << 8) | b[this.pos + 3]) >>> 0;
    this.pos += 4;
    return v;
  }

  /** 64-bit value as a number; exact up to 2^53. */
  u64(): number | undefined {
    if (this.pos + 8 > this.end) {
      return undefined;
    }
    const hi = this.u32()!;
    const lo = this.u32()!;
    return hi * 0x1_0000_0000 + lo;
  }

  /** A view (no copy) of the next n bytes. */
  bytesView(n: number): Uint8Array | undefined {
    if (n < 0 || this.pos + n > this.end) {
      return undefined;
    }
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Skips n bytes; false (position unchanged) when fewer remain. */
  skip(n: number): boolean {
    if (n < 0 || this.pos + n > this.end) {
      return false;
    }
    this.pos += n;
    return true;
  }
}
