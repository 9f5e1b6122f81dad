// Media clock → RTP timestamp (RFC 3550 §5.1). Access units carry 90 kHz ticks; video RTP
// uses 90 kHz too (RFC 6184 §5.1, RFC 7798 §4.1), G.711 uses its 8 kHz sampling clock
// (RFC 3551 §4.5.14), so sinks convert at their edge (docs/architecture.md §5 "Units").
import { CLOCK_HZ } from '../../../codecs/types.js';

const TWO_32 = 0x1_0000_0000;

/** Reduces any integer (unwrapped, possibly above 2^32 or negative) to a 32-bit RTP field. */
export function toUint32(n: number): number {
  const r = n % TWO_32;
  return r < 0 ? r + TWO_32 : r;
}

/** 90 kHz PTS → 90 kHz RTP timestamp. */
export const videoRtpTimestamp = (pts90k: number): number => toUint32(Math.round(pts90k));

/** 90 kHz PTS → RTP timestamp at `clockRate` (8000 for PCMA/PCMU): pts × clockRate / CLOCK_HZ. */
export function audioRtpTimestamp(pts90k: number, clockRate = 8000): number {
  return toUint32(Math.round((pts90k * clockRate) / CLOCK_HZ));
}

/** Adds two 32-bit RTP timestamps modulo 2^32. */
export const addUint32 = (a: number, b: number): number => toUint32(a + b);
