// MPEG-2 Program Stream demuxer (ISO/IEC 13818-1 §2.5) for GB/T 28181 media: program
// stream in, in pieces of any size (PsInput: an RTP payload with its marker and timestamp, or
// a chunk of a file), access units out. Headers are followed by their length fields (pack
// stuffing, system header, PSM, PES_packet_length), so payload bytes are never scanned here;
// the video assembler finds the NAL units. On anything that is not a valid header it drops
// the unfinished access unit, counts it, and resyncs at the next `00 00 01 BA`. It never
// throws on input bytes.
//
// RTP frame ends (marker, new timestamp; 2022 §4.3.6) are checked against the access units
// the NAL units delimit, and once the stream has shown them to agree (frame-boundary.ts) a
// frame leaves on its marker instead of when the next one begins: one frame interval less
// latency for every viewer.
import type { Processor } from '../processor.js';
import type { AccessUnit } from '../types.js';
import { TimestampUnwrapper as RtpTimestampUnwrapper } from '../rtp/sequence.js';
import { AccessUnitAssembler, type FrameEnd } from './access-unit.js';
import { AudioAssembler } from './audio-unit.js';
import { StartCode, isAudioStreamId, isVideoStreamId } from './constants.js';
import { FrameBoundaryLearner, type FrameBoundaryMode } from './frame-boundary.js';
import { packHeaderLength } from './pack-header.js';
import { readPesHeader, type PesHeader } from './pes.js';
import type { PsInput } from './ps-input.js';
import { readPsm } from './psm.js';
import { Route, StreamSelect } from './stream-select.js';
import { findPackHeader, findSystemStartCode, startCodePrefixAtEnd } from './sync.js';
import { TimestampUnwrapper } from './timestamp.js';

export interface PsDemuxerOptions {
  /** Largest access unit kept; a bigger one is dropped and counted in `oversize`. Default 8 MiB. */
  maxAccessUnitBytes?: number;
  /** Largest incomplete header held between pushes. Default 16 MiB. */
  maxPendingBytes?: number;
  /**
   * How RTP frame ends are taken at first: 'learning' (default) checks them and trusts them
   * after 25 agreeing frames; 'trusted' acts on them from the start (a wrong one ends the
   * trust); 'off' ignores them.
   */
  frameEnds?: FrameBoundaryMode;
}

export type PsDemuxerStats = {
  packs: number;
  systemHeaders: number;
  psm: number;
  /** Audio and video PES packets read (others are in skippedPes). */
  pes: number;
  skippedPes: number;
  /** Times the stream was not where a header had to be and a pack header was searched for. */
  resyncs: number;
  gaps: number;
  droppedBytes: number;
  droppedAccessUnits: number;
  oversize: number;
  /** Frame-end hints (endOfFrame, expectEndOfFrame) that the next access unit start confirmed. */
  frameEndsConfirmed: number;
  /** Hints refuted: the bytes after them continued the access unit. */
  frameEndsWrong: number;
  /** Video access units emitted on an RTP frame end instead of when the next one began. */
  framesEndedEarly: number;
  /** Times trusted RTP frame ends disagreed with the NAL units and were given up. */
  frameHintFailures: number;
  /** Video access units that began in a PES without a PTS: timed from neighbours, RTP or frame rate. */
  untimedAccessUnits: number;
  /** Of those, the ones timed from the RTP timestamp (streams that carry no PTS at all). */
  rtpTimedAccessUnits: number;
  /** H.264 ⇄ H.265 switches in the payload (a reconfigured device, another sender). */
  codecChanges: number;
};

/** What the bytes at the read position are. */
const HEADER = 0; // a start code is expected
const PAYLOAD = 1; // `remaining` bytes of a PES payload
const UNBOUNDED = 2; // PES_packet_length 0: payload runs to the next system start code
const SKIP = 3; // `remaining` bytes to skip (system header, private and padding streams)
const RESYNC = 4; // searching for `00 00 01 BA`

const { NONE, VIDEO, AUDIO } = Route;

/** Bytes taken from a new chunk to complete a header held from the previous one. */
const MIN_TAKE = 256;
/** Searching states take big slices: they only hold back a possible start-code prefix. */
const SCAN_TAKE = 1 << 16;

