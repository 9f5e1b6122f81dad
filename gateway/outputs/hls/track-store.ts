// One CMAF track of an HLS output, held in memory: its init segments, the sliding window of
// segments and their LL-HLS parts, its media playlist and blocking playlist reload
// (RFC 8216bis §6.2.5.2). Every track of an output numbers its segments as the camera's video
// does (the sink gives each part its media sequence number), so segment n of the audio
// rendition and of each video variant cover the same time: players that line renditions up by
// media sequence (video.js VHS does) find matching media. A codec change opens a new init
// segment behind EXT-X-DISCONTINUITY (RFC 8216 §4.3.2.3, §4.3.2.5).
// Times are integers in the track's timescale, so the playlist's durations add up exactly
// (playlist.ts PLAYLIST_UNITS).
import { createLogger } from '../../log.js';
import { initName, partName, segmentName, type HlsTrack } from './names.js';
import { PLAYLIST_UNITS, renderMediaPlaylist, type PlaylistSegment } from './playlist.js';

const log = createLogger('gateway:hls');

export interface TrackStoreOptions {
  track: HlsTrack;
  /** Ticks per second of the times given to addPart (the track's mdhd timescale). */
  timescale: number;
  targetDurationSec: number;
  partTargetSec: number;
  /** Complete segments listed. */
  window: number;
  lowLatency: boolean;
  /** Longest a blocking request waits, in ms. */
  blockMs: number;
}

export interface PartIn {
  readonly bytes: Uint8Array;
  /** Track timescale ticks. */
  readonly start: number;
  readonly end: number;
  readonly independent: boolean;
}

interface StoredPart {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly independent: boolean;
}

/** A segment is its parts end to end; they are served as a list, never joined into one buffer. */
interface StoredSegment {
  readonly msn: number;
  readonly parts: StoredPart[];
  readonly init: number;
  readonly discontinuity: boolean;
  /** Fixed when the segment opens, so every reload shows the same date for it. */
  readonly programDateTimeMs: number;
  complete: boolean;
}

/** What a playlist request gets: the text, or why not (RFC 8216bis §6.2.5.2). */
export type PlaylistAnswer =
  | { readonly kind: 'playlist'; readonly text: string }
  | { readonly kind: 'too-far'; readonly reason: string }
  | { readonly kind: 'none' };

export class TrackStore {
  readonly o: TrackStoreOptions;
  private readonly inits = new Map<number, Uint8Array>();
  private initVersion = -1;
  /** The next segment is the first of a new format (EXT-X-DISCONTINUITY). */
  private pendingDiscontinuity = false;
  private discontinuitiesGone = 0;
  private segments: StoredSegment[] = [];
  /** Segments restarted after a gap in the numbering (a variant that lost its alignment). */
  gaps = 0;
  private bytesSeen = 0;
  private ticksSeen = 0;
  private peakBitsPerSec = 0;
  private ended = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(o: TrackStoreOptions) {
    this.o = o;
  }

  get hasInit(): boolean {
    return this.initVersion >= 0;
  }

  /** The media sequence number of the segment still open, if one is. */
  get openMsn(): number | undefined {
    const last = this.segments[this.segments.length - 1];
    return last && !last.complete ? last.msn : undefined;
  }

  get completeSegments(): number {
    return this.segments.filter((s) => s.complete).length;
  }

  /** A new init segment; every one after the first starts a discontinuity. */
  addInit(init: Uint8Array): void {
    if (this.initVersion >= 0) {
      this.pendingDiscontinuity = true;
      this.closeSegment();
    }
    this.inits.set(++this.initVersion, init);
    this.notify();
  }

  /** The next segment starts a discontinuity without a new init (another track changed codec). */
  markDiscontinuity(): void {
    this.closeSegment();
    this.pendingDiscontinuity = this.initVersion >= 0;
  }

  /**
   * Appends a part of segment `msn`, opening that segment (dated `wallAtZeroMs` + its start)
   * when it is not the open one. Media sequence numbers only grow by one: a part of an older
   * segment is dropped, and one after a gap starts the window anew there (a playlist may not
   * skip a number, RFC 8216 §6.2.1).
   */
  addPart(part: PartIn, wallAtZeroMs: number, msn: number): void {
    if (this.closed || this.initVersion < 0) {
      return;
    }
    let seg = this.segments[this.segments.length - 1];
    if (seg && msn < seg.msn) {
      return;
    }
    if (seg && msn !== seg.msn) {
      this.closeSegment();
      if (msn > seg.msn + 1) {
        this.gaps++;
        log.warn(
          { track: this.o.track, from: seg.msn, to: msn },
          'HLS segment numbering jumped; the playlist starts anew',
        );
        for (const gone of this.segments.splice(0)) {
          this.forget(gone);
        }
      }
    }
    seg = this.segments[this.segments.length - 1];
    if (!seg || seg.complete) {
      seg = {
        msn,
        parts: [],
        init: this.initVersion,
        discontinuity: this.pendingDiscontinuity,
        programDateTimeMs: Math.round(wallAtZeroMs + (part.start * 1000) / this.o.timescale),
        complete: false,
      };
      this.pendingDiscontinuity = false;
      this.segments.push(seg);
    }
    seg.parts.push({
      name: partName(this.o.track, seg.msn, seg.parts.length),
      bytes: part.bytes,
      start: part.start,
      end: part.end,
      independent: part.independent,
    });
    this.bytesSeen += part.bytes.byteLength;
    this.ticksSeen += part.end - part.start;
    this.notify();
  }

