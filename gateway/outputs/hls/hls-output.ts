// One stream's HLS output held in memory: the init segments, the sliding window of segments
// with their LL-HLS parts, and blocking playlist reload (RFC 8216bis §6.2.5.2: hold the
// request until segment _HLS_msn / part _HLS_part exists, answer anyway after a bound). A
// codec change mid-stream (reported by the hub) makes a new init segment; the segments after
// it are listed behind EXT-X-DISCONTINUITY and their own EXT-X-MAP (RFC 8216 §4.3.2.3, §4.3.2.5).
import type { StreamMediaEvent } from '../../hub/media-events.js';
import type { Sink } from '../../hub/sink.js';
import { HlsSink, type HlsSinkTarget, type SinkPart, type SinkTrackInfo } from './hls-sink.js';
import { MEDIA_PLAYLIST_NAME, initName, parseHlsName, partName, segmentName } from './names.js';
import { renderMediaPlaylist, renderMultivariantPlaylist, type PlaylistSegment } from './playlist.js';
import { joinBytes } from '../../../codecs/bytes/concat.js';

export interface HlsOutputOptions {
  /** Segment target in seconds; segments are cut on the first keyframe at or after it. Default 2. */
  targetDurationSec?: number;
  /** LL-HLS part target in seconds (200–500 ms advised). Default 1/3. */
  partTargetSec?: number;
  /** Complete segments listed in the playlist. Default 6. */
  windowSegments?: number;
  /** Write EXT-X-PART and friends. Default true; classic players ignore them anyway. */
  lowLatency?: boolean;
  /** Longest a blocking request waits, in ms. Default 3 × target duration. */
  blockTimeoutMs?: number;
  /** Wall clock for PROGRAM-DATE-TIME (tests inject one). Default Date.now. */
  now?: () => number;
  /** Sink id. Default "hls-<n>". */
  id?: string;
}

interface StoredPart {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly durationSec: number;
  readonly independent: boolean;
}

/**
 * A segment is its parts laid end to end (each part is whole moof+mdat pairs). The parts are
 * never joined into one buffer: a segment is served as the list of its parts, so its media
 * bytes are not copied again after the fragment writer.
 */
interface StoredSegment {
  readonly msn: number;
  readonly parts: StoredPart[];
  /** Output-timeline start, seconds. */
  readonly startSec: number;
  /** The init segment (version) its media needs. */
  readonly init: number;
  /** The first segment after a codec change: EXT-X-DISCONTINUITY goes before it. */
  readonly discontinuity: boolean;
  complete: boolean;
  durationSec: number;
}

export interface HlsOutputInfo {
  /** RFC 6381 codec string, e.g. "avc1.42c01f" or "hvc1.1.6.L120.90". */
  videoCodec?: string;
  /** "fLaC" when G.711 audio is carried (as FLAC). */
  audioCodec?: string;
  width?: number;
  height?: number;
  /** Complete segments produced so far. */
  segments: number;
  /** Init segments written after a codec change (each opens a discontinuity). */
  discontinuities: number;
}

let nextId = 1;

export class HlsOutput implements HlsSinkTarget {
  readonly sink: Sink;
  private readonly hlsSink: HlsSink;
  readonly info: HlsOutputInfo = { segments: 0, discontinuities: 0 };
  private readonly targetSec: number;
  private readonly partTargetSec: number;
  private readonly window: number;
  private readonly lowLatency: boolean;
  private readonly blockMs: number;
  /** Init segments by version (0 is init.mp4), kept while a segment in memory needs one. */
  private readonly inits = new Map<number, Uint8Array>();
  /** The version of the latest init segment; -1 before the first. */
  private initVersion = -1;
  /** Discontinuities that left the memory window (EXT-X-DISCONTINUITY-SEQUENCE, RFC 8216 §4.3.3.3). */
  private discontinuitiesGone = 0;
  /** Oldest first; the last one may still be open. */
  private segments: StoredSegment[] = [];
  private peakBitsPerSec = 0;
  /** Wall clock at output time 0 (ms), as the sink last estimated it. */
  private wallAtZeroMs = 0;
  private ended = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(opts: HlsOutputOptions = {}) {
    this.targetSec = opts.targetDurationSec ?? 2;
    this.partTargetSec = opts.partTargetSec ?? 1 / 3;
    this.window = Math.max(1, opts.windowSegments ?? 6);
    this.lowLatency = opts.lowLatency ?? true;
    this.blockMs = opts.blockTimeoutMs ?? 3 * this.targetSec * 1000;
    this.sink = this.hlsSink = new HlsSink(this, {
      id: opts.id ?? `hls-${nextId++}`,
      targetDurationSec: this.targetSec,
      partTargetSec: this.partTargetSec,
      now: opts.now,
    });
  }

