// The CMAF tracks of an HLS output (ISO/IEC 23000-19; docs/fmp4.md §4): one header and one run
// of fragments per track, video and audio apart, written by the shared fMP4 writer in
// codecs/fmp4 (init-segment.ts, fragment.ts).
import { CLOCK_HZ } from '../../../codecs/types.js';
import { flacTrackHeader, type FlacTrackConfig } from '../../../codecs/fmp4/flac-track.js';
import { writeFragment } from '../../../codecs/fmp4/fragment.js';
import {
  CMAF_BRANDS,
  NON_SYNC_SAMPLE_FLAGS,
  SYNC_SAMPLE_FLAGS,
  writeInitSegment,
} from '../../../codecs/fmp4/init-segment.js';
import type { VideoTrack } from '../../../codecs/fmp4/video-track.js';
import type { AudioSampleIn, VideoSampleOut } from './segmenter.js';

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

export function videoHeader(track: VideoTrack): Uint8Array {
  return writeInitSegment(CMAF_BRANDS, [
    {
      id: VIDEO_TRACK_ID,
      kind: 'video',
      timescale: CLOCK_HZ,
      width: track.width,
      height: track.height,
      sampleEntry: track.sampleEntry,
    },
  ]);
}

/** FLAC on its sample-rate timescale; every frame is a sync sample (trex default flags). */
export function audioHeader(cfg: FlacTrackConfig): Uint8Array {
  return flacTrackHeader(AUDIO_TRACK_ID, cfg);
}

/** `base`: the output timeline's 0 as a decode time, 90 kHz (OutputTimeline.decodeBase). */
export function videoFragment(
  sequence: number,
  samples: readonly VideoSampleOut[],
  base: number,
): Uint8Array {
  return writeFragment(sequence, [
    {
      trackId: VIDEO_TRACK_ID,
      kind: 'video',
      baseMediaDecodeTime: base + (samples[0]?.dts ?? 0),
      samples: samples.map((s) => ({
        duration: s.duration,
        flags: s.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS,
        cto: s.cto,
        data: s.data,
      })),
    },
  ]);
}

/** Frames laid end to end (the audio track keeps them so: audio-track.ts); `base` as above, 8 kHz. */
export function audioFragment(sequence: number, samples: readonly AudioSampleIn[], base: number): Uint8Array {
  return writeFragment(sequence, [
    {
      trackId: AUDIO_TRACK_ID,
      kind: 'audio',
      baseMediaDecodeTime: base + (samples[0]?.time ?? 0),
      samples: samples.map((s) => ({ duration: s.duration, data: s.data })),
    },
  ]);
}