  /** Completes the open segment (if there is one) and trims the window; true if it did. */
  closeSegment(): boolean {
    const seg = this.segments[this.segments.length - 1];
    if (!seg || seg.complete || this.closed) {
      return false;
    }
    seg.complete = true;
    let size = 0;
    for (const p of seg.parts) {
      size += p.bytes.byteLength;
    }
    const sec = (seg.parts[seg.parts.length - 1].end - seg.parts[0].start) / this.o.timescale;
    if (sec > 0) {
      this.peakBitsPerSec = Math.max(this.peakBitsPerSec, (size * 8) / sec);
    }
    // Keep the listed window plus one: a client holding the previous playlist may still fetch it.
    if (this.completeSegments > this.o.window + 1) {
      this.forget(this.segments.shift()!);
    }
    this.notify();
    return true;
  }

  end(): void {
    this.closeSegment();
    this.ended = true;
    this.notify();
  }

  /** Releases all memory and answers every waiting request. Idempotent. */
  close(): void {
    this.closed = true;
    this.segments = [];
    this.inits.clear();
    this.notify();
  }

  latestInit(): Uint8Array | undefined {
    return this.inits.get(this.initVersion);
  }

  /** Peak (or, before the first segment, average) bits per second. */
  bandwidth(): number {
    if (this.peakBitsPerSec > 0) {
      return this.peakBitsPerSec;
    }
    const sec = this.ticksSeen / this.o.timescale;
    return sec > 0 ? (this.bytesSeen * 8) / sec : 1_000_000;
  }

  /** The bytes of an init segment, a part, or a complete segment (its parts, in order). */
  chunks(
    file: { kind: 'init'; version: number } | { kind: 'segment' | 'part'; msn: number; index?: number },
  ): readonly Uint8Array[] | undefined {
    if (file.kind === 'init') {
      const init = this.inits.get(file.version);
      return init && [init];
    }
    const seg = this.segments.find((s) => s.msn === file.msn);
    if (!seg) {
      return undefined;
    }
    if (file.kind === 'segment') {
      return seg.complete ? seg.parts.map((p) => p.bytes) : undefined;
    }
    const part = seg.parts[file.index ?? 0];
    return part && [part.bytes];
  }

  /** As chunks(), but the segment or part about to be produced (up to one ahead) is waited for. */
  async waitForChunks(file: {
    kind: 'segment' | 'part';
    msn: number;
    index?: number;
  }): Promise<readonly Uint8Array[] | undefined> {
    const last = this.segments[this.segments.length - 1];
    const next = last ? (last.complete ? last.msn + 1 : last.msn) : 0;
    if (file.msn > next + 1 || (file.msn < next && this.chunks(file) === undefined)) {
      return undefined;
    }
    await this.waitUntil(() => {
      if (this.chunks(file) !== undefined || this.ended) {
        return true;
      }
      const seg = this.segments.find((s) => s.msn === file.msn);
      return file.kind === 'part' && seg !== undefined && seg.complete; // a part past its segment's end
    });
    return this.chunks(file);
  }

  /**
   * The media playlist. With `msn` (and `part`), waits until that segment (part) exists; without,
   * waits for the first complete segment (hls.js refuses a playlist without one). A request more
   * than two segments ahead, or a part further ahead than the Advance Part Limit, is answered at
   * once as 'too-far' (RFC 8216bis §6.2.5.2: 400).
   */
  async playlist(
    q: { msn?: number; part?: number } = {},
    fromMsn?: () => number | undefined,
  ): Promise<PlaylistAnswer> {
    const far = this.tooFar(q);
    if (far) {
      return { kind: 'too-far', reason: far };
    }
    await this.waitUntil(() => this.reached(q));
    const text = this.render(fromMsn?.());
    return text === undefined ? { kind: 'none' } : { kind: 'playlist', text };
  }

  // ---- internals ----

