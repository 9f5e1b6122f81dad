// Maps the output's media timeline to wall-clock time for EXT-X-PROGRAM-DATE-TIME.
// Each unit gives one estimate, arrival time minus media time; the smallest is the unit that
// waited least (a GOP-cache replay arrives late in a burst, network jitter only adds delay).
// Taking the minimum over a sliding window of about 10–20 s lets the map follow a camera
// clock that drifts against ours.

export class WallClockMap {
  private currentBucket = Number.NaN;
  private currentMin = Number.POSITIVE_INFINITY;
  private previousMin = Number.POSITIVE_INFINITY;

  constructor(private readonly bucketMs = 10_000) {}

  /** A unit with media time `mediaMs` (output timeline) arrived at wall time `nowMs`. */
  observe(nowMs: number, mediaMs: number): void {
    const bucket = Math.floor(nowMs / this.bucketMs);
    if (bucket !== this.currentBucket) {
      this.previousMin = bucket === this.currentBucket + 1 ? this.currentMin : Number.POSITIVE_INFINITY;
      this.currentMin = Number.POSITIVE_INFINITY;
      this.currentBucket = bucket;
    }
    this.currentMin = Math.min(this.currentMin, nowMs - mediaMs);
  }

  /** Wall-clock ms at media time 0, or undefined before any observation. */
  get zeroMs(): number | undefined {
    const v = Math.min(this.currentMin, this.previousMin);
    return Number.isFinite(v) ? v : undefined;
  }
}
