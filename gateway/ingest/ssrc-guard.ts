// Decides which RTP SSRC belongs to an ingest session, so a stray or stale sender on the same
// port is never mixed into the stream (docs/gb28181.md §7.3, §11 #11, §13 #6).
//
// Modes:
// - 'strict': only the expected SSRC (the y= of the answer, else of the offer) is accepted.
//   Without an expected SSRC it behaves like 'learn-first'.
// - 'learn-first' (default): the first SSRC seen is locked in, because devices often send
//   something other than y=: Dahua cameras send SSRC 0 regardless (SRS #2047), a Hikvision
//   NCG answered its own y= (wvp #127). One exception: if the expected SSRC shows up after a
//   different one was learned, the session switches to it once and stays there (the first
//   sender was the stray one). The caller must treat a switch as a discontinuity.
// - 'off': every SSRC is accepted (one receive port per stream is the only key).
// Rejected packets are counted; each distinct rejected SSRC is reported once (bounded).
//
// With a source lock (UDP, source-lock.ts) the packet's source is weighed too, after its SSRC
// (so a foreign SSRC is still reported as such). An acceptable SSRC from a source other than
// the locked one is rejected as 'reject-source' unless the source is at an address signaling
// named for the device ('trusted'). The learn-first switch to the expected SSRC is allowed
// from the locked source, a trusted one, or while the locked source has delivered no media
// ('unproven': a stray got there first); otherwise anyone who read y= could take the stream
// over from a device that ignores y=.
import type { SourceMatch } from './source-lock.js';

export type SsrcMode = 'strict' | 'learn-first' | 'off';

export type SsrcVerdict =
  /** Accepted. */
  | 'accept'
  /** Accepted, and the session just switched to the expected SSRC: a discontinuity. */
  | 'switch'
  /** Rejected; first time this SSRC was seen (report it). */
  | 'reject-new'
  /** Rejected; already reported. */
  | 'reject'
  /** The SSRC would be accepted, but the packet comes from a source the session does not take. */
  | 'reject-source';

/** Distinct rejected SSRCs remembered for once-only reporting; junk floods stay bounded. */
const MAX_REPORTED = 64;

export class SsrcGuard {
  readonly mode: SsrcMode;
  private expectedSsrc: number | undefined;
  private lockedSsrc: number | undefined;
  private switched = false;
  private readonly reported = new Set<number>();
  mismatches = 0;
  switches = 0;

  constructor(mode: SsrcMode = 'learn-first', expected?: number) {
    this.mode = mode;
    this.expectedSsrc = expected === undefined ? undefined : expected >>> 0;
  }

  get expected(): number | undefined {
    return this.expectedSsrc;
  }

  /** The SSRC the session accepts now (undefined until learned, or in 'off' mode). */
  get locked(): number | undefined {
    if (this.mode === 'strict' && this.expectedSsrc !== undefined) {
      return this.expectedSsrc;
    }
    return this.lockedSsrc;
  }

  /** The 200 OK may carry a different y= than the offer. */
  setExpected(ssrc: number): void {
    const value = ssrc >>> 0;
    if (value === this.expectedSsrc) {
      return;
    }
    this.expectedSsrc = value;
    this.switched = false;
    this.reported.delete(value);
  }

  /**
   * `source` is how the packet's source relates to the session's source lock; without one
   * (TCP, or no lock kept) every source counts as the locked one.
   */
  check(ssrc: number, source: SourceMatch = 'same'): SsrcVerdict {
    if (this.mode === 'off') {
      return 'accept';
    }
    const expected = this.expectedSsrc;
    if (this.mode === 'strict' && expected !== undefined) {
      return ssrc === expected ? sameSsrc(source) : this.reject(ssrc);
    }
    if (this.lockedSsrc === undefined) {
      this.lockedSsrc = ssrc; // (no source is locked before the first SSRC is)
      return 'accept';
    }
    if (ssrc === this.lockedSsrc) {
      return sameSsrc(source);
    }
    if (ssrc === expected && !this.switched) {
      if (source === 'other') {
        return 'reject-source'; // from whoever read y=, not from the device
      }
      this.switched = true;
      this.switches++;
      this.lockedSsrc = ssrc;
      return 'switch';
    }
    return this.reject(ssrc);
  }

  private reject(ssrc: number): SsrcVerdict {
    this.mismatches++;
    if (this.reported.has(ssrc) || this.reported.size >= MAX_REPORTED) {
      return 'reject';
    }
    this.reported.add(ssrc);
    return 'reject-new';
  }
}

/**
 * The session's own SSRC from another source: only a trusted address may move the lock
 * (a NAT rebinding the device's port); an unproven lock is no reason to share the SSRC.
 */
function sameSsrc(source: SourceMatch): SsrcVerdict {
  return source === 'other' || source === 'unproven' ? 'reject-source' : 'accept';
}
