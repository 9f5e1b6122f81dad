// Derives what Stream.info reports about the media itself (codecs, size, frame rate, bitrate,
// frame counts, B-frames) from the access units flowing through the hub: the one place these
// are decided (the ingest, the outputs and the diagnosis read them here). Timing comes from AU
// timestamps (90 kHz), never from arrival time, so bursts and jitter do not distort fps or
// bitrate. A video codec change (a reconfigured device, another sender) starts the picture
// facts afresh: size, frame rate and B-frames belong to the new encoder.
import {
  CLOCK_HZ,
  isVideoCodec,
  type AccessUnit,
  type AudioCodec,
  type VideoCodec,
} from '../../codecs/types.js';
import { describeH264 } from '../../codecs/h264/describe.js';
import { describeH265 } from '../../codecs/h265/describe.js';

/** Frame-rate estimate: mean of the last N video DTS steps. */
const FPS_WINDOW = 32;
/** Bitrate estimate: bytes over at least this much media time. */
const BITRATE_WINDOW_TICKS = 2 * CLOCK_HZ;
/** A backwards PTS step larger than this is a discontinuity, not frame reordering. */
const MAX_REORDER_TICKS = 10 * CLOCK_HZ;

export interface MediaInfo {
  videoCodec?: VideoCodec;
  audioCodec?: AudioCodec;
  /** RFC 6381 codec string (avc1.PPCCLL / hvc1.…), from the last keyframe's SPS. */
  codecString?: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  /** Video access units. */
  frames: number;
  keyframes: number;
  audioFrames: number;
  /** Set once a video PTS goes backwards in decode order (B-frames; WebRTC cannot carry them). */
  hasBFrames: boolean;
  /** Times the video or audio codec changed after it was first known. */
  codecChanges: number;
}

export class MediaInfoTracker {
  readonly info: MediaInfo = { frames: 0, keyframes: 0, audioFrames: 0, hasBFrames: false, codecChanges: 0 };
  private lastVideoPts: number | undefined;
  private lastVideoDts: number | undefined;
  private readonly dtsSteps: number[] = [];
  private stepIndex = 0;
  private windowStart: number | undefined;
  private windowBytes = 0;

  /** Takes one access unit into account; callers compare `info` before and after for changes. */
  observe(au: AccessUnit): void {
    let bytes = 0;
    for (const unit of au.units) {
      bytes += unit.length;
    }
    this.countBitrate(au.dts, bytes);
    const info = this.info;
    if (isVideoCodec(au.codec)) {
      if (info.videoCodec !== au.codec) {
        if (info.videoCodec !== undefined) {
          info.codecChanges++;
          this.newEncoder();
        }
        info.videoCodec = au.codec;
      }
      this.observeVideo(au, au.codec);
    } else {
      if (info.audioCodec !== au.codec) {
        if (info.audioCodec !== undefined) {
          info.codecChanges++;
        }
        info.audioCodec = au.codec;
      }
      info.audioFrames++;
    }
  }

  /** What described the old encoder's pictures does not describe the new one's. */
  private newEncoder(): void {
    const info = this.info;
    info.codecString = info.width = info.height = info.fps = undefined;
    info.hasBFrames = false;
    this.lastVideoPts = this.lastVideoDts = undefined;
    this.dtsSteps.length = 0;
    this.stepIndex = 0;
  }

  private observeVideo(au: AccessUnit, codec: VideoCodec): void {
    const info = this.info;
    info.frames++;
    if (au.keyframe) {
      info.keyframes++;
      const described = codec === 'H264' ? describeH264(au.units) : describeH265(au.units);
      if (described) {
        info.codecString = described.codecString;
        info.width = described.width;
        info.height = described.height;
      }
    }
    if (this.lastVideoPts !== undefined && this.lastVideoDts !== undefined) {
      const back = this.lastVideoPts - au.pts;
      if (back > 0 && back < MAX_REORDER_TICKS && au.dts >= this.lastVideoDts) {
        info.hasBFrames = true;
      }
      const step = au.dts - this.lastVideoDts;
      if (step > 0 && step < CLOCK_HZ) {
        this.addStep(step);
      }
    }
    this.lastVideoPts = au.pts;
    this.lastVideoDts = au.dts;
  }

  private addStep(step: number): void {
    if (this.dtsSteps.length < FPS_WINDOW) {
      this.dtsSteps.push(step);
    } else {
      this.dtsSteps[this.stepIndex++ % FPS_WINDOW] = step;
    }
    let sum = 0;
    for (const s of this.dtsSteps) {
      sum += s;
    }
    this.info.fps = Math.round((CLOCK_HZ * this.dtsSteps.length * 100) / sum) / 100;
  }

  private countBitrate(dts: number, bytes: number): void {
    // Audio and video DTS interleave loosely; only a large backwards step restarts the window.
    if (this.windowStart === undefined || dts < this.windowStart - MAX_REORDER_TICKS) {
      this.windowStart = dts;
      this.windowBytes = 0;
    }
    this.windowBytes += bytes;
    const span = dts - this.windowStart;
    if (span >= BITRATE_WINDOW_TICKS) {
      this.info.bitrateKbps = Math.round((this.windowBytes * 8 * CLOCK_HZ) / span / 1000);
      this.windowStart = dts;
      this.windowBytes = 0;
    }
  }
}