export class PsDemuxer implements Processor<PsInput, AccessUnit> {
  private readonly counters: PsDemuxerStats = {
    packs: 0,
    systemHeaders: 0,
    psm: 0,
    pes: 0,
    skippedPes: 0,
    resyncs: 0,
    gaps: 0,
    droppedBytes: 0,
    droppedAccessUnits: 0,
    oversize: 0,
    frameEndsConfirmed: 0,
    frameEndsWrong: 0,
    framesEndedEarly: 0,
    frameHintFailures: 0,
    untimedAccessUnits: 0,
    rtpTimedAccessUnits: 0,
    codecChanges: 0,
  };
  private readonly maxPendingBytes: number;
  private readonly video: AccessUnitAssembler;
  private readonly audio: AudioAssembler;
  private readonly clock = new TimestampUnwrapper();
  private readonly rtpClock = new RtpTimestampUnwrapper();
  private readonly hints: FrameBoundaryLearner;
  /** RTP timestamp of the last payload (raw), undefined after a gap or without RTP. */
  private lastTimestamp: number | undefined;
  /** Video access units emitted, for the frame-end learner (the hub counts frames for everyone else). */
  private videoOut = 0;

  private readonly streams = new StreamSelect();
  private state = HEADER;
  private target: Route = NONE;
  private remaining = 0;
  /** Bytes from the previous chunk that did not complete a header, and how many are needed. */
  private pending = new Uint8Array(0);
  private pendingLen = 0;
  private need = 0;

  constructor(options: PsDemuxerOptions = {}) {
    const maxAu = options.maxAccessUnitBytes ?? 8 << 20;
    this.maxPendingBytes = options.maxPendingBytes ?? 16 << 20;
    this.video = new AccessUnitAssembler(maxAu, this.counters);
    this.audio = new AudioAssembler(maxAu, this.counters);
    this.hints = new FrameBoundaryLearner(options.frameEnds);
  }

  get stats(): Readonly<PsDemuxerStats> {
    return this.counters;
  }

  /** RTP frame ends: 'learning', 'trusted' (frames leave on them) or 'off'. */
  get frameHints(): FrameBoundaryMode {
    return this.hints.mode;
  }

  /** Bytes held inside: unfinished header, access unit and audio PES (for cap checks). */
  get bufferedBytes(): number {
    return this.pendingLen + this.video.bufferedBytes + this.audio.bufferedBytes;
  }

  push(input: PsInput): AccessUnit[] {
    const out: AccessUnit[] = [];
    if (input.gap) {
      this.gap();
    }
    const ts = input.timestamp;
    if (ts !== undefined && ts !== this.lastTimestamp) {
      if (this.lastTimestamp !== undefined) {
        this.frameBoundary(out); // a new timestamp: the payload before ended a frame
      }
      this.lastTimestamp = ts;
      const clock = this.rtpClock.unwrap(ts);
      this.video.clock = clock;
      this.audio.clock = clock;
    }
    if (input.payload.length > 0) {
      this.bytes(input.payload, out);
      this.learn();
    }
    if (input.marker) {
      this.frameBoundary(out); // usually this frame's last packet
    }
    return out;
  }

  private bytes(chunk: Uint8Array, out: AccessUnit[]): void {
    const first = out.length;
    let pos = 0;
    const len = chunk.length;
    // Complete a header split across chunks by feeding the held bytes plus a slice of this one.
    while (this.pendingLen > 0 && pos < len) {
      const want =
        this.state === RESYNC || this.state === UNBOUNDED
          ? SCAN_TAKE
          : Math.max(this.need - this.pendingLen, MIN_TAKE);
      const take = Math.min(len - pos, want);
      this.hold(chunk, pos, pos + take);
      pos += take;
      const used = this.process(this.pending, 0, this.pendingLen, out);
      this.pending.copyWithin(0, used, this.pendingLen);
      this.pendingLen -= used;
    }
    if (pos < len) {
      const used = this.process(chunk, pos, len, out);
      if (used < len) {
        this.hold(chunk, used, len);
      }
    }
    this.count(out, first);
  }

  flush(): AccessUnit[] {
    const out: AccessUnit[] = [];
    if (this.state === UNBOUNDED) {
      this.deliver(this.pending, 0, this.pendingLen, out); // held-back bytes were payload
      this.endPes(out);
    } else {
      this.counters.droppedBytes += this.pendingLen;
      if (this.state === PAYLOAD && this.target === VIDEO) {
        this.video.truncate(out);
      } // last PES cut short
    }
    this.pendingLen = 0;
    this.video.flush(out);
    this.audio.drop();
    this.state = HEADER;
    this.count(out);
    return out;
  }

  /**
   * Whether the input so far could end the pending video access unit: 'clean' when no video
   * PES or header is unfinished and the unit has a VCL NAL unit; 'none' when no video unit is
   * pending; else 'partial'.
   */
  private frameEnd(): FrameEnd {
    const videoOpen =
      this.pendingLen > 0 || ((this.state === PAYLOAD || this.state === UNBOUNDED) && this.target === VIDEO);
    const v = this.video.frameEnd;
    return v === 'clean' && videoOpen ? 'partial' : v;
  }

