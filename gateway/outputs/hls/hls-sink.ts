// The HLS sink: access units from the stream hub → rebased samples → Segmenter → fMP4 init,
// parts and segments handed to its target (HlsOutput). The hub starts its video at a keyframe,
// whose parameter sets make the init segment; the audio track exists when G.711 audio has been
// seen by the time the first part is written. When the hub reports a video codec change
// (videoCodecChanged), the open segment ends there and the next keyframe, the new codec's,
// makes a new init segment: HlsOutput lists it after an EXT-X-DISCONTINUITY with its own
// EXT-X-MAP, on an output timeline that stays continuous.
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../../codecs/types.js';
import { nalUnitSample } from '../../../codecs/fmp4/avcc-sample.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import { createLogger } from '../../log.js';
import { G711FlacTrack, isG711 } from './audio-track.js';
import { audioRuns, buildFragment, videoRun, type TrackRun } from './fragment.js';
import { buildInitSegment } from './init-segment.js';
import { Segmenter, type SegmenterEvent } from './segmenter.js';
import { isKnownParameterSet, videoConfigFromKeyframe, type VideoConfig } from './video-config.js';
import { WallClockMap } from './wall-clock.js';

const log = createLogger('gateway:hls');
/** A decode-time step outside (0, 5 s] is a source discontinuity, smoothed over. */
const MAX_STEP = 5 * CLOCK_HZ;
/** Audio held while waiting for the first keyframe (PS muxers put a frame's audio first). */
const EARLY_AUDIO_TICKS = CLOCK_HZ;
const EARLY_AUDIO_UNITS = 200;

export interface SinkTrackInfo {
  videoCodec: string;
  audioCodec?: string;
  width: number;
  height: number;
}

export interface SinkPart {
  msn: number;
  index: number;
  independent: boolean;
  durationSec: number;
  /** Output-timeline time of the part's first video sample, seconds. */
  startSec: number;
  /** Current estimate of the wall clock (ms) at output time 0; PROGRAM-DATE-TIME = this + start. */
  wallClockAtZeroMs: number;
  bytes: Uint8Array;
}

/** Where the sink delivers its output (HlsOutput). */
export interface HlsSinkTarget {
  /** An init segment; every one after the first follows a codec change (a discontinuity). */
  onInit(init: Uint8Array, info: SinkTrackInfo): void;
  onPart(part: SinkPart): void;
  onSegment(msn: number, durationSec: number): void;
  onEnd(): void;
}

export interface HlsSinkOptions {
  id: string;
  targetDurationSec?: number;
  partTargetSec?: number;
  now?: () => number;
}

export class HlsSink implements Sink {
  readonly id: string;
  private readonly segmenter: Segmenter;
  private readonly now: () => number;
  private video: VideoConfig | undefined;
  /** The current config still needs its init segment written (before its first part). */
  private initPending = false;
  /** Made once per config, not per access unit. */
  private isParameterSet: (unit: Uint8Array) => boolean = () => false;
  private audio: G711FlacTrack | undefined;
  /** Undecided until the init segment is written. */
  private audioEnabled: boolean | undefined;
  private audioSeen: 'PCMA' | 'PCMU' | undefined;
  private earlyAudio: AccessUnit[] = [];
  private origin = 0;
  private offset = 0;
  private lastDts: number | undefined;
  private lastStep = CLOCK_HZ / 25;
  private readonly wallClock = new WallClockMap();
  private sequence = 1;
  private closed = false;
  readonly counters = {
    /** First video access units (after a start or a codec change) without usable parameter sets. */
    badKeyframes: 0,
    codecChanges: 0,
    /** Video in another codec than the init segment's, with no change reported: dropped (a guard). */
    wrongCodec: 0,
    timestampJumps: 0,
    negativeCto: 0,
    audioBeforeVideo: 0,
    audioIgnored: 0,
  };

  constructor(
    private readonly target: HlsSinkTarget,
    opts: HlsSinkOptions,
  ) {
    this.id = opts.id;
    this.now = opts.now ?? Date.now;
    this.segmenter = new Segmenter({
      targetDurationSec: opts.targetDurationSec,
      partTargetSec: opts.partTargetSec,
    });
  }

  get stats(): Readonly<Record<string, number>> {
    return { ...this.counters, ...this.segmenter.stats, ...(this.audio?.stats ?? {}) };
  }

  write(au: AccessUnit): void {
    if (this.closed) {
      return;
    }
    if (isVideoCodec(au.codec)) {
      this.writeVideo(au);
    } else {
      this.writeAudio(au);
    }
  }

