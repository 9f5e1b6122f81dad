// One stream's HLS output held in memory: a CMAF track store per track (track-store.ts) fed by
// the HLS sink, and the multivariant playlist that ties them together (RFC 8216 §4.3.4): the
// video variant with its audio rendition, and for an H.265 camera a second, H.264 variant that
// is transcoded only while someone plays it (avc-rendition.ts). A codec change mid-stream
// (reported by the hub) makes a new video header; both tracks mark the discontinuity at the
// same place, so players keep audio and video aligned (RFC 8216 §6.2.1 discontinuity sequence).
import type { StreamMediaEvent } from '../../hub/media-events.js';
import type { Sink } from '../../hub/sink.js';
import { CLOCK_HZ } from '../../../codecs/types.js';
import { G711_RATE } from './audio-track.js';
import { HlsSink, type HlsSinkTarget, type SinkTrack, type SinkTrackInfo } from './hls-sink.js';
import {
  AVC_AUDIO_PLAYLIST_NAME,
  mediaPlaylistName,
  parseHlsName,
  type HlsFile,
  type HlsTrack,
} from './names.js';
import type { OutputTimeline } from './output-timeline.js';
import { renderMultivariantPlaylist, type VariantStream } from './playlist.js';
import { TrackStore, type PartIn, type PlaylistAnswer } from './track-store.js';
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

export interface HlsOutputInfo {
  /** RFC 6381 codec string, e.g. "avc1.42c01f" or "hvc1.1.6.L120.90". */
  videoCodec?: string;
  /** "fLaC" when G.711 audio is carried (as FLAC). */
  audioCodec?: string;
  width?: number;
  height?: number;
  /** Complete video segments produced so far. */
  segments: number;
  /** Video headers written after a codec change (each opens a discontinuity). */
  discontinuities: number;
}

/** The H.264 rendition of an H.265 camera, as the output sees it (avc-rendition.ts). */
export interface AvcVariant {
  /** Starts it (or keeps it running) and returns its track; called for each of its requests. */
  open(): TrackStore;
  /** Its codec string once known; an estimate before the first header. */
  readonly codecString: string;
}

let nextId = 1;

export class HlsOutput implements HlsSinkTarget {
  readonly sink: Sink;
  private readonly hlsSink: HlsSink;
  readonly info: HlsOutputInfo = { segments: 0, discontinuities: 0 };
  private readonly storeOptions: Omit<ConstructorParameters<typeof TrackStore>[0], 'track' | 'timescale'>;
  private readonly video: TrackStore;
  private audio: TrackStore | undefined;
  private avc: AvcVariant | undefined;
  /** Keyframe presentation time (90 kHz, output timeline) → media sequence number, latest segments. */
  private readonly segmentStarts = new Map<number, number>();
  private closed = false;

  constructor(opts: HlsOutputOptions = {}) {
    const targetDurationSec = opts.targetDurationSec ?? 2;
    const partTargetSec = opts.partTargetSec ?? 1 / 3;
    this.storeOptions = {
      targetDurationSec,
      partTargetSec,
      window: Math.max(1, opts.windowSegments ?? 6),
      lowLatency: opts.lowLatency ?? true,
      blockMs: opts.blockTimeoutMs ?? 3 * targetDurationSec * 1000,
    };
    this.video = this.newStore('video', CLOCK_HZ);
    this.sink = this.hlsSink = new HlsSink(this, {
      id: opts.id ?? `hls-${nextId++}`,
      targetDurationSec,
      partTargetSec,
      now: opts.now,
    });
  }

  /** A store with this output's segment and part targets (also for the H.264 rendition). */
  newStore(track: HlsTrack, timescale: number): TrackStore {
    return new TrackStore({ ...this.storeOptions, track, timescale });
  }

  /** The output timeline, which the H.264 rendition's sink shares. */
  get timeline(): OutputTimeline {
    return this.hlsSink.timeline;
  }

  /** Offers the H.264 variant in the multivariant playlist (an H.265 camera, transcoding on). */
  setAvcVariant(avc: AvcVariant | undefined): void {
    this.avc = avc;
  }

  /**
   * What the hub reports about the stream: a video codec change ends the open segment and
   * makes the next keyframe open a new header; an audio codec change swaps the decoder.
   */
  mediaEvent(e: StreamMediaEvent): void {
    if (e.type !== 'codec' || !e.previous) {
      return;
    }
    if (e.previous.video && e.video !== e.previous.video) {
      this.hlsSink.videoCodecChanged();
    }
    if (e.previous.audio && e.audio !== e.previous.audio) {
      this.hlsSink.audioCodecChanged();
    }
  }

  // ---- HlsSinkTarget: what the sink produces ----

  onInit(track: SinkTrack, init: Uint8Array, info: SinkTrackInfo): void {
    if (track === 'audio') {
      this.audio ??= this.newStore('audio', G711_RATE);
      this.audio.addInit(init);
      this.info.audioCodec = info.audioCodec;
      return;
    }
    if (this.video.hasInit) {
      this.info.discontinuities++;
      this.audio?.markDiscontinuity();
    }
    this.video.addInit(init);
    this.info.videoCodec = info.videoCodec;
    this.info.audioCodec = info.audioCodec;
    this.info.width = info.width;
    this.info.height = info.height;
  }

