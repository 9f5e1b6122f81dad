// Plays a list of access units at their real-time rate, looping with continuous timestamps,
// the way a camera would (simulator live and playback streams). Answers the playback controls
// of MANSRTSP (PAUSE, PLAY, Scale) and the IFameCmd keyframe request.
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../codecs/types.js';

/** A loop stalled (debugger, overloaded host) longer than this re-anchors instead of bursting. */
const MAX_CATCH_UP_MS = 2000;

export interface ClipPlayerOptions {
  /** Decode order; video keyframes and audio interleaved as they were captured. */
  clip: readonly AccessUnit[];
  onAccessUnit(au: AccessUnit): void;
  /** Default true. When false, the player stops after one pass and calls onEnd. */
  loop?: boolean;
  /** Playback speed. Default 1. */
  scale?: number;
  onEnd?(): void;
  /** Monotonic clock in ms. Default performance.now; tests pass a mocked one. */
  now?: () => number;
}

export class ClipPlayer {
  private readonly clip: readonly AccessUnit[];
  private readonly opts: ClipPlayerOptions;
  private readonly now: () => number;
  /** Clip duration in ticks: the video DTS span plus one frame interval. */
  readonly durationTicks: number;
  private index = 0;
  /** Added to clip timestamps: one duration per completed loop, adjusted by keyframe jumps. */
  private offset = 0;
  private scaleValue: number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private paused = false;
  private forceKey = false;
  /** The wall clock (ms) at which output DTS `anchorDts` is due. */
  private anchorMs = 0;
  private anchorDts = 0;
  emitted = 0;
  loops = 0;

  constructor(opts: ClipPlayerOptions) {
    if (opts.clip.length === 0) {
      throw new Error('ClipPlayer needs at least one access unit');
    }
    this.clip = opts.clip;
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    this.scaleValue = opts.scale ?? 1;
    // The video timeline defines a loop (audio rides along); audio-only clips use their own.
    const video = opts.clip.filter((au) => isVideoCodec(au.codec));
    const timeline = (video.length > 0 ? video : opts.clip).map((au) => au.dts);
    this.durationTicks = Math.max(...timeline) - Math.min(...timeline) + frameInterval(opts.clip);
  }

  get scale(): number {
    return this.scaleValue;
  }

  get isPlaying(): boolean {
    return this.running && !this.paused;
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.paused = false;
    this.reanchor();
    this.tick();
  }

  /** Idempotent. */
  stop(): void {
    this.running = false;
    this.clearTimer();
  }

  pause(): void {
    if (!this.running || this.paused) {
      return;
    }
    this.paused = true;
    this.clearTimer();
  }

  resume(): void {
    if (!this.running || !this.paused) {
      return;
    }
    this.paused = false;
    this.reanchor();
    this.tick();
  }

  /** Playback speed (MANSRTSP Scale): 2 plays twice as fast; timestamps stay 1:1 with the clip. */
  setScale(scale: number): void {
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new Error(`invalid scale ${scale}`);
    }
    this.scaleValue = scale;
    if (this.isPlaying) {
      this.clearTimer();
      this.reanchor();
      this.tick();
    }
  }

  /** The next emitted AU is the clip's next video keyframe, with timestamps kept continuous. */
  forceKeyframe(): void {
    this.forceKey = true;
    if (this.isPlaying) {
      this.clearTimer();
      this.tick();
    }
  }

  private nextDts(): number {
    return this.clip[this.index].dts + this.offset;
  }

  private reanchor(): void {
    this.anchorMs = this.now();
    this.anchorDts = this.nextDts();
  }

  private dueMs(dts: number): number {
    return this.anchorMs + ((dts - this.anchorDts) * 1000) / CLOCK_HZ / this.scaleValue;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.isPlaying) {
      return;
    }
    if (this.forceKey) {
      this.jumpToKeyframe();
    }
    const now = this.now();
    if (now - this.dueMs(this.nextDts()) > MAX_CATCH_UP_MS) {
      this.reanchor();
    }
    while (this.isPlaying && this.dueMs(this.nextDts()) <= now) {
      const au = this.clip[this.index];
      const offset = this.offset;
      this.advance();
      this.emitted++;
      this.opts.onAccessUnit(offset === 0 ? au : { ...au, pts: au.pts + offset, dts: au.dts + offset });
      if (!this.running) {
        return;
      }
    }
    if (this.isPlaying) {
      this.timer = setTimeout(() => this.tick(), Math.max(0, this.dueMs(this.nextDts()) - this.now()));
    }
  }

  private advance(): void {
    this.index++;
    if (this.index < this.clip.length) {
      return;
    }
    this.index = 0;
    this.offset += this.durationTicks;
    this.loops++;
    if (this.opts.loop === false) {
      this.running = false;
      this.opts.onEnd?.();
    }
  }

  /** Skips to the next video keyframe; shifts the offset so its DTS is the one that was due next. */
  private jumpToKeyframe(): void {
    this.forceKey = false;
    const dueDts = this.nextDts();
    for (let step = 0; step < this.clip.length; step++) {
      const i = (this.index + step) % this.clip.length;
      const au = this.clip[i];
      if (!isVideoCodec(au.codec) || !au.keyframe) {
        continue;
      }
      this.index = i;
      this.offset = dueDts - au.dts;
      return;
    }
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = undefined;
  }
}

/** The most common positive DTS step of the video (of the audio when there is none); 3600 when unknown. */
function frameInterval(clip: readonly AccessUnit[]): number {
  const hasVideo = clip.some((au) => isVideoCodec(au.codec));
  const counts = new Map<number, number>();
  let prev: number | undefined;
  for (const au of clip) {
    if (isVideoCodec(au.codec) !== hasVideo) {
      continue;
    }
    if (prev !== undefined && au.dts > prev) {
      counts.set(au.dts - prev, (counts.get(au.dts - prev) ?? 0) + 1);
    }
    prev = au.dts;
  }
  let best = CLOCK_HZ / 25;
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount) {
      [best, bestCount] = [step, count];
    }
  }
  return best;
}
