// The HLS sink: access units from the stream hub → the output timeline (output-timeline.ts) →
// Segmenter → two CMAF tracks (cmaf.ts): video fragments and, when the camera sends G.711,
// FLAC audio fragments, each part of each track handed to its target (HlsOutput). The hub
// starts its video at a keyframe, whose parameter sets make the video header; the audio track
// exists when G.711 has been seen by the time the first part is written. When the hub reports
// a video codec change (videoCodecChanged), the open segment ends there and the next keyframe,
// the new codec's, makes a new video header: HlsOutput lists it after an EXT-X-DISCONTINUITY,
// on a timeline that stays continuous.
import { CLOCK_HZ, isVideoCodec, type AccessUnit, type VideoCodec } from '../../../codecs/types.js';
import { nalUnitSample } from '../../../codecs/fmp4/avcc-sample.js';
import {
  isKnownParameterSet,
  videoTrackFromKeyframe,
  type VideoTrack,
} from '../../../codecs/fmp4/video-track.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import { createLogger } from '../../log.js';
import { G711FlacTrack, G711_RATE, isG711 } from './audio-track.js';
import { audioFragment, audioHeader, videoFragment, videoHeader } from './cmaf.js';
import { OutputTimeline } from './output-timeline.js';
import { Segmenter, type AudioSampleIn, type SegmenterEvent } from './segmenter.js';
import type { PartIn } from './track-store.js';

const log = createLogger('gateway:hls');
/** Audio held while waiting for the first keyframe (PS muxers put a frame's audio first). */
const EARLY_AUDIO_TICKS = CLOCK_HZ;
const EARLY_AUDIO_UNITS = 200;
/** Audio this far behind the video (8 kHz samples) is filled with silence (audio-track.ts). */
const AUDIO_LAG_FILL = G711_RATE / 2;

export interface SinkTrackInfo {
  videoCodec: string;
  audioCodec?: string;
  width: number;
  height: number;
}

export type SinkTrack = 'video' | 'audio';

/** Where the sink delivers its output (HlsOutput). */
export interface HlsSinkTarget {
  /** A track's header; a video header after the first follows a codec change (a discontinuity). */
  onInit(track: SinkTrack, init: Uint8Array, info: SinkTrackInfo): void;
  /**
   * A part of one track in segment `msn` (the same number on every track for the same time);
   * `wallAtZeroMs` dates the output timeline (PROGRAM-DATE-TIME).
   */
  onPart(track: SinkTrack, part: PartIn, wallAtZeroMs: number, msn: number): void;
  /** The video segment is complete; the audio segment beside it closes too. */
  onSegmentEnd(): void;
  /**
   * A segment begins with the keyframe presented at `pts` (output timeline), numbered `msn`:
   * told as the keyframe arrives, before its first part is written.
   */
  onSegmentStart?(pts: number, msn: number): void;
  onEnd(): void;
}

export interface HlsSinkOptions {
  id: string;
  targetDurationSec?: number;
  partTargetSec?: number;
  now?: () => number;
  /**
   * Another sink's timeline to place this one's video on (the H.264 rendition of an H.265
   * camera): read only, and no audio track. Default: a timeline of its own, with audio.
   */
  sharedTimeline?: OutputTimeline;
  /** Segments start where, and are numbered as, another output's do (segmenter.ts cutAt). */
  cutAt?: (dts: number) => number | undefined;
}

