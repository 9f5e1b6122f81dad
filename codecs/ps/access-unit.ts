// Video access units from PES payload bytes (ISO/IEC 13818-1 §2.4.3.7; H.264 §7.4.1.2.3,
// H.265 §7.4.2.4.4). PES and RTP boundaries mean nothing here: payloads are appended to a
// buffer, NAL units are found by their Annex-B start codes, and an access unit ends where
// the next one begins: an AUD, parameter set or SEI after a VCL NAL unit, a first slice
// (first_mb_in_slice 0 / first_slice_segment_in_pic_flag 1), or a PES with a new PTS that
// starts on a start code. A PTS belongs to the first access unit that starts in its PES
// (§2.4.3.7), so timestamps are kept as marks at buffer positions; a stream whose PES carry
// no PTS at all is timed by pes-timing.ts. An outside hint (the RTP marker or a new RTP
// timestamp, fed by PsDemuxer) may end a unit earlier; the next start code checks it.
//
// Codec change: a device rebooted or reconfigured from H.264 to H.265 (or another sender taking
// the stream over) starts with the new codec's parameter sets. A VPS/SPS header that only the
// other codec can have, followed by a second NAL header of that codec, switches the codec;
// the access unit that follows is the new codec's (the hub and the outputs take it from there).
//
// Memory: payloads are copied once into a slab; NAL units are views of it. Bytes before the
// current access unit are never written again (emitted units may sit in a GOP cache); a
// full slab is replaced by a new one, carrying only the unfinished NAL unit across.
import type { AccessUnit, VideoCodec } from '../types.js';
import * as h264 from '../h264/nal.js';
import * as h265 from '../h265/nal.js';
import { parseH264Sps } from '../h264/sps.js';
import { probeVideoCodec, startsOtherCodec } from './codec-probe.js';
import { PesTiming, type TimestampMark } from './pes-timing.js';

export interface AssemblerCounters {
  droppedBytes: number;
  droppedAccessUnits: number;
  oversize: number;
  frameEndsConfirmed: number;
  frameEndsWrong: number;
  /** Video access units that began in a PES without a PTS: timed from neighbours, RTP or frame rate. */
  untimedAccessUnits: number;
  /** Of those, the ones timed from the RTP timestamp (streams that carry no PTS at all). */
  rtpTimedAccessUnits: number;
  /** H.264 ⇄ H.265 switches in the payload. */
  codecChanges: number;
}

/** Whether the bytes in so far end the current access unit, as an outside hint claims. */
export type FrameEnd = 'none' | 'partial' | 'clean';

const SLAB_SIZE = 1 << 19;
/** Bytes of the slab kept when discarding: a start code split across appends. */
const TAIL = 3;
/** From this many unscanned bytes on, start codes are searched as 16-bit words. */
const WIDE_SCAN_MIN = 256;
/** The bytes `00 01` read as one native-endian 16-bit word. */
const WORD_00_01 = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0x0100 : 0x0001;

export class AccessUnitAssembler {
  /** Codec named by the PSM, used only when the NAL headers fit both codecs. */
  hint: VideoCodec | undefined;
  /** RTP time (unwrapped, 90 kHz) of the payload being appended; undefined without RTP. */
  clock: number | undefined;

  private codec: VideoCodec | undefined;
  /** A parameter set of the other codec was seen: the codec in use before it, until confirmed. */
  private switchedFrom: VideoCodec | undefined;

  private buf = new Uint8Array(0);
  private writePos = 0;
  /** Where the next search for a `01` byte starts. */
  private scanPos = 0;
  /** Header position of the open (unfinished) NAL unit; -1 when none is open. */
  private nalStart = -1;
  /** The open NAL unit goes into `units` (false for AUDs). */
  private nalKeep = false;
  /** First byte of the current access unit in `buf`, and its bytes left in older slabs. */
  private auStart = 0;
  private auBase = 0;
  private units: Uint8Array[] = [];
  private hasVcl = false;
  private keyframe = false;
  /** An access unit has begun at a recognised start (else NAL units are discarded). */
  private synced = false;
  /** Timestamps of the current access unit; `timed` when a PES gave them (else set at emit). */
  private pts = 0;
  private dts = 0;
  private timed = false;
  /** RTP time when the current access unit began. */
  private auClock: number | undefined;
  /** An access unit began with no PES timestamp at all to go by. */
  private beganUntimed = false;
  private readonly timing = new PesTiming();
  /**
   * Where an outside hint (RTP marker or timestamp change) said the access unit ends, and
   * whether it was emitted there (`closed`). The next start code checks the claim.
   */
  private hintAt = -1;
  private closed = false;
  /** A hint closed an access unit too early: its remaining NAL units are dropped. */
  private skipping = false;