  /**
   * An RTP frame end (marker or new timestamp). Once trusted, the pending video access unit is
   * emitted now instead of when the next one begins; while learning the claim is only checked
   * against the next access unit start. A claim inside a video PES or header counts against it;
   * one the next bytes refute makes the rest of that unit be dropped (counted in frameEndsWrong).
   */
  private frameBoundary(out: AccessUnit[]): void {
    const state = this.frameEnd();
    if (state === 'partial') {
      this.hints.partial();
    } else if (state === 'clean') {
      if (this.hints.mode === 'trusted') {
        const before = out.length;
        this.video.hintFrameEnd(out, true);
        this.count(out, before);
        this.counters.framesEndedEarly += out.length - before;
      } else if (this.hints.mode === 'learning') {
        this.video.hintFrameEnd([], false);
      }
    }
    this.learn();
  }

  private learn(): void {
    const c = this.counters;
    this.hints.update(this.videoOut, c.frameEndsConfirmed, c.frameEndsWrong);
    c.frameHintFailures = this.hints.failures;
  }

  /** Lost input (RTP sequence gap): drop the unfinished access unit and resync at a pack. */
  private gap(): void {
    this.counters.gaps++;
    this.counters.droppedBytes += this.pendingLen;
    this.pendingLen = 0;
    this.dropPartial();
    this.state = RESYNC;
    this.target = NONE;
    this.lastTimestamp = undefined;
  }

  /** Counts the video access units in out[from..] (for the frame-end learner). */
  private count(out: AccessUnit[], from = 0): void {
    for (let i = from; i < out.length; i++) {
      const codec = out[i].codec;
      if (codec === 'H264' || codec === 'H265') {
        this.videoOut++;
      }
    }
  }

  private dropPartial(): void {
    this.video.drop();
    this.audio.drop();
  }

