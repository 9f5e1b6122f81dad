// Timestamps for video access units assembled from PES payloads. A PTS belongs to the first
// access unit that starts in its PES (ISO/IEC 13818-1 §2.4.3.7), so each timed PES leaves
// a mark at the buffer position where its payload begins. An access unit may start in a
// PES without a timestamp (the standard only requires one every 0.7 s; ffmpeg's PS muxer
// leaves some out): it is then timed from its neighbours, by the learned frame interval or
// halfway to the next timed access unit.

export interface TimestampMark {
  pos: number;
  pts: number;
  dts: number;
}

const MAX_MARKS = 64;

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

  mark(pos: number, pts: number, dts: number): void {
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
    this.lastDts = undefined;
    this.lastTimedDts = undefined;
    this.untimedRun = 0;
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

  /** [pts, dts] of an access unit without a mark, when the next one (mark `next`) begins. */
  untimed(next: TimestampMark | undefined): [number, number] {
    const prev = this.lastDts ?? 0;
    let dts = this.step > 0 ? prev + this.step : undefined;
    if (next !== undefined && next.dts > prev && (dts === undefined || dts >= next.dts)) {
      dts = prev + (next.dts - prev) / 2;
    }
    dts = Math.round(dts ?? prev);
    return this.emitted(dts + this.lastOffset, dts, this.untimedRun + 1);
  }

  private emitted(pts: number, dts: number, untimedRun: number): [number, number] {
    this.lastDts = dts;
    this.lastOffset = pts - dts;
    this.untimedRun = untimedRun;
    return [pts, dts];
  }
}