  constructor(
    private readonly maxAccessUnitBytes: number,
    private readonly counters: AssemblerCounters,
  ) {}

  /** The stream has begun access units although no PES of it ever carried a PTS. */
  get untimedStream(): boolean {
    return this.beganUntimed && !this.timing.ptsSeen;
  }

  /** Bytes held for the unfinished access unit. */
  get bufferedBytes(): number {
    return this.auBase + this.writePos - this.auStart;
  }

  /** The PES whose payload is appended next carries these (unwrapped) timestamps. */
  mark(pts: number, dts: number): void {
    this.timing.mark(this.writePos, pts, dts);
  }

  /** Appends src[start, end) and pushes every access unit completed by it onto `out`. */
  append(src: Uint8Array, start: number, end: number, out: AccessUnit[]): void {
    const n = end - start;
    if (n <= 0) {
      return;
    }
    if (this.writePos + n > this.buf.length) {
      this.newSlab(n);
    }
    const buf = this.buf;
    if (n < 16) {
      for (let i = 0; i < n; i++) {
        buf[this.writePos + i] = src[start + i]!;
      }
    } else {
      buf.set(src.subarray(start, end), this.writePos);
    }
    this.writePos += n;
    this.scan(out, false);
    if (!this.synced) {
      // Nothing recognisable yet (joined mid-picture, or after a drop): keep only the tail.
      const keepFrom = this.keepPoint();
      if (keepFrom - this.auStart > 4096) {
        this.counters.droppedBytes += keepFrom - this.auStart;
        this.discardTo(keepFrom);
      }
    } else if (this.bufferedBytes > this.maxAccessUnitBytes) {
      this.counters.oversize++;
      this.drop();
    }
  }

  /** Whether the bytes appended so far could end the current access unit. */
  get frameEnd(): FrameEnd {
    if (!this.synced || this.skipping || !this.hasVcl) {
      return 'none';
    }
    return this.scanPos < this.writePos ? 'partial' : 'clean'; // a start code waits for bytes
  }

  /**
   * An outside hint says the access unit ends here. When `frameEnd` is 'clean' it is
   * remembered (and with `close`, emitted now); the next start code confirms or refutes it.
   */
  hintFrameEnd(out: AccessUnit[], close: boolean): void {
    if (this.frameEnd !== 'clean') {
      return;
    }
    this.hintAt = this.writePos;
    this.closed = close;
    if (close) {
      this.closeNal(this.writePos);
      this.emit(out, undefined);
      this.auStart = this.writePos; // what was emitted must not be overwritten
      this.auBase = 0;
    }
  }

  /** End of input: the last access unit is complete. */
  flush(out: AccessUnit[]): void {
    this.scan(out, true);
    this.closeNal(this.writePos);
    if (this.synced && this.hasVcl) {
      this.emit(out, undefined);
      this.auStart = this.writePos; // what was emitted must not be overwritten
    } else {
      this.countDropped();
    }
    this.reset();
  }

  /**
   * Input ends inside a PES: access units completed by the bytes received are emitted, the
   * one they cut short is dropped and counted.
   */
  truncate(out: AccessUnit[]): void {
    this.scan(out, true);
    this.drop();
  }

  /** Discontinuity: the unfinished access unit is dropped and counted. */
  drop(): void {
    this.countDropped();
    this.reset();
  }

  private countDropped(): void {
    if (this.units.length > 0 || this.nalStart >= 0) {
      this.counters.droppedAccessUnits++;
      this.counters.droppedBytes += this.bufferedBytes;
    }
  }