  onPart(track: SinkTrack, part: PartIn, wallAtZeroMs: number, msn: number): void {
    (track === 'video' ? this.video : this.audio)?.addPart(part, wallAtZeroMs, msn);
  }

  /** Kept for the H.264 variant, which cuts where the camera's video does (avc-rendition.ts). */
  onSegmentStart(pts: number, msn: number): void {
    this.segmentStarts.set(pts, msn);
    if (this.segmentStarts.size > 64) {
      this.segmentStarts.delete(this.segmentStarts.keys().next().value!);
    }
  }

  /** The media sequence number of the video segment whose keyframe is presented at `pts`, if any. */
  segmentAt(pts: number): number | undefined {
    return this.segmentStarts.get(pts);
  }

  onSegmentEnd(): void {
    if (this.video.closeSegment()) {
      this.info.segments++;
    }
    this.audio?.closeSegment();
  }

  onEnd(): void {
    this.video.end();
    this.audio?.end();
  }

  // ---- what the routes read ----

  private store(track: HlsTrack): TrackStore | undefined {
    if (track === 'avc') {
      return this.avc?.open();
    }
    return track === 'video' ? this.video : this.audio;
  }

  /**
   * A media playlist; see TrackStore.playlist for blocking and 'too-far'. `alignedTo: 'avc'` is
   * the audio playlist of the H.264 variant's group, listed from that variant's first segment.
   */
  async playlist(
    track: HlsTrack = 'video',
    q: { msn?: number; part?: number } = {},
    alignedTo?: 'avc',
  ): Promise<PlaylistAnswer> {
    const store = this.store(track);
    if (!store) {
      return { kind: 'none' };
    }
    const avc = alignedTo ? this.avc?.open() : undefined;
    if (avc) {
      await avc.playlist(); // the variant's first complete segment: where this list starts
    }
    return store.playlist(q, avc && (() => avc.firstListedMsn));
  }

  /** The playlist text, or undefined (tests and tools; the routes use playlist()). */
  async playlistText(
    track: HlsTrack = 'video',
    q: { msn?: number; part?: number } = {},
  ): Promise<string | undefined> {
    const answer = await this.playlist(track, q);
    return answer.kind === 'playlist' ? answer.text : undefined;
  }

  /** The latest init segment of a track. */
  init(track: HlsTrack = 'video'): Uint8Array | undefined {
    return this.store(track)?.latestInit();
  }

  /** The bytes of an init segment, part or complete segment, to be sent back to back. */
  segmentChunks(name: string): readonly Uint8Array[] | undefined {
    const f = parseHlsName(name);
    if (!f || f.kind === 'multivariant' || f.kind === 'media') {
      return undefined;
    }
    return this.store(f.track)?.chunks(f);
  }

  /** One buffer (tests). */
  segment(name: string): Uint8Array | undefined {
    const chunks = this.segmentChunks(name);
    return chunks && joinBytes(chunks);
  }

  /** Like segmentChunks(), but a segment or part about to be produced is waited for (bounded). */
  async waitForSegmentChunks(name: string): Promise<readonly Uint8Array[] | undefined> {
    const f: HlsFile | undefined = parseHlsName(name);
    if (!f || f.kind === 'multivariant' || f.kind === 'media') {
      return undefined;
    }
    const store = this.store(f.track);
    if (!store) {
      return undefined;
    }
    return f.kind === 'init' ? store.chunks(f) : store.waitForChunks(f);
  }

  /** The multivariant playlist (CODECS, RESOLUTION, BANDWIDTH) once the video has a segment. */
  async multivariantPlaylist(): Promise<string | undefined> {
    await this.video.playlist();
    if (!this.video.hasInit || !this.info.videoCodec) {
      return undefined;
    }
    const audio = this.audio?.hasInit ? this.audio : undefined;
    const audioCodecs = audio ? ['fLaC'] : [];
    const audioBandwidth = audio ? audio.bandwidth() : 0;
    const common = {
      width: this.info.width,
      height: this.info.height,
      ...(audio ? { audioGroup: 'audio' } : {}),
    };
    const variants: VariantStream[] = [
      {
        uri: mediaPlaylistName('video'),
        bandwidth: this.video.bandwidth() + audioBandwidth,
        codecs: [this.info.videoCodec, ...audioCodecs],
        ...common,
      },
    ];
    const renditions = audio
      ? [{ groupId: 'audio', name: 'camera', uri: mediaPlaylistName('audio'), channels: 1 }]
      : [];
    if (this.avc && this.info.videoCodec.startsWith('hvc1')) {
      variants.push({
        uri: mediaPlaylistName('avc'),
        bandwidth: this.video.bandwidth() + audioBandwidth,
        codecs: [this.avc.codecString, ...audioCodecs],
        ...common,
        ...(audio ? { audioGroup: 'audio-avc' } : {}),
      });
      if (audio) {
        renditions.push({ groupId: 'audio-avc', name: 'camera', uri: AVC_AUDIO_PLAYLIST_NAME, channels: 1 });
      }
    }
    return renderMultivariantPlaylist(variants, renditions);
  }

  /** Stops the sink, releases all memory and answers every waiting request. Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.sink.close('shutdown');
    this.video.close();
    this.audio?.close();
  }
}