  /**
   * What the hub reports about the stream: a video codec change ends the open segment and
   * makes the next keyframe open a new init segment; an audio codec change swaps the decoder.
   */
  mediaEvent(e: StreamMediaEvent): void {
    if (e.type !== 'codec' || !e.previous) {
      return;
    }
    const sink = this.hlsSink;
    if (e.previous.video && e.video !== e.previous.video) {
      sink.videoCodecChanged();
    }
    if (e.previous.audio && e.audio !== e.previous.audio) {
      sink.audioCodecChanged();
    }
  }

  // ---- HlsSinkTarget: what the sink produces ----

  onInit(init: Uint8Array, info: SinkTrackInfo): void {
    if (this.initVersion >= 0) {
      this.info.discontinuities++;
    }
    this.inits.set(++this.initVersion, init);
    this.info.videoCodec = info.videoCodec;
    this.info.audioCodec = info.audioCodec;
    this.info.width = info.width;
    this.info.height = info.height;
    this.notify();
  }

  onPart(part: SinkPart): void {
    if (this.closed) {
      return;
    }
    this.wallAtZeroMs = part.wallClockAtZeroMs;
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.complete || seg.msn !== part.msn) {
      const discontinuity = seg !== undefined && seg.init !== this.initVersion;
      seg = {
        msn: part.msn,
        parts: [],
        startSec: part.startSec,
        init: this.initVersion,
        discontinuity,
        complete: false,
        durationSec: 0,
      };
      this.segments.push(seg);
    }
    seg.parts.push({
      name: partName(part.msn, part.index),
      bytes: part.bytes,
      durationSec: part.durationSec,
      independent: part.independent,
    });
    this.notify();
  }

  onSegment(msn: number, durationSec: number): void {
    const seg = this.segments.find((s) => s.msn === msn);
    if (!seg || this.closed) {
      return;
    }
    let size = 0;
    for (const p of seg.parts) {
      size += p.bytes.byteLength;
    }
    seg.complete = true;
    seg.durationSec = durationSec;
    if (durationSec > 0) {
      this.peakBitsPerSec = Math.max(this.peakBitsPerSec, (size * 8) / durationSec);
    }
    this.info.segments++;
    // Keep the listed window plus one: a client holding the previous playlist may still fetch it.
    const complete = this.segments.filter((s) => s.complete).length;
    if (complete > this.window + 1) {
      this.forget(this.segments.shift()!);
    }
    this.notify();
  }

  onEnd(): void {
    this.ended = true;
    this.notify();
  }

  // ---- what the routes read ----

  /** The latest init segment. */
  init(): Uint8Array | undefined {
    return this.inits.get(this.initVersion);
  }

  /**
   * A segment ("12.m4s") or part ("12.3.m4s") still in memory, as one buffer. A segment is
   * joined from its parts here, per call; servers use segmentChunks() to send it without that copy.
   */
  segment(name: string): Uint8Array | undefined {
    const chunks = this.segmentChunks(name);
    return chunks && joinBytes(chunks);
  }

  /**
   * The bytes of the init segment, a part (one chunk) or a complete segment (its parts, in
   * order): to be sent back to back. Undefined when not (or no longer) in memory.
   */
  segmentChunks(name: string): readonly Uint8Array[] | undefined {
    const f = parseHlsName(name);
    if (!f) {
      return undefined;
    }
    if (f.kind === 'init') {
      const init = this.inits.get(f.version);
      return init && [init];
    }
    if (f.kind !== 'segment' && f.kind !== 'part') {
      return undefined;
    }
    const seg = this.segments.find((s) => s.msn === f.msn);
    if (!seg) {
      return undefined;
    }
    if (f.kind === 'segment') {
      return seg.complete ? seg.parts.map((p) => p.bytes) : undefined;
    }
    const part = seg.parts[f.index];
    return part && [part.bytes];
  }

  /**
   * Like segment(), but a part or segment that is about to be produced (the preload hint,
   * or the one after it) is waited for, up to the blocking bound.
   */
  async waitForSegment(name: string): Promise<Uint8Array | undefined> {
    const chunks = await this.waitForSegmentChunks(name);
    return chunks && joinBytes(chunks);
  }

  /** Like segmentChunks(), waiting as waitForSegment() does. */
  async waitForSegmentChunks(name: string): Promise<readonly Uint8Array[] | undefined> {
    const f = parseHlsName(name);
    if (!f || (f.kind !== 'segment' && f.kind !== 'part')) {
      return this.segmentChunks(name);
    }
    const last = this.segments[this.segments.length - 1];
    const nextMsn = last ? (last.complete ? last.msn + 1 : last.msn) : 0;
    if (f.msn > nextMsn + 1 || (f.msn < nextMsn && this.segmentChunks(name) === undefined)) {
      return undefined;
    }
    const settled = (): boolean => {
      if (this.segmentChunks(name) !== undefined || this.ended) {
        return true;
      }
      const seg = this.segments.find((s) => s.msn === f.msn);
      // a part index beyond where its segment ended will never exist
      return f.kind === 'part' && seg !== undefined && seg.complete;
    };
    await this.waitUntil(settled);
    return this.segmentChunks(name);
  }

  /**
   * The media playlist. With `msn` (and `part`), waits until that segment (part) exists;
   * without, waits for the first complete segment. Undefined if no part exists when the
   * bound expires.
   */
  async playlist(query: { msn?: number; part?: number } = {}): Promise<string | undefined> {
    await this.waitUntil(() => this.reached(query));
    return this.renderMedia();
  }

  /** The multivariant playlist (CODECS, RESOLUTION, BANDWIDTH) once the init segment exists. */
  async multivariantPlaylist(): Promise<string | undefined> {
    await this.waitUntil(() => this.initVersion >= 0 && this.segments.length > 0);
    if (this.initVersion < 0 || !this.info.videoCodec) {
      return undefined;
    }
    const codecs = [this.info.videoCodec];
    if (this.info.audioCodec) {
      codecs.push(this.info.audioCodec);
    }
    return renderMultivariantPlaylist({
      uri: MEDIA_PLAYLIST_NAME,
      bandwidth: this.bandwidth(),
      codecs,
      width: this.info.width,
      height: this.info.height,
    });
  }

  /** Stops the sink, releases all memory and answers every waiting request. Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.sink.close('shutdown');
    this.segments = [];
    this.inits.clear();
    this.notify();
  }

  // ---- internals ----

  private reached(q: { msn?: number; part?: number }): boolean {
    if (this.ended || this.closed) {
      return true;
    }
    if (this.initVersion < 0 || this.segments.length === 0) {
      return false;
    }
    // hls.js rejects a playlist without one complete segment (levelEmptyError), parts or not
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
    // (or a later segment's parts) satisfies the request too
    return this.segments.some((s) => s.msn > q.msn! && s.parts.length > 0);
  }

  private renderMedia(): string | undefined {
    if (this.initVersion < 0 || this.segments.length === 0) {
      return undefined;
    }
    // list only the window (the extra segment kept in memory is not advertised)
    const completeCount = this.segments.filter((s) => s.complete).length;
    const first = Math.max(0, completeCount - this.window);
    const listed = this.segments.slice(first);
    let discontinuitySequence = this.discontinuitiesGone;
    for (const s of this.segments.slice(0, first)) {
      discontinuitySequence += s.discontinuity ? 1 : 0;
    }
    const last = this.segments[this.segments.length - 1];
    const segments: PlaylistSegment[] = listed.map((s) => ({
      msn: s.msn,
      uri: segmentName(s.msn),
      durationSec: s.durationSec,
      // one map for all segments, so their dates stay exactly as far apart as their media
      programDateTimeMs: Math.round(this.wallAtZeroMs + s.startSec * 1000),
      mapUri: initName(s.init),
      discontinuity: s.discontinuity,
      complete: s.complete,
      parts: s.parts.map((p) => ({ uri: p.name, durationSec: p.durationSec, independent: p.independent })),
    }));
    const hint = last.complete ? partName(last.msn + 1, 0) : partName(last.msn, last.parts.length);
    return renderMediaPlaylist({
      targetDurationSec: this.targetSec,
      discontinuitySequence,
      segments,
      partTargetSec: this.lowLatency ? this.partTargetSec : undefined,
      preloadHintUri: this.lowLatency ? hint : undefined,
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

  private bandwidth(): number {
    if (this.peakBitsPerSec > 0) {
      return this.peakBitsPerSec;
    }
    let bytes = 0;
    let sec = 0;
    for (const s of this.segments) {
      for (const p of s.parts) {
        bytes += p.bytes.byteLength;
        sec += p.durationSec;
      }
    }
    return sec > 0 ? (bytes * 8) / sec : 1_000_000;
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
      }, this.blockMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const check of [...this.waiters]) {
      check();
    }
  }
}