  private reset(): void {
    this.units = [];
    this.hasVcl = false;
    this.keyframe = false;
    this.synced = false;
    this.nalStart = -1;
    this.hintAt = -1;
    this.closed = false;
    this.skipping = false;
    this.timing.clear();
    this.auBase = 0;
    // Nothing before a discontinuity may combine with what follows it.
    this.scanPos = this.writePos;
    this.discardTo(this.writePos);
  }

  /** Bytes before this may go: a start code (and its wait for header bytes) needs the rest. */
  private keepPoint(): number {
    return Math.min(this.scanPos, this.writePos) - TAIL;
  }

  /**
   * Finds start codes in [scanPos, writePos). A start code is acted on once the three bytes
   * after its `01` are in (NAL header plus the first-slice bit); `final` acts on the rest.
   */
  private scan(out: AccessUnit[], final: boolean): void {
    const end = this.writePos;
    const v = this.buf.subarray(0, end);
    if (end - this.scanPos < WIDE_SCAN_MIN) {
      // Small appends (a few bytes per push): look for each `01` and check the zeros before it.
      for (let p = v.indexOf(1, this.scanPos); p !== -1; p = v.indexOf(1, p + 1)) {
        if (p >= 2 && v[p - 1] === 0 && v[p - 2] === 0 && !this.atStartCode(v, p, final, out)) {
          return;
        }
      }
    } else {
      // Large appends: search 16-bit words. Every `00 00 01` holds an aligned word `00 00`
      // (its first zero at an even offset) or `00 01` (at an odd one). Both are rare in
      // coded slice data, so the native search runs long stretches between calls, where
      // searching for the `01` byte alone returns every ~256 bytes.
      const words = new Uint16Array(this.buf.buffer, this.buf.byteOffset, end >> 1);
      const from = Math.max(0, (this.scanPos - 2) >> 1);
      let zz = words.indexOf(0, from);
      let z1 = words.indexOf(WORD_00_01, from);
      while (zz !== -1 || z1 !== -1) {
        let p: number;
        if (z1 === -1 || (zz !== -1 && 2 * zz + 2 < 2 * z1 + 1)) {
          p = 2 * zz + 2; // 00 00 at 2*zz, the 01 follows
          zz = words.indexOf(0, zz + 1);
          if (p >= end || v[p] !== 1) {
            continue;
          }
        } else {
          p = 2 * z1 + 1; // 00 01 at 2*z1, the other 00 precedes
          z1 = words.indexOf(WORD_00_01, z1 + 1);
          if (p < 2 || v[p - 2] !== 0) {
            continue;
          }
        }
        if (p >= this.scanPos && !this.atStartCode(v, p, final, out)) {
          return;
        }
      }
    }
    this.scanPos = end;
  }

  /** Handles the start code whose `01` is at p; false when it must wait for more bytes. */
  private atStartCode(v: Uint8Array, p: number, final: boolean, out: AccessUnit[]): boolean {
    if (p + 3 >= v.length && !final) {
      this.scanPos = p;
      return false;
    }
    this.onStartCode(v, p, out);
    return true;
  }

