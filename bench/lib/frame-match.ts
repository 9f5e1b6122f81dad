// Matches frames seen at an output to the frames the latency suite sent. WebRTC: every viewer's
// RTP timestamps are the sent PTS plus an unknown random offset (RFC 3550 §5.1), so the offset
// is found as the one under which the most received timestamps land on a sent one — unique,
// because the sent frame intervals carry pseudo-random jitter (jitter-pacer.ts).
const TWO_32 = 0x1_0000_0000;
const mod32 = (n: number): number => ((n % TWO_32) + TWO_32) % TWO_32;

/**
 * Returns the offset C with rtpTimestamp = (sentDts + C) mod 2^32 that explains the most
 * received timestamps, and how many it explains. `tries` bounds the candidate pairs.
 */
export function findRtpOffset(
  sentDts: readonly number[],
  received: readonly number[],
  tries = 300,
): { offset: number; matched: number } {
  const sent = new Set(sentDts.map(mod32));
  let best = { offset: 0, matched: 0 };
  const last = received[received.length - 1];
  if (last === undefined) {
    return best;
  }
  const recent = sentDts.slice(-tries);
  for (const s of recent) {
    const offset = mod32(last - s);
    let matched = 0;
    for (const r of received) {
      if (sent.has(mod32(r - offset))) {
        matched++;
      }
    }
    if (matched > best.matched) {
      best = { offset, matched };
    }
  }
  return best;
}

export { mod32 };
