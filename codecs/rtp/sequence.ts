// Serial-number arithmetic for the 16-bit RTP sequence number and the 32-bit RTP timestamp
// (RFC 3550 §5.1 and Appendix A.1; the comparison rule is RFC 1982 serial-number arithmetic).

const SEQ_MOD = 0x10000;
const TS_MOD = 0x100000000;

/**
 * Signed distance a − b on the 16-bit circle, in [−32768, 32767].
 * seqDiff(0, 65535) === 1: 0 follows 65535 across the wrap.
 */
export function seqDiff(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** True when `a` comes after `b` (within half the sequence space). */
export function isSeqNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** Signed distance a − b on the 32-bit timestamp circle, in [−2^31, 2^31 − 1]. */
export function timestampDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Extends 16-bit sequence numbers to a monotonic number, as RFC 3550 A.1 counts cycles.
 * The first value maps to itself; later values land within ±32768 of the highest seen, so a
 * late packet from before the wrap maps just below it and a packet after the wrap maps above 65535.
 */
export class SequenceUnwrapper {
  private highest: number | undefined;

  unwrap(sequence: number): number {
    const seq = sequence & 0xffff;
    if (this.highest === undefined) {
      this.highest = seq;
      return seq;
    }
    const extended = this.highest + seqDiff(seq, this.highest % SEQ_MOD);
    if (extended > this.highest) {
      this.highest = extended;
    }
    return extended;
  }

  /** Forget the history; the next value maps to itself again. */
  reset(): void {
    this.highest = undefined;
  }
}

/**
 * Extends 32-bit RTP timestamps the same way. At 90 kHz the timestamp wraps every 13.25 hours,
 * and a device may start it anywhere (RFC 3550 §5.1: "the initial value … SHOULD be random").
 */
export class TimestampUnwrapper {
  private highest: number | undefined;

  unwrap(timestamp: number): number {
    const ts = timestamp >>> 0;
    if (this.highest === undefined) {
      this.highest = ts;
      return ts;
    }
    const extended = this.highest + timestampDiff(ts, this.highest % TS_MOD);
    if (extended > this.highest) {
      this.highest = extended;
    }
    return extended;
  }

  reset(): void {
    this.highest = undefined;
  }
}
