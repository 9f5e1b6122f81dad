// Decides where HLS segments and LL-HLS partial segments begin (RFC 8216 §6.2.2 and the
// LL-HLS additions of RFC 8216bis §4.4.4.9): segments start on video keyframes once the
// target duration is reached; parts close before the frame that would overrun the part
// target. Pure and timer-free: every decision is made when the next video sample arrives,
// because a sample's duration is only known from the one after it.
import type { NalUnitSample } from '../../../codecs/fmp4/avcc-sample.js';
import type { Processor } from '../../../codecs/processor.js';
import { CLOCK_HZ } from '../../../codecs/types.js';

/**
 * A sample's bytes: already in sample format (length-prefixed), or NAL units that are
 * length-prefixed straight into the fragment when it is written (one copy in all).
 */
export type SampleBytes = Uint8Array | NalUnitSample;

/** A video sample on the output timeline (90 kHz, rebased). */
export interface VideoSampleIn {
  readonly kind: 'video';
  readonly dts: number;
  /** pts - dts, never negative (trun version 0 carries it unsigned). */
  readonly cto: number;
  readonly keyframe: boolean;
  readonly data: SampleBytes;
}

/** An audio sample (one FLAC frame) on the audio track's own timescale. */
export interface AudioSampleIn {
  readonly kind: 'audio';
  readonly time: number;
  readonly duration: number;
  readonly data: Uint8Array;
}

export type SegmenterInput = VideoSampleIn | AudioSampleIn;

export interface VideoSampleOut {
  readonly dts: number;
  readonly duration: number;
  readonly cto: number;
  readonly keyframe: boolean;
  readonly data: SampleBytes;
}

export interface Part {
  readonly msn: number;
  /** Index of this part within its segment. */
  readonly index: number;
  /** Starts with a keyframe. */
  readonly independent: boolean;
  readonly startDts: number;
  readonly durationTicks: number;
  readonly video: readonly VideoSampleOut[];
  readonly audio: readonly AudioSampleIn[];
}

export type SegmenterEvent =
  | { readonly type: 'part'; readonly part: Part }
  | {
      readonly type: 'segment';
      readonly msn: number;
      readonly startDts: number;
      readonly durationTicks: number;
      readonly parts: number;
    };

export interface SegmenterOptions {
  /** Cut a segment at the first keyframe at or after this many seconds. Default 2. */
  targetDurationSec?: number;
  /** Close a part before the frame that would make it longer than this. Default 1/3 s. */
  partTargetSec?: number;
  /** With no keyframe in sight, cut anyway (not independent) at this length. Default 3 × target. */
  maxSegmentSec?: number;
  /** Audio frames held while no video arrives; older ones are dropped. Default 500. */
  maxPendingAudio?: number;
  /**
   * Cut segments where another output did: for a keyframe's decode time, the media sequence
   * number of that output's segment starting there, or undefined. With it, segments start only
   * at such keyframes (video before the first is dropped) and take their numbers; the target
   * duration no longer decides. The H.264 variant of an H.265 camera follows the camera's cuts.
   */
  cutAt?: (dts: number) => number | undefined;
}

/** Timestamps that differ by less than this count as equal (10 ms). */
const TOLERANCE = CLOCK_HZ / 100;

export class Segmenter implements Processor<SegmenterInput, SegmenterEvent> {
  readonly targetTicks: number;
  readonly partTargetTicks: number;
  readonly maxSegmentTicks: number;
  private readonly maxPendingAudio: number;
  private readonly cutAt: ((dts: number) => number | undefined) | undefined;

  private pending: VideoSampleIn | undefined;
  private lastDuration = CLOCK_HZ / 25;
  private msn = 0;
  private partIndex = 0;
  private segStart = 0;
  private partStart = 0;
  private partIndependent = false;
  private video: VideoSampleOut[] = [];
  private audio: AudioSampleIn[] = [];
  private readonly counters = { parts: 0, segments: 0, forcedCuts: 0, droppedAudio: 0, droppedVideo: 0 };

  constructor(opts: SegmenterOptions = {}) {
    this.targetTicks = Math.round((opts.targetDurationSec ?? 2) * CLOCK_HZ);
    this.partTargetTicks = Math.round((opts.partTargetSec ?? 1 / 3) * CLOCK_HZ);
    this.maxSegmentTicks = Math.round((opts.maxSegmentSec ?? 3 * (opts.targetDurationSec ?? 2)) * CLOCK_HZ);
    this.maxPendingAudio = opts.maxPendingAudio ?? 500;
    this.cutAt = opts.cutAt;
  }

