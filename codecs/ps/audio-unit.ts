// Audio access units: one per audio PES (docs/gb28181.md §10.6: GB/T 28181 devices send one
// G.711 or ADTS frame group per PES), units = [the payload], keyframe always true. A PES
// without a PTS continues from the previous one by its duration (G.711: 8000 samples/s,
// one byte per sample, so CLOCK_HZ / 8000 ticks per byte). In a program whose video carries no PTS
// at all, the first such PES starts at the RTP time (or 0 in a file), and the run is put back
// on the RTP clock when it strays from it (lost PES).
import { CLOCK_HZ, type AccessUnit, type AudioCodec } from '../types.js';
import { probeAudioCodec } from './codec-probe.js';
import type { AssemblerCounters } from './access-unit.js';

const G711_TICKS_PER_BYTE = CLOCK_HZ / 8_000;
/** Untimed audio further than this from the RTP clock is put back on it. */
const MAX_CLOCK_DRIFT = CLOCK_HZ / 2;
/** Emitted payloads are carved from slabs of this size: one allocation per many frames. */
const SLAB_SIZE = 1 << 16;

export class AudioAssembler {
  /** RTP time (unwrapped, 90 kHz) of the payload being appended; undefined without RTP. */
  clock: number | undefined;
  /** The program's video carries no PTS at all: audio without one is timed regardless. */
  ptsless = false;

  private codec: AudioCodec | undefined;
  /** Codec named by the PSM; the payload can overrule it (Dahua labels ADTS as G.711). */
  private psmCodec: AudioCodec | undefined;

  private buf = new Uint8Array(2048);
  private slab = new Uint8Array(0);
  private slabPos = 0;
  private len = 0;
  private active = false;
  private pts: number | undefined;
  private dts = 0;
  private lastPts: number | undefined;
  private lastDts = 0;
  private lastDuration = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly counters: AssemblerCounters,
  ) {}

  get bufferedBytes(): number {
    return this.len;
  }

  /**
   * The PSM's codec for the audio stream. A different one than before (a reconfigured device
   * went from A-law to µ-law) makes the next payload decide the codec again.
   */
  set hint(codec: AudioCodec) {
    if (this.psmCodec !== undefined && codec !== this.psmCodec) {
      this.codec = undefined;
    }
    this.psmCodec = codec;
  }

  /** A new PES begins; timestamps are unwrapped, undefined when the PES has none. */
  begin(pts: number | undefined, dts: number): void {
    this.active = true;
    this.len = 0;
    this.pts = pts;
    this.dts = dts;
  }

  append(src: Uint8Array, start: number, end: number): void {
    if (!this.active) {
      return;
    }
    const n = end - start;
    if (this.len + n > this.maxBytes) {
      this.counters.oversize++;
      this.drop();
      return;
    }
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(2 * this.buf.length, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }

  /** The PES is complete: emit it (a copy of the payload). */
  end(out: AccessUnit[]): void {
    if (!this.active) {
      return;
    }
    this.active = false;
    this.emit(this.copyOut(this.buf, 0, this.len), out);
    this.len = 0;
  }

  /** A whole PES payload in one piece, emitted without the intermediate buffer. */
  whole(
    pts: number | undefined,
    dts: number,
    src: Uint8Array,
    start: number,
    end: number,
    out: AccessUnit[],
  ): void {
    this.pts = pts;
    this.dts = dts;
    this.emit(this.copyOut(src, start, end), out);
  }

  /** The unfinished PES is lost (gap, corruption, truncated input). */
  drop(): void {
    if (this.active) {
      this.counters.droppedAccessUnits++;
      this.counters.droppedBytes += this.len;
    }
    this.active = false;
    this.len = 0;
  }

  /** A copy that is never written again (consumers may keep it in a GOP cache). */
  private copyOut(src: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (this.slabPos + n > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_SIZE, n));
      this.slabPos = 0;
    }
    const out = this.slab.subarray(this.slabPos, this.slabPos + n);
    out.set(src.subarray(start, end));
    this.slabPos += n;
    return out;
  }

  private emit(payload: Uint8Array, out: AccessUnit[]): void {
    if (payload.length === 0) {
      return;
    }
    if (this.codec === undefined) {
      this.codec = probeAudioCodec(payload, this.psmCodec);
    }
    if (this.codec === undefined) {
      return;
    } // no PSM and not ADTS: cannot tell what it is
    let pts: number;
    let dts: number;
    if (this.pts !== undefined) {
      pts = this.pts;
      dts = this.dts;
    } else if (this.lastPts !== undefined) {
      pts = this.lastPts + this.lastDuration;
      dts = this.lastDts + this.lastDuration;
      const clock = this.ptsless ? this.clock : undefined;
      if (clock !== undefined && Math.abs(dts - clock) > MAX_CLOCK_DRIFT) {
        pts = dts = clock;
      }
    } else if (this.ptsless) {
      pts = dts = this.clock ?? 0;
    } else {
      return; // nothing to time it by
    }
    this.lastDuration =
      this.codec === 'PCMA' || this.codec === 'PCMU'
        ? Math.round(payload.length * G711_TICKS_PER_BYTE)
        : this.lastPts !== undefined && dts > this.lastDts
          ? dts - this.lastDts
          : this.lastDuration;
    this.lastPts = pts;
    this.lastDts = dts;
    out.push({ codec: this.codec, pts, dts, keyframe: true, units: [payload] });
  }
}
