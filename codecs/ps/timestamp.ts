// 33-bit PTS/DTS/SCR arithmetic (ISO/IEC 13818-1 §2.4.3.7: 90 kHz, wraps every 2^33 ticks,
// about 26.5 hours) and unwrapping into a monotonic timeline, the idea of hls.js
// normalizePts: pick the candidate value closest to a reference.

export const TIMESTAMP_WRAP = 2 ** 33;

/** raw (0 .. 2^33-1) moved by whole wraps so it lies within half a wrap of reference. */
export function unwrapTimestamp(raw: number, reference: number): number {
  const k = Math.round((reference - raw) / TIMESTAMP_WRAP);
  return raw + k * TIMESTAMP_WRAP;
}

/** An unwrapped value back to 33 bits (for writing PES headers). */
export function wrapTimestamp(value: number): number {
  const v = value % TIMESTAMP_WRAP;
  return v < 0 ? v + TIMESTAMP_WRAP : v;
}

/**
 * Unwraps successive timestamps of one program. The reference follows the latest decode
 * time, so audio and video of the same program share one timeline across a wrap.
 */
export class TimestampUnwrapper {
  private reference: number | undefined;

  /** Unwraps a DTS (or a PTS with no DTS) and moves the reference to it. */
  unwrap(raw: number): number {
    const v = this.reference === undefined ? raw : unwrapTimestamp(raw, this.reference);
    this.reference = v;
    return v;
  }

  /** Unwraps a PTS next to its already unwrapped DTS, without moving the reference. */
  unwrapNear(raw: number, dts: number): number {
    return unwrapTimestamp(raw, dts);
  }

  reset(): void {
    this.reference = undefined;
  }
}
