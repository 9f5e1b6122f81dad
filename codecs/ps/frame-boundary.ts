// Whether a stream's RTP frame boundaries can be trusted to end video access units early.
// In GB28181 all packets of a frame share one RTP timestamp and the marker usually flags the
// last one (2022 §4.3.6), but devices get it wrong (docs/gb28181.md §10.1), so the
// demuxer's own boundaries (access-unit.ts) stay the authority: each hint is first only
// checked against them, and trusted after LEARN_FRAMES agree in a row. A hint the demuxer
// refutes, or one that falls inside a video PES, ends the trust for good. PsDemuxer owns one
// and feeds it from the marker and timestamp of each PsInput.

/** Consecutive confirmed frames before hints are acted on. */
const LEARN_FRAMES = 25;
/** Refuted hints while learning before giving up. */
const MAX_LEARN_MISSES = 3;

export type FrameBoundaryMode = 'learning' | 'trusted' | 'off';

export class FrameBoundaryLearner {
  /** Times the hints disagreed with the demuxer once trusted (then mode is 'off'). */
  failures = 0;
  private streak = 0;
  private misses = 0;
  private confirmed = 0;
  private wrong = 0;
  private frames = 0;

  /** @param mode where to start; default 'learning' ('trusted' and 'off' are for tests and known devices). */
  constructor(public mode: FrameBoundaryMode = 'learning') {}

  /** A hint landed inside a video PES or header ('partial'). */
  partial(): void {
    this.miss();
  }

  /**
   * After each demuxer step: its running counts of video frames, confirmed and refuted hints.
   * A frame the demuxer closed by itself without a confirmed hint breaks the learning streak.
   */
  update(videoFrames: number, confirmed: number, wrong: number): void {
    const dFrames = videoFrames - this.frames;
    const dConfirmed = confirmed - this.confirmed;
    const dWrong = wrong - this.wrong;
    this.frames = videoFrames;
    this.confirmed = confirmed;
    this.wrong = wrong;
    if (dWrong > 0) {
      this.miss();
    } else if (this.mode === 'learning') {
      this.streak = dConfirmed >= dFrames ? this.streak + dConfirmed : 0;
      if (this.streak >= LEARN_FRAMES) {
        this.mode = 'trusted';
      }
    }
  }

  private miss(): void {
    this.streak = 0;
    if (this.mode === 'trusted') {
      this.failures++;
      this.mode = 'off';
    } else if (this.mode === 'learning' && ++this.misses >= MAX_LEARN_MISSES) {
      this.mode = 'off';
    }
  }
}