  private onStartCode(v: Uint8Array, p: number, out: AccessUnit[]): void {
    const end = v.length;
    const hdr = p + 1;
    const sc = p >= 3 && v[p - 3] === 0 ? p - 3 : p - 2;
    this.closeNal(p - 2);
    if (hdr >= end) {
      return;
    }
    const b0 = v[hdr];
    const b1 = hdr + 1 < end ? v[hdr + 1] : 0;
    const b2 = hdr + 2 < end ? v[hdr + 2] : 0;
    const m = this.timing.latest(hdr);
    if (this.codec === undefined) {
      this.codec = probeVideoCodec(b0, b1, this.hint);
    } else if (this.switchedFrom !== undefined) {
      this.confirmSwitch(b0, b1);
    } else if (startsOtherCodec(this.codec, b0, b1)) {
      this.beginSwitch(out, m, sc);
    }
    if (this.codec === undefined) {
      return;
    } // not recognisable yet: discarded

    let vcl: boolean, first: boolean, begins: boolean, key: boolean, aud: boolean;
    if (this.codec === 'H264') {
      const type = b0 & 0x1f;
      vcl = h264.isVcl(type);
      first = vcl && (b1 & 0x80) !== 0;
      begins = h264.startsAccessUnit(type);
      key = type === h264.NalType.IDR;
      aud = type === h264.NalType.AUD;
    } else {
      const type = (b0 >> 1) & 0x3f;
      vcl = h265.isVcl(type);
      first = vcl && (b2 & 0x80) !== 0;
      begins = h265.startsAccessUnit(type);
      key = h265.isKeyframeNal(type);
      aud = type === h265.NalType.AUD;
    }

    const newPtsHere = m !== undefined && m.pos >= sc && m.pts !== this.pts;
    const starts = begins || first || newPtsHere;
    // After a discontinuity the first access unit must also carry its own timestamp, unless
    // the stream has never carried one (then nothing better will come).
    let boundary = this.synced
      ? this.hasVcl && starts
      : (begins || first) && (m !== undefined || !this.timing.ptsSeen);
    if (this.hintAt >= 0) {
      // A hint said the last access unit ended at hintAt: right if one starts there.
      const right = starts && (sc <= this.hintAt || this.zerosBetween(this.hintAt, sc));
      if (right) {
        this.counters.frameEndsConfirmed++;
        boundary ||= this.closed;
      } else {
        this.counters.frameEndsWrong++;
        this.skipping = this.closed; // the rest of an access unit already emitted
      }
      this.hintAt = -1;
      this.closed = false;
    }
    if (this.skipping) {
      if (!starts) {
        if (m !== undefined && m.pts === this.pts) {
          this.timing.consume(m);
        }
        return;
      }
      this.skipping = false;
      this.counters.droppedBytes += Math.max(0, sc - this.auStart);
      boundary = true;
    }
    if (boundary) {
      if (this.synced && this.hasVcl) {
        this.emit(out, m);
      }
      this.beginAccessUnit(sc, m);
    } else if (m !== undefined && m.pts === this.pts) {
      this.timing.consume(m); // a continuation PES repeating the current PTS
    }
    if (!this.synced) {
      return;
    }
    if (vcl) {
      this.hasVcl = true;
      if (key) {
        this.keyframe = true;
      }
    }
    this.nalStart = hdr;
    this.nalKeep = !aud;
  }

  /**
   * An AUD or parameter set only the other codec can have. The access unit in progress is the
   * old codec's last one if it has a picture (emitted; or already emitted on a frame-end hint),
   * and the new codec's first one begins here with its own timestamp. If it has no picture, it
   * is the new codec's first one, begun by a NAL unit read in the old codec's terms: it is kept
   * with its timestamp, that NAL unit goes. What follows is taken as the new codec, pending the
   * next NAL header (confirmSwitch).
   */
  private beginSwitch(out: AccessUnit[], m: TimestampMark | undefined, sc: number): void {
    if (this.synced && this.hasVcl && !this.skipping) {
      this.emit(out, m);
      this.auStart = sc; // what was emitted must not be overwritten
      this.auBase = 0;
      this.synced = false;
    } else if (this.closed) {
      this.synced = false; // emitted on the hint: nothing of it is pending
    } else if (!this.synced || this.skipping) {
      this.countDropped();
      this.synced = false;
    }
    this.units = [];
    this.hasVcl = false;
    this.keyframe = false;
    this.skipping = false;
    this.hintAt = -1;
    this.closed = false;
    this.switchedFrom = this.codec;
    this.codec = this.codec === 'H264' ? 'H265' : 'H264';
  }

  /** The NAL header after the new codec's parameter set: the switch holds or is undone. */
  private confirmSwitch(b0: number, b1: number): void {
    const from = this.switchedFrom!;
    this.switchedFrom = undefined;
    if (probeVideoCodec(b0, b1, this.codec) === this.codec) {
      this.counters.codecChanges++;
      this.timing.resetCadence();
      return;
    }
    // One stray header (corruption): back to the old codec, the tentative unit dropped.
    this.countDropped();
    this.units = [];
    this.hasVcl = false;
    this.keyframe = false;
    this.synced = false;
    this.codec = from;
  }