  get stats(): Readonly<Record<string, number>> {
    return this.counters;
  }

  /** The media sequence number and start (decode time) of the segment being built. */
  get openSegment(): { msn: number; startDts: number } | undefined {
    return this.pending ? { msn: this.msn, startDts: this.segStart } : undefined;
  }

  push(input: SegmenterInput): SegmenterEvent[] {
    if (input.kind === 'audio') {
      this.audio.push(input);
      if (this.audio.length > this.maxPendingAudio) {
        this.audio.shift();
        this.counters.droppedAudio++;
      }
      return [];
    }
    const prev = this.pending;
    if (!prev) {
      const follow = this.cutAt ? this.cutAt(input.dts) : 0;
      if (!input.keyframe || follow === undefined) {
        this.counters.droppedVideo++; // the first segment must start on a keyframe (and where the other did)
        return [];
      }
      if (this.cutAt) {
        this.msn = follow;
      }
      this.pending = input;
      this.segStart = this.partStart = input.dts;
      this.partIndependent = true;
      return [];
    }
    const duration = input.dts - prev.dts;
    if (duration <= 0) {
      this.counters.droppedVideo++; // decode order must advance; the caller rebases jumps
      return [];
    }
    this.video.push({ dts: prev.dts, duration, cto: prev.cto, keyframe: prev.keyframe, data: prev.data });
    this.lastDuration = duration;
    this.pending = input;

    const out: SegmenterEvent[] = [];
    const segElapsed = input.dts - this.segStart;
    const followed = this.cutAt && input.keyframe ? this.cutAt(input.dts) : undefined;
    if (followed !== undefined) {
      this.closeSegment(input, out, followed);
    } else if (!this.cutAt && input.keyframe && segElapsed + TOLERANCE >= this.targetTicks) {
      this.closeSegment(input, out);
    } else if (segElapsed + TOLERANCE >= this.maxSegmentTicks) {
      this.counters.forcedCuts++;
      this.closeSegment(input, out);
    } else if (input.dts - this.partStart + duration > this.partTargetTicks + TOLERANCE) {
      this.closePart(input.dts, out);
      this.partStart = input.dts;
      this.partIndependent = input.keyframe;
    }
    return out;
  }

  /**
   * End of input, or of a run of input (a codec change: what follows needs another init
   * segment): the held sample gets the last seen frame duration, the open part and segment
   * close, and the next input starts a new segment at its first keyframe.
   */
  flush(): SegmenterEvent[] {
    const prev = this.pending;
    if (!prev) {
      return [];
    }
    const out: SegmenterEvent[] = [];
    const end = prev.dts + this.lastDuration;
    this.video.push({
      dts: prev.dts,
      duration: this.lastDuration,
      cto: prev.cto,
      keyframe: prev.keyframe,
      data: prev.data,
    });
    this.pending = undefined;
    this.closePart(end, out);
    this.emitSegment(end, out);
    this.msn++;
    this.partIndex = 0;
    return out;
  }

  private closeSegment(next: VideoSampleIn, out: SegmenterEvent[], msn?: number): void {
    this.closePart(next.dts, out);
    this.emitSegment(next.dts, out);
    this.msn = msn ?? this.msn + 1;
    this.partIndex = 0;
    this.segStart = this.partStart = next.dts;
    this.partIndependent = next.keyframe;
  }

  private emitSegment(end: number, out: SegmenterEvent[]): void {
    out.push({
      type: 'segment',
      msn: this.msn,
      startDts: this.segStart,
      durationTicks: end - this.segStart,
      parts: this.partIndex,
    });
    this.counters.segments++;
  }

  private closePart(end: number, out: SegmenterEvent[]): void {
    if (this.video.length === 0) {
      return;
    }
    const part: Part = {
      msn: this.msn,
      index: this.partIndex++,
      independent: this.partIndependent,
      startDts: this.partStart,
      durationTicks: end - this.partStart,
      video: this.video,
      audio: this.audio,
    };
    this.video = [];
    this.audio = [];
    this.counters.parts++;
    out.push({ type: 'part', part });
  }
}