  private tooFar(q: { msn?: number; part?: number }): string | undefined {
    if (q.msn === undefined || this.ended) {
      return undefined;
    }
    const last = this.segments[this.segments.length - 1];
    const lastMsn = last ? last.msn : -1;
    if (q.msn > lastMsn + 2) {
      return `_HLS_msn=${q.msn} is more than two segments past the last one (${Math.max(0, lastMsn)})`;
    }
    if (q.part !== undefined && last) {
      // The Advance Part Limit: three part targets' worth of parts past the last part.
      const limit = this.o.partTargetSec < 1 ? Math.ceil(3 / this.o.partTargetSec) : 3;
      const perSegment = Math.ceil(this.o.targetDurationSec / this.o.partTargetSec);
      const ahead = (q.msn - last.msn) * perSegment + q.part - (last.parts.length - 1);
      if (ahead > limit) {
        return `_HLS_part=${q.part} of _HLS_msn=${q.msn} is ${ahead} parts past the last one (the limit is ${limit})`;
      }
    }
    return undefined;
  }

  private reached(q: { msn?: number; part?: number }): boolean {
    if (this.ended || this.closed) {
      return true;
    }
    if (this.initVersion < 0 || this.segments.length === 0) {
      return false;
    }
    if (q.msn === undefined) {
      return this.segments[0].complete;
    }
    const last = this.segments[this.segments.length - 1];
    if (last.msn > q.msn + 1) {
      return true;
    }
    if (q.part === undefined) {
      return this.segments.some((s) => s.msn >= q.msn! && s.complete);
    }
    const seg = this.segments.find((s) => s.msn === q.msn);
    if (seg && seg.parts.length > q.part) {
      return true;
    }
    // a part index past the end of a finished segment means "the first part of the next one"
    return this.segments.some((s) => s.msn > q.msn! && s.parts.length > 0);
  }

  /** Track ticks as playlist units (10 µs), rounded: durations are differences of these. */
  private units(ticks: number): number {
    return Math.round((ticks * PLAYLIST_UNITS) / this.o.timescale);
  }

  /** The first segment listed in the playlist (the window). */
  get firstListedMsn(): number | undefined {
    const first = Math.max(0, this.completeSegments - this.o.window);
    return this.segments[first]?.msn;
  }

  /** The playlist; with `fromMsn`, listing no segment before it (names.ts AVC_AUDIO_PLAYLIST_NAME). */
  private render(fromMsn?: number): string | undefined {
    if (this.initVersion < 0 || this.segments.length === 0) {
      return undefined;
    }
    const track = this.o.track;
    const completeCount = this.completeSegments;
    let first = Math.max(0, completeCount - this.o.window);
    while (fromMsn !== undefined && first < this.segments.length - 1 && this.segments[first].msn < fromMsn) {
      first++;
    }
    const listed = this.segments.slice(first);
    let discontinuitySequence = this.discontinuitiesGone;
    for (const s of this.segments.slice(0, first)) {
      discontinuitySequence += s.discontinuity ? 1 : 0;
    }
    const last = this.segments[this.segments.length - 1];
    const segments: PlaylistSegment[] = listed.map((s) => ({
      msn: s.msn,
      uri: segmentName(track, s.msn),
      duration: s.parts.length
        ? this.units(s.parts[s.parts.length - 1].end) - this.units(s.parts[0].start)
        : 0,
      programDateTimeMs: s.programDateTimeMs,
      mapUri: initName(track, s.init),
      discontinuity: s.discontinuity,
      complete: s.complete,
      parts: s.parts.map((p) => ({
        uri: p.name,
        duration: this.units(p.end) - this.units(p.start),
        independent: p.independent,
      })),
    }));
    const hint = last.complete
      ? partName(track, last.msn + 1, 0)
      : partName(track, last.msn, last.parts.length);
    return renderMediaPlaylist({
      targetDurationSec: this.o.targetDurationSec,
      discontinuitySequence,
      segments,
      partTargetSec: this.o.lowLatency ? this.o.partTargetSec : undefined,
      preloadHintUri: this.o.lowLatency ? hint : undefined,
      ended: this.ended,
    });
  }

  /** A segment left memory: count its discontinuity, drop init segments nothing needs now. */
  private forget(gone: StoredSegment): void {
    this.discontinuitiesGone += gone.discontinuity ? 1 : 0;
    const needed = new Set(this.segments.map((s) => s.init));
    for (const version of this.inits.keys()) {
      if (version !== this.initVersion && !needed.has(version)) {
        this.inits.delete(version);
      }
    }
  }

  private waitUntil(cond: () => boolean): Promise<void> {
    if (cond() || this.closed) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const check = (): void => {
        if (!cond() && !this.closed) {
          return;
        }
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve();
      }, this.o.blockMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const check of [...this.waiters]) {
      check();
    }
  }
}
