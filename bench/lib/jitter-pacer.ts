// Sends a clip as GB28181 PS/RTP in real time for the latency suite, like a camera, with one
// twist: every video frame's timestamp is moved by a small pseudo-random amount (±20 ticks of
// 90 kHz, ±0.22 ms), so the sequence of frame intervals is unique and a frame seen at the other
// end (an RTP timestamp with an unknown per-viewer offset, an fMP4 decode time) can be matched
// to the moment it was sent without any shared clock offset.
import { performance } from 'node:perf_hooks';
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../codecs/types.js';
import type { PsRtpSender } from '../../gateway/outbound/ps-rtp-sender.js';

export interface SentFrame {
  /** The video AU's DTS as sent (90 kHz, unwrapped; equals its PTS: no B-frames). */
  dts: number;
  /** performance.now() right after its last RTP packet was handed to the socket. */
  sentAtMs: number;
  keyframe: boolean;
}

/** Deterministic jitter in [-20, 20] ticks for frame i (a small LCG, no Math.random). */
export function frameJitter(i: number): number {
  const x = (Math.imul(i + 1, 1103515245) + 12345) >>> 0;
  return ((x >>> 8) % 41) - 20;
}

export class JitterPacer {
  readonly frames: SentFrame[] = [];
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  private loop = 0;
  private videoCount = 0;
  private readonly loopTicks: number;
  private readonly startMs = performance.now();
  private readonly firstDts: number;

  constructor(
    private readonly clip: readonly AccessUnit[],
    private readonly sender: PsRtpSender,
    /** Added to every timestamp (a camera's clock does not start at 0). */
    private readonly baseTicks = CLOCK_HZ * 1000,
  ) {
    const video = clip.filter((au) => isVideoCodec(au.codec));
    this.loopTicks = video[video.length - 1].dts - video[0].dts + (video[1].dts - video[0].dts);
    this.firstDts = clip[0].dts;
    this.tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private due(au: AccessUnit): number {
    return this.startMs + ((au.dts - this.firstDts + this.loop * this.loopTicks) * 1000) / CLOCK_HZ;
  }

  private tick(): void {
    const now = performance.now();
    while (this.due(this.clip[this.index]) <= now) {
      const au = this.clip[this.index];
      const shift =
        this.baseTicks +
        this.loop * this.loopTicks +
        (isVideoCodec(au.codec) ? frameJitter(this.videoCount) : 0);
      const out: AccessUnit = { ...au, pts: au.pts + shift, dts: au.dts + shift };
      this.sender.sendAccessUnit(out);
      if (isVideoCodec(au.codec)) {
        this.frames.push({ dts: out.dts, sentAtMs: performance.now(), keyframe: au.keyframe });
        this.videoCount++;
      }
      if (++this.index === this.clip.length) {
        this.index = 0;
        this.loop++;
      }
    }
    this.timer = setTimeout(
      () => this.tick(),
      Math.max(0, this.due(this.clip[this.index]) - performance.now()),
    );
  }
}