  close(reason: CloseReason): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    log.debug({ sink: this.id, reason, stats: this.stats }, 'hls sink closed');
    if (this.video) {
      this.handle(this.segmenter.flush());
    }
    this.target.onEnd();
  }

  /**
   * The hub reports a new video codec: the open segment ends with the old codec's last frame,
   * and the next video access unit (a keyframe of the new codec) makes the next init segment.
   */
  videoCodecChanged(): void {
    if (this.closed || !this.video) {
      return; // nothing written yet: the first keyframe sets the codec anyway
    }
    this.counters.codecChanges++;
    this.handle(this.segmenter.flush());
    this.video = undefined;
    this.isParameterSet = () => false;
  }

  /** The hub reports a new audio codec (a reconfigured device, A-law ⇄ µ-law): decode it from now on. */
  audioCodecChanged(): void {
    if (this.audio) {
      this.audio = undefined; // the next G.711 unit makes a track of its codec; the FLAC entry is the same
    }
  }

  private writeVideo(au: AccessUnit): void {
    if (!this.video) {
      // The hub hands over a keyframe first (its keyframe wait); its parameter sets make the init.
      const cfg = videoConfigFromKeyframe(au.codec as 'H264' | 'H265', au.units);
      if (!cfg) {
        this.counters.badKeyframes++;
        return;
      }
      this.video = cfg;
      this.initPending = true;
      this.isParameterSet = (u) => isKnownParameterSet(cfg, u);
      if (this.lastDts === undefined) {
        this.origin = au.dts;
      }
    } else if (au.codec !== this.video.codec) {
      this.counters.wrongCodec++;
      return;
    }
    let dts = au.dts - this.origin + this.offset;
    if (this.lastDts !== undefined) {
      const step = dts - this.lastDts;
      if (step <= 0 || step > MAX_STEP) {
        // keep the output timeline continuous: pretend one usual frame step passed
        this.counters.timestampJumps++;
        this.offset += this.lastDts + this.lastStep - dts;
        dts = this.lastDts + this.lastStep;
      } else {
        this.lastStep = step;
      }
    }
    this.lastDts = dts;
    const pts = au.pts - this.origin + this.offset;
    if (pts < dts) {
      this.counters.negativeCto++;
    }
    this.wallClock.observe(this.now(), (dts * 1000) / CLOCK_HZ);
    // no copy here: the fragment writer length-prefixes the units into the part's buffer
    const data = nalUnitSample(au.units, this.isParameterSet);
    this.handle(
      this.segmenter.push({ kind: 'video', dts, cto: Math.max(0, pts - dts), keyframe: au.keyframe, data }),
    );
    if (this.earlyAudio.length) {
      // audio from just before the first keyframe: what lies at or after it is kept
      const early = this.earlyAudio;
      this.earlyAudio = [];
      for (const a of early) {
        this.writeAudio(a);
      }
    }
  }

  private writeAudio(au: AccessUnit): void {
    if (!isG711(au.codec)) {
      this.counters.audioIgnored++; // AAC would need an mp4a path; not carried yet
      return;
    }
    this.audioSeen = au.codec;
    if (!this.video) {
      this.counters.audioBeforeVideo++;
      this.earlyAudio.push(au);
      const newest = au.pts;
      while (
        this.earlyAudio.length > EARLY_AUDIO_UNITS ||
        newest - this.earlyAudio[0].pts > EARLY_AUDIO_TICKS
      ) {
        this.earlyAudio.shift();
      }
      return;
    }
    if (this.audioEnabled === false || (this.audio && this.audio.codec !== au.codec)) {
      this.counters.audioIgnored++;
      return;
    }
    this.audio ??= new G711FlacTrack(au.codec);
    const pts = au.pts - this.origin + this.offset;
    for (const s of this.audio.push(au, pts)) {
      this.segmenter.push(s);
    }
  }

  private handle(events: SegmenterEvent[]): void {
    for (const e of events) {
      if (e.type === 'segment') {
        this.target.onSegment(e.msn, e.durationTicks / CLOCK_HZ);
        continue;
      }
      if (this.initPending && !this.writeInit()) {
        return;
      }
      const runs: TrackRun[] = [videoRun(e.part.video)];
      if (this.audioEnabled) {
        runs.push(...audioRuns(e.part.audio));
      }
      const frag = buildFragment(this.sequence, runs);
      this.sequence = frag.nextSequence;
      const wall = this.wallClock.zeroMs ?? this.now();
      this.target.onPart({
        msn: e.part.msn,
        index: e.part.index,
        independent: e.part.independent,
        durationSec: e.part.durationTicks / CLOCK_HZ,
        startSec: e.part.startDts / CLOCK_HZ,
        wallClockAtZeroMs: wall,
        bytes: frag.bytes,
      });
    }
  }

  private writeInit(): boolean {
    const cfg = this.video!;
    this.initPending = false;
    this.audioEnabled ??= this.audioSeen !== undefined;
    const audio = this.audioEnabled ? (this.audio ?? new G711FlacTrack(this.audioSeen!)) : undefined;
    this.audio = audio;
    const init = buildInitSegment(cfg.track, audio?.config);
    if (!init) {
      log.error({ sink: this.id }, 'init segment could not be built');
      this.closed = true;
      this.target.onEnd();
      return false;
    }
    log.debug({ sink: this.id, codec: cfg.codecString, audio: this.audioSeen }, 'hls init segment');
    this.target.onInit(init, {
      videoCodec: cfg.codecString,
      audioCodec: audio ? 'fLaC' : undefined,
      width: cfg.width,
      height: cfg.height,
    });
    return true;
  }
}