export class HlsSink implements Sink {
  readonly id: string;
  private readonly segmenter: Segmenter;
  /** The output timeline (shared with the H.264 rendition's sink). */
  readonly timeline: OutputTimeline;
  private readonly ownsTimeline: boolean;
  private video: VideoTrack | undefined;
  /** The current track still needs its header written (before its first part). */
  private initPending = false;
  /** Made once per track, not per access unit. */
  private isParameterSet: (unit: Uint8Array) => boolean = () => false;
  private audio: G711FlacTrack | undefined;
  /** Undecided until the first video header is written. */
  private audioEnabled: boolean | undefined;
  private audioSeen: 'PCMA' | 'PCMU' | undefined;
  private earlyAudio: AccessUnit[] = [];
  private lastDts: number | undefined;
  private videoSequence = 1;
  private audioSequence = 1;
  /** The media sequence number of the last audio part written. */
  private audioMsn = -1;
  /** Audio frames past the end of the video part they arrived with: they open the next audio part. */
  private audioCarry: AudioSampleIn[] = [];
  private closed = false;
  readonly counters = {
    /** First video access units (after a start or a codec change) without usable parameter sets. */
    badKeyframes: 0,
    codecChanges: 0,
    /** Video in another codec than the header's, with no change reported: dropped (a guard). */
    wrongCodec: 0,
    negativeCto: 0,
    audioBeforeVideo: 0,
    audioIgnored: 0,
    /** Shared timeline only: frames whose decode time did not advance. */
    lateVideo: 0,
  };

  constructor(
    private readonly target: HlsSinkTarget,
    opts: HlsSinkOptions,
  ) {
    this.id = opts.id;
    this.timeline = opts.sharedTimeline ?? new OutputTimeline(opts.now);
    this.ownsTimeline = !opts.sharedTimeline;
    if (!this.ownsTimeline) {
      this.audioEnabled = false;
    }
    this.segmenter = new Segmenter({
      targetDurationSec: opts.targetDurationSec,
      partTargetSec: opts.partTargetSec,
      ...(opts.cutAt ? { cutAt: opts.cutAt } : {}),
    });
  }

  get stats(): Readonly<Record<string, number>> {
    return {
      ...this.counters,
      ...this.timeline.counters,
      ...this.segmenter.stats,
      ...(this.audio?.stats ?? {}),
    };
  }

