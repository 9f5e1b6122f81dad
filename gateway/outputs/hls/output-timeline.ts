// The output timeline of one stream's HLS: camera time rebased so the first video access unit
// is at 0, kept continuous across source timestamp jumps, and mapped to the wall clock for
// EXT-X-PROGRAM-DATE-TIME. Playlists count from that 0; the fragments' tfdt add `decodeBaseSec`,
// the Unix time of the first unit in whole seconds, so decode times read as dates (docs/fmp4.md
// §5 says why shaka-player needs that). The H.264
// rendition of an H.265 camera (transcoded from the same access units) reads the same
// timeline, so its segments line up with the camera's audio track.
import { CLOCK_HZ } from '../../../codecs/types.js';
import { WallClockMap } from './wall-clock.js';

/** A decode-time step outside (0, 5 s] is a source discontinuity, smoothed over. */
const MAX_STEP = 5 * CLOCK_HZ;

export class OutputTimeline {
  private origin: number | undefined;
  /** Whole seconds of Unix time at output time 0: every tfdt counts from there (docs/fmp4.md §5). */
  private baseSec = 0;
  private offset = 0;
  private lastDts: number | undefined;
  private lastStep = CLOCK_HZ / 25;
  private readonly wallClock = new WallClockMap();
  readonly counters = { timestampJumps: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  get started(): boolean {
    return this.origin !== undefined;
  }

  /**
   * A video access unit's decode time on the output timeline (90 kHz); the first one sets the
   * origin. A step backwards or of more than 5 s is taken as one usual frame step.
   */
  videoDts(dts: number): number {
    if (this.origin === undefined) {
      this.origin = dts;
      this.baseSec = Math.floor(this.now() / 1000);
    }
    let out = dts - this.origin + this.offset;
    if (this.lastDts !== undefined) {
      const step = out - this.lastDts;
      if (step <= 0 || step > MAX_STEP) {
        this.counters.timestampJumps++;
        this.offset += this.lastDts + this.lastStep - out;
        out = this.lastDts + this.lastStep;
      } else {
        this.lastStep = step;
      }
    }
    this.lastDts = out;
    this.wallClock.observe(this.now(), (out * 1000) / CLOCK_HZ);
    return out;
  }

  /** Any other time of the source (a PTS, an audio unit, a transcoded frame) on the timeline. */
  map(time: number): number {
    return time - (this.origin ?? time) + this.offset;
  }

  /** Output time 0 as a fragment decode time in `timescale` units (whole seconds: exact for 90 kHz and 8 kHz). */
  decodeBase(timescale: number): number {
    return this.baseSec * timescale;
  }

  /** Wall-clock ms at output time 0 (PROGRAM-DATE-TIME = this + media time). */
  get wallAtZeroMs(): number {
    return this.wallClock.zeroMs ?? this.now();
  }
}
