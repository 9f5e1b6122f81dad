// Timestamps for video access units assembled from PES payloads. A PTS belongs to the first
// access unit that starts in its PES (ISO/IEC 13818-1 §2.4.3.7), so each timed PES leaves
// a mark at the buffer position where its payload begins. An access unit may start in a
// PES without a timestamp (the standard only requires one every 0.7 s; ffmpeg's PS muxer
// leaves some out): it is then timed from its neighbours, by the learned frame interval or
// halfway to the next timed access unit.
//
// Some encoders write no PTS or DTS in any PES (a field bug: the stream used to come out
// black). Until a PES brings a timestamp, the stream is taken to be one of those
// (`ptsSeen` false): its access units are timed from the RTP timestamp of the packet they
// begin in (GB/T 28181 RTP runs on the same 90 kHz clock), or, with no RTP (a file), one frame
// interval apart: the SPS frame rate when it declares one, else 25 fps.
import { CLOCK_HZ } from '../types.js';

export interface TimestampMark {
  pos: number;
  pts: number;
  dts: number;
}

const MAX_MARKS = 64;
/** Frame interval used when nothing better is known: 25 fps, the usual GB/T 28181 camera rate. */
export const DEFAULT_FRAME_TICKS = CLOCK_HZ / 25;

export class PesTiming {
  private marks: TimestampMark[] = [];
  /** dts of the last access unit, and of the last one that had its own timestamp. */
  private lastDts: number | undefined;
  private lastTimedDts: number | undefined;
  private lastOffset = 0;
  /** Frame interval in 90 kHz ticks, learned from consecutive timed access units. */
  private step = 0;
  /** Access units since the last timed one. */
  private untimedRun = 0;
  /** Frame interval declared by the stream (SPS timing info); 0 when unknown. */
  private declaredStep = 0;
  /** A PES of this stream has carried a timestamp (never reset by gaps). */
  ptsSeen = false;

  mark(pos: number, pts: number, dts: number): void {
    this.ptsSeen = true;
    if (this.marks.length === MAX_MARKS) {
      this.marks.shift();
    }
    this.marks.push({ pos, pts, dts });
  }

  /** The latest mark at or before `pos`. */
  latest(pos: number): TimestampMark | undefined {
    const marks = this.marks;
    for (let i = marks.length - 1; i >= 0; i--) {
      if (marks[i].pos <= pos) {
        return marks[i];
      }
    }
    return undefined;
  }

  /** Drops `m` and every earlier mark. */
  consume(m: TimestampMark): void {
    this.marks.splice(0, this.marks.indexOf(m) + 1);
  }

  /** Bytes at `from` moved to `to`; marks before `from` now point at `to`. */
  shift(from: number, to: number): void {
    const d = from - to;
    for (const m of this.marks) {
      m.pos = Math.max(to, m.pos - d);
    }
  }

  /** A discontinuity: no mark or cadence carries over. */
  clear(): void {
    this.marks.length = 0;
    this.resetCadence();
  }

  /** A new encoder (codec change): its timeline and frame rate start afresh; marks stay. */
  resetCadence(): void {
    this.lastDts = undefined;
    this.lastTimedDts = undefined;
    this.untimedRun = 0;
    this.step = 0;
    this.declaredStep = 0;
  }

  /** The frame rate the stream's SPS declares, for streams timed by interpolation alone. */
  declareFrameRate(fps: number): void {
    if (fps >= 1 && fps <= 240) {
      this.declaredStep = CLOCK_HZ / fps;
    }
  }

  get knowsFrameRate(): boolean {
    return this.step > 0 || this.declaredStep > 0;
  }

  /** [pts, dts] of an access unit that begins with mark `m` (consumed). */
  timed(m: TimestampMark): [number, number] {
    const last = this.lastTimedDts;
    if (last !== undefined && m.dts > last) {
      this.step = (m.dts - last) / (this.untimedRun + 1);
    }
    this.lastTimedDts = m.dts;
    this.consume(m);
    return this.emitted(m.pts, m.dts, 0);
  }

  /**
   * [pts, dts] of an access unit without a mark, when the next one (mark `next`) begins.
   * `clock` is the RTP time it began at, used only while the stream has shown no PTS at all.
   */
  untimed(next: TimestampMark | undefined, clock: number | undefined): [number, number] {
    if (!this.ptsSeen && clock !== undefined) {
      return this.emitted(clock, clock, this.untimedRun + 1);
    }
    const prev = this.lastDts;
    if (prev === undefined) {
      // Nothing before it: one frame before the next timed unit (joined mid-stream at a PES
      // without PTS), or 0 for a stream without any timestamp.
      const dts = next === undefined ? 0 : next.dts - (this.declaredStep || DEFAULT_FRAME_TICKS);
      return this.emitted(dts + (next ? next.pts - next.dts : 0), dts, this.untimedRun + 1);
    }
    let dts = this.step > 0 ? prev + this.step : undefined;
    if (next !== undefined && next.dts > prev && (dts === undefined || dts >= next.dts)) {
      dts = prev + (next.dts - prev) / 2;
    }
    dts = Math.round(dts ?? prev + (this.declaredStep || DEFAULT_FRAME_TICKS));
    return this.emitted(dts + this.lastOffset, dts, this.untimedRun + 1);
  }

  private emitted(pts: number, dts: number, untimedRun: number): [number, number] {
    this.lastDts = dts;
    this.lastOffset = pts - dts;
    this.untimedRun = untimedRun;
    return [pts, dts];
  }
}