  write(au: AccessUnit): void {
    if (this.closed) {
      return;
    }
    if (isVideoCodec(au.codec)) {
      this.writeVideo(au, au.codec);
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
   * and the next video access unit (a keyframe of the new codec) makes the next header.
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

  /** The hub reports a new audio codec (A-law ⇄ µ-law): decode it from now on, same FLAC track. */
  audioCodecChanged(): void {
    this.audioSeen = undefined;
  }

  private writeVideo(au: AccessUnit, codec: VideoCodec): void {
    if (!this.video) {
      // The hub hands over a keyframe first (its keyframe wait); its parameter sets make the header.
      const track = videoTrackFromKeyframe(codec, au.units);
      if (!track) {
        this.counters.badKeyframes++;
        return;
      }
      this.video = track;
      this.initPending = true;
      this.isParameterSet = (u) => isKnownParameterSet(track, u);
    } else if (codec !== this.video.codec) {
      this.counters.wrongCodec++;
      return;
    }
    let dts: number;
    if (this.ownsTimeline) {
      dts = this.timeline.videoDts(au.dts);
    } else {
      dts = this.timeline.map(au.dts);
      if (this.lastDts !== undefined && dts <= this.lastDts) {
        this.counters.lateVideo++;
        return;
      }
    }
    this.lastDts = dts;
    const pts = this.timeline.map(au.pts);
    if (pts < dts) {
      this.counters.negativeCto++;
    }
    // no copy here: the fragment writer length-prefixes the units into the part's buffer
    const data = nalUnitSample(au.units, this.isParameterSet);
    this.handle(
      this.segmenter.push({ kind: 'video', dts, cto: Math.max(0, pts - dts), keyframe: au.keyframe, data }),
    );
    const open = au.keyframe ? this.segmenter.openSegment : undefined;
    if (open && open.startDts === dts) {
      this.target.onSegmentStart?.(pts, open.msn);
    }
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
    for (const s of this.audioFrames(au)) {
      this.segmenter.push(s);
    }
  }

  /** FLAC frames of a G.711 unit; none while it is held (before video) or ignored. */
  private audioFrames(au: AccessUnit): AudioSampleIn[] {
    if (this.audioEnabled === false || !isG711(au.codec)) {
      this.counters.audioIgnored++; // AAC would need an mp4a path; not carried yet
      return [];
    }
    if (this.audioSeen && this.audioSeen !== au.codec && this.audio) {
      this.audio.codec = au.codec; // the hub reported the change; the FLAC track goes on
    }
    this.audioSeen = au.codec;
    if (!this.video || !this.timeline.started) {
      this.counters.audioBeforeVideo++;
      this.earlyAudio.push(au);
      const newest = au.pts;
      while (
        this.earlyAudio.length > EARLY_AUDIO_UNITS ||
        newest - this.earlyAudio[0].pts > EARLY_AUDIO_TICKS
      ) {
        this.earlyAudio.shift();
      }
      return [];
    }
    if (this.audioEnabled === undefined) {
      this.earlyAudio.push(au); // the first part (and the header decision) is not written yet
      return [];
    }
    this.audio ??= new G711FlacTrack(au.codec);
    return this.audio.push(au, this.timeline.map(au.pts));
  }

  private handle(events: SegmenterEvent[]): void {
    for (const e of events) {
      if (e.type === 'segment') {
        if (this.audioEnabled && this.audio && this.audioMsn !== e.msn) {
          // no audio came during this whole segment: silence (after what was held back), so the
          // audio rendition's numbering keeps step with the video's
          const end = Math.round(((e.startDts + e.durationTicks) * G711_RATE) / CLOCK_HZ);
          const frames = [...this.audioCarry, ...this.audio.fillTo(end)];
          this.audioCarry = [];
          this.writeAudioPart(frames, e.msn);
        }
        this.target.onSegmentEnd();
        continue;
      }
      if (this.initPending && !this.writeInit()) {
        return;
      }
      const part = e.part;
      const wall = this.timeline.wallAtZeroMs;
      this.target.onPart(
        'video',
        {
          bytes: videoFragment(this.videoSequence++, part.video, this.timeline.decodeBase(CLOCK_HZ)),
          start: part.startDts,
          end: part.startDts + part.durationTicks,
          independent: part.independent,
        },
        wall,
        part.msn,
      );
      if (this.audioEnabled && this.audio) {
        // An audio part ends where its video part does (frames beyond wait for the next one),
        // so audio parts stay within the part target as LL-HLS asks (RFC 8216bis §4.4.4.9).
        const partEnd = Math.round(((part.startDts + part.durationTicks) * G711_RATE) / CLOCK_HZ);
        const frames = [...this.audioCarry, ...part.audio, ...this.audio.fillTo(partEnd - AUDIO_LAG_FILL)];
        const cut = frames.findIndex((f) => f.time + f.duration > partEnd);
        this.audioCarry = cut === -1 ? [] : frames.slice(cut);
        this.writeAudioPart(cut === -1 ? frames : frames.slice(0, cut), part.msn);
      }
    }
  }

  private writeAudioPart(audio: readonly AudioSampleIn[], msn: number): void {
    if (audio.length === 0) {
      return;
    }
    const last = audio[audio.length - 1];
    this.target.onPart(
      'audio',
      {
        bytes: audioFragment(this.audioSequence++, audio, this.timeline.decodeBase(G711_RATE)),
        start: audio[0].time,
        end: last.time + last.duration,
        independent: true,
      },
      this.timeline.wallAtZeroMs,
      msn,
    );
    this.audioMsn = msn;
  }

  private writeInit(): boolean {
    const track = this.video!;
    this.initPending = false;
    const info: SinkTrackInfo = {
      videoCodec: track.codecString,
      width: track.width,
      height: track.height,
    };
    if (this.audioEnabled === undefined) {
      this.audioEnabled = this.audioSeen !== undefined;
      if (this.audioEnabled) {
        this.audio = new G711FlacTrack(this.audioSeen!);
        this.target.onInit('audio', audioHeader(this.audio.config), { ...info, audioCodec: 'fLaC' });
      }
      // what arrived before this first part belongs to it (the part being written)
      const held = this.earlyAudio;
      this.earlyAudio = [];
      for (const a of held) {
        this.audioCarry.push(...this.audioFrames(a));
      }
    }
    log.debug({ sink: this.id, codec: track.codecString, audio: this.audioSeen }, 'hls header');
    this.target.onInit('video', videoHeader(track), {
      ...info,
      ...(this.audioEnabled ? { audioCodec: 'fLaC' } : {}),
    });
    return true;
  }
}
