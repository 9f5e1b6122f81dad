// An fMP4 file for tools outside the browser (exports, downloads, recordings): one header with
// the video track and, when the source has it, G.711 audio in its own 'ulaw'/'alaw' sample
// entry (g711-entry.ts), then one fragment per GOP holding both tracks. Debian's ffmpeg reads
// such a file and copies it (`ffmpeg -i f.mp4 -c copy out.mov`) without -strict; FLAC in MP4,
// what HLS uses, would need `-strict -2` on ffmpeg 5 (docs/fmp4.md §3).
//
// Time: the first keyframe's DTS is 0 on both tracks; video in 90 kHz, audio in samples (8 kHz).
import { CLOCK_HZ, isVideoCodec, type AccessUnit, type VideoCodec } from '../types.js';
import { joinBytes } from '../bytes/concat.js';
import type { Processor } from '../processor.js';
import { nalUnitSample } from './avcc-sample.js';
import { writeFragment, type FragmentSample, type TrackRun } from './fragment.js';
import { G711_RATE } from './flac-track.js';
import { g711SampleEntry } from './g711-entry.js';
import {
  EXPORT_BRANDS,
  NON_SYNC_SAMPLE_FLAGS,
  SYNC_SAMPLE_FLAGS,
  writeInitSegment,
  type TrackSpec,
} from './init-segment.js';
import { isKnownParameterSet, videoTrackFromKeyframe, type VideoTrack } from './video-track.js';

export interface FileWriterOptions {
  /** The source's G.711 audio, if any: the header declares the audio track up front. */
  readonly audio?: 'PCMA' | 'PCMU';
}

const VIDEO_ID = 1;
const AUDIO_ID = 2;

interface HeldVideo {
  readonly dts: number;
  readonly cto: number;
  readonly keyframe: boolean;
  readonly data: FragmentSample['data'];
}

export class Fmp4FileWriter implements Processor<AccessUnit, Uint8Array> {
  private video: VideoTrack | undefined;
  private origin = 0;
  private held: HeldVideo[] = [];
  private lastDuration = CLOCK_HZ / 25;
  private audio: { time: number; data: Uint8Array }[] = [];
  private sequence = 1;
  private readonly counters = { fragments: 0, droppedVideo: 0, droppedAudio: 0, otherCodec: 0 };

  constructor(private readonly opts: FileWriterOptions = {}) {}

  get stats(): Readonly<Record<string, number>> {
    return this.counters;
  }

  push(au: AccessUnit): Uint8Array[] {
    return isVideoCodec(au.codec) ? this.pushVideo(au, au.codec) : this.pushAudio(au);
  }

  /** Writes what is held as the last fragment; the last sample lasts as long as the one before. */
  flush(): Uint8Array[] {
    const last = this.held[this.held.length - 1];
    if (!last) {
      return [];
    }
    return this.fragment(last.dts + this.lastDuration);
  }

  private pushVideo(au: AccessUnit, codec: VideoCodec): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.video) {
      const track = au.keyframe ? videoTrackFromKeyframe(codec, au.units) : undefined;
      if (!track) {
        this.counters.droppedVideo++;
        return out;
      }
      this.video = track;
      this.origin = au.dts;
      out.push(this.header(track));
    } else if (codec !== this.video.codec) {
      this.counters.otherCodec++; // one sample entry per file: a codec change ends what it can hold
      return out;
    }
    const track = this.video;
    const dts = au.dts - this.origin;
    const prev = this.held[this.held.length - 1];
    if (prev && dts <= prev.dts) {
      this.counters.droppedVideo++;
      return out;
    }
    if (prev) {
      this.lastDuration = dts - prev.dts;
    }
    if (au.keyframe && prev) {
      out.push(...this.fragment(dts));
    }
    this.held.push({
      dts,
      cto: Math.max(0, au.pts - au.dts),
      keyframe: au.keyframe,
      data: nalUnitSample(au.units, (u) => isKnownParameterSet(track, u)),
    });
    return out;
  }

  private pushAudio(au: AccessUnit): Uint8Array[] {
    if (!this.opts.audio || au.codec !== this.opts.audio || !this.video) {
      this.counters.droppedAudio++;
      return [];
    }
    const time = Math.round(((au.pts - this.origin) * G711_RATE) / CLOCK_HZ);
    if (time < 0) {
      this.counters.droppedAudio++;
      return [];
    }
    this.audio.push({ time, data: joinBytes(au.units) });
    return [];
  }

  private header(track: VideoTrack): Uint8Array {
    const tracks: TrackSpec[] = [
      {
        id: VIDEO_ID,
        kind: 'video',
        timescale: CLOCK_HZ,
        width: track.width,
        height: track.height,
        sampleEntry: track.sampleEntry,
      },
    ];
    if (this.opts.audio) {
      tracks.push({
        id: AUDIO_ID,
        kind: 'audio',
        timescale: G711_RATE,
        sampleEntry: g711SampleEntry(this.opts.audio === 'PCMU' ? 'ulaw' : 'alaw'),
        defaultSampleFlags: SYNC_SAMPLE_FLAGS,
      });
    }
    return writeInitSegment(EXPORT_BRANDS, tracks);
  }

  /** The held video up to `end` (90 kHz) and the audio before it, as one moof + mdat. */
  private fragment(end: number): Uint8Array[] {
    const held = this.held;
    this.held = [];
    const video: TrackRun = {
      trackId: VIDEO_ID,
      kind: 'video',
      baseMediaDecodeTime: held[0].dts,
      samples: held.map((s, i) => ({
        duration: (held[i + 1]?.dts ?? end) - s.dts,
        flags: s.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS,
        cto: s.cto,
        data: s.data,
      })),
    };
    const audioEnd = Math.round((end * G711_RATE) / CLOCK_HZ);
    const take = this.audio.filter((a) => a.time < audioEnd);
    this.audio = this.audio.filter((a) => a.time >= audioEnd);
    const runs: TrackRun[] = [video, ...audioRuns(take)];
    this.counters.fragments++;
    return [writeFragment(this.sequence++, runs)];
  }
}

/**
 * G.711 units as samples of their byte count (one byte per sample). Units within a quarter of
 * their length of where the last one ended are laid end to end (timestamp rounding, RTP jitter);
 * a real gap starts a new traf at the unit's own time.
 */
function audioRuns(units: readonly { time: number; data: Uint8Array }[]): TrackRun[] {
  const runs: { trackId: number; kind: 'audio'; baseMediaDecodeTime: number; samples: FragmentSample[] }[] =
    [];
  let next = Number.NaN;
  for (const u of units) {
    if (runs.length === 0 || Math.abs(u.time - next) > u.data.byteLength / 4) {
      runs.push({ trackId: AUDIO_ID, kind: 'audio', baseMediaDecodeTime: u.time, samples: [] });
    }
    runs[runs.length - 1].samples.push({ duration: u.data.byteLength, data: u.data });
    next = u.time + u.data.byteLength;
  }
  return runs;
}