  private zerosBetween(from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
      if (this.buf[i] !== 0) {
        return false;
      }
    }
    return true;
  }

  /** The unfinished NAL unit ends before `end`; trailing zero bytes are not part of it. */
  private closeNal(end: number): void {
    const s = this.nalStart;
    if (s < 0) {
      return;
    }
    this.nalStart = -1;
    const b = this.buf;
    while (end > s && b[end - 1] === 0) {
      end--;
    }
    if (this.nalKeep && end > s) {
      this.units.push(b.subarray(s, end));
    }
  }

  /** Emits the current access unit; `next` is the mark of the one that follows, if known. */
  private emit(out: AccessUnit[], next: TimestampMark | undefined): void {
    if (!this.timed) {
      const clock = this.timing.ptsSeen ? undefined : this.auClock;
      if (clock === undefined && !this.timing.ptsSeen && this.keyframe && !this.timing.knowsFrameRate) {
        this.learnFrameRate();
      }
      [this.pts, this.dts] = this.timing.untimed(next, clock);
      this.counters.untimedAccessUnits++;
      if (clock !== undefined) {
        this.counters.rtpTimedAccessUnits++;
      }
    }
    if (this.hasVcl && this.units.length > 0) {
      out.push({
        codec: this.codec!,
        pts: this.pts,
        dts: this.dts,
        keyframe: this.keyframe,
        units: this.units,
      });
    }
    this.units = [];
    this.hasVcl = false;
    this.keyframe = false;
  }

  /** A stream timed by interpolation alone: the H.264 SPS may declare its frame rate (§E.2.1). */
  private learnFrameRate(): void {
    if (this.codec !== 'H264') {
      return;
    }
    for (const u of this.units) {
      const fps = h264.nalType(u[0]) === h264.NalType.SPS ? parseH264Sps(u)?.frameRate : undefined;
      if (fps !== undefined) {
        this.timing.declareFrameRate(fps);
        return;
      }
    }
  }

  private beginAccessUnit(sc: number, m: TimestampMark | undefined): void {
    this.synced = true;
    this.auStart = sc;
    this.auBase = 0;
    this.auClock = this.clock;
    this.timed = m !== undefined;
    this.beganUntimed ||= !this.timed && !this.timing.ptsSeen;
    if (m !== undefined) {
      [this.pts, this.dts] = this.timing.timed(m);
    }
  }

  /**
   * Moves to a fresh slab for `n` more bytes, carrying what is still needed: the open NAL
   * unit and the last bytes before scanPos (a start code may straddle appends).
   */
  private newSlab(n: number): void {
    let keepFrom = Math.max(0, this.keepPoint());
    if (this.nalStart >= 0 && this.nalStart < keepFrom) {
      keepFrom = this.nalStart;
    }
    const carry = this.writePos - keepFrom;
    const size = Math.max(SLAB_SIZE, 2 * (carry + n));
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(keepFrom, this.writePos));
    this.auBase += Math.max(0, keepFrom - this.auStart);
    this.buf = next;
    this.shift(keepFrom, 0);
  }

  /**
   * Drops the bytes of the unfinished access unit before `keepFrom` by moving the rest down
   * to its start. Only bytes never handed out are overwritten.
   */
  private discardTo(keepFrom: number): void {
    const base = this.auStart;
    if (keepFrom <= base) {
      return;
    }
    this.buf.copyWithin(base, keepFrom, this.writePos);
    this.shift(keepFrom, base);
  }

  /** Re-bases positions after bytes at `from` moved to `to`. */
  private shift(from: number, to: number): void {
    const d = from - to;
    this.writePos -= d;
    this.scanPos = Math.max(to, this.scanPos - d);
    this.auStart = Math.max(to, this.auStart - d);
    if (this.nalStart >= 0) {
      this.nalStart -= d;
    }
    if (this.hintAt >= 0) {
      this.hintAt = Math.max(to, this.hintAt - d);
    }
    this.timing.shift(from, to);
  }
}