  private hold(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pendingLen + n > this.pending.length) {
      const next = new Uint8Array(Math.max(2 * this.pending.length, this.pendingLen + n, 64));
      next.set(this.pending.subarray(0, this.pendingLen));
      this.pending = next;
    }
    this.pending.set(src.subarray(start, end), this.pendingLen);
    this.pendingLen += n;
  }

  /** Consumes b[pos, end); returns where it stopped (the rest must be fed again with more). */
  private process(b: Uint8Array, pos: number, end: number, out: AccessUnit[]): number {
    while (pos < end) {
      switch (this.state) {
        case HEADER: {
          const next = this.header(b, pos, end, out);
          if (next < 0) {
            return pos;
          } // incomplete header: wait for more bytes
          pos = next;
          break;
        }
        case PAYLOAD:
        case SKIP: {
          const n = Math.min(this.remaining, end - pos);
          if (this.state === PAYLOAD) {
            this.deliver(b, pos, pos + n, out);
          }
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === PAYLOAD) {
              this.endPes(out);
            }
            this.state = HEADER;
          }
          break;
        }
        case UNBOUNDED:
          pos = this.unbounded(b, pos, end, out);
          if (this.state === UNBOUNDED) {
            return pos;
          } // a possible start-code prefix is held
          break;
        default:
          pos = this.resync(b, pos, end);
          if (this.state === RESYNC) {
            return pos;
          }
      }
    }
    return pos;
  }

  /** Reads the header at pos; returns the position after it, or -1 when it is incomplete. */
  private header(b: Uint8Array, pos: number, end: number, out: AccessUnit[]): number {
    if (end - pos < 4) {
      return this.more(pos, 0);
    }
    if (b[pos] !== 0 || b[pos + 1] !== 0 || b[pos + 2] !== 1) {
      return this.invalid(pos);
    }
    const id = b[pos + 3];
    if (id === StartCode.PACK) {
      const n = packHeaderLength(b, pos, end);
      if (typeof n !== 'number') {
        return n === 'more' ? this.more(pos, 0) : this.invalid(pos);
      }
      this.counters.packs++;
      return pos + n;
    }
    if (isVideoStreamId(id) || isAudioStreamId(id)) {
      return this.pes(b, pos, end, out);
    }
    if (id === StartCode.PSM) {
      const psm = readPsm(b, pos, end);
      if (psm === 'more') {
        return this.more(pos, end - pos >= 6 ? 6 + ((b[pos + 4] << 8) | b[pos + 5]) : 0);
      }
      if (psm === 'invalid') {
        return this.invalid(pos);
      }
      this.counters.psm++;
      const hints = this.streams.apply(psm);
      if (hints.video) {
        this.video.hint = hints.video;
      }
      if (hints.audio) {
        this.audio.hint = hints.audio;
      }
      return pos + psm.length;
    }
    if (id === StartCode.PROGRAM_END) {
      return pos + 4;
    }
    if (id < StartCode.PROGRAM_END) {
      return this.invalid(pos);
    }
    // System header, private/padding streams, directory, ECM/EMM ...: skip by length.
    if (end - pos < 6) {
      return this.more(pos, 0);
    }
    if (id === StartCode.SYSTEM_HEADER) {
      this.counters.systemHeaders++;
    } else {
      this.counters.skippedPes++;
    }
    this.state = SKIP;
    this.remaining = 6 + ((b[pos + 4] << 8) | b[pos + 5]);
    return pos;
  }

  /** The header at pos needs `need` bytes in all (0: unknown yet); -1 = wait for them. */
  private more(pos: number, need: number): number {
    if (need > this.maxPendingBytes) {
      return this.invalid(pos);
    }
    this.need = need;
    return -1;
  }

  /** Not a header where one must be: drop what is unfinished and search for a pack. */
  private invalid(pos: number): number {
    this.counters.resyncs++;
    this.dropPartial();
    this.state = RESYNC;
    this.counters.droppedBytes++;
    return pos + 1;
  }

  private pes(b: Uint8Array, pos: number, end: number, out: AccessUnit[]): number {
    const h = readPesHeader(b, pos, end);
    if (h === 'more') {
      return this.more(pos, 0);
    }
    if (h === 'invalid') {
      return this.invalid(pos);
    }
    this.counters.pes++;
    const start = pos + h.headerLength;
    const stop = h.packetLength === 0 ? -1 : pos + 6 + h.packetLength;
    const target = (this.target = this.streams.route(h.streamId));
    const t = target === NONE ? undefined : this.timestamps(h);
    if (target === NONE) {
      this.counters.skippedPes++;
    } else if (target === VIDEO) {
      if (t) {
        this.video.mark(t[0], t[1]);
      }
      if (stop >= 0 && stop <= end) {
        this.video.append(b, start, stop, out); // the whole payload is here
        return stop;
      }
    } else {
      this.audio.ptsless = this.video.untimedStream; // its audio carries no PTS either
      if (stop >= 0 && stop <= end) {
        this.audio.whole(t && t[0], t ? t[1] : 0, b, start, stop, out);
        return stop;
      }
      this.audio.begin(t && t[0], t ? t[1] : 0);
    }
    if (stop < 0) {
      this.state = UNBOUNDED;
    } else {
      this.state = PAYLOAD;
      this.remaining = stop - start;
    }
    return start;
  }

  /** [pts, dts] unwrapped onto the program timeline; dts = pts without a DTS. */
  private timestamps(h: PesHeader): [number, number] | undefined {
    if (h.pts === undefined) {
      return undefined;
    }
    if (h.dts === undefined) {
      const t = this.clock.unwrap(h.pts);
      return [t, t];
    }
    const dts = this.clock.unwrap(h.dts);
    return [this.clock.unwrapNear(h.pts, dts), dts];
  }

  private deliver(b: Uint8Array, start: number, end: number, out: AccessUnit[]): void {
    if (this.target === VIDEO) {
      this.video.append(b, start, end, out);
    } else if (this.target === AUDIO) {
      this.audio.append(b, start, end);
    }
  }

  private endPes(out: AccessUnit[]): void {
    if (this.target === AUDIO) {
      this.audio.end(out);
    }
    this.target = NONE;
  }

  /** PES_packet_length 0: the payload runs to the next system start code. */
  private unbounded(b: Uint8Array, pos: number, end: number, out: AccessUnit[]): number {
    const stop = findSystemStartCode(b, pos, end);
    if (stop >= 0) {
      this.deliver(b, pos, stop, out);
      this.endPes(out);
      this.state = HEADER;
      return stop;
    }
    const keep = startCodePrefixAtEnd(b, pos, end);
    this.deliver(b, pos, end - keep, out);
    return end - keep;
  }

  private resync(b: Uint8Array, pos: number, end: number): number {
    const at = findPackHeader(b, pos, end);
    if (at >= 0) {
      this.counters.droppedBytes += at - pos;
      this.state = HEADER;
      return at;
    }
    const keep = Math.min(3, end - pos);
    this.counters.droppedBytes += end - keep - pos;
    return end - keep;
  }
}
