// The fMP4 init segment (ftyp + moov) for one video track and an optional FLAC audio track.
// mux.js writes the H.264-shaped movie (avc1/avcC, mp4a); the sample entries it cannot
// write, hvc1/hvcC and fLaC/dfLa, come from codecs/fmp4 and are spliced into its stsd.
import gen, { type MuxTrack } from 'mux.js/lib/mp4/mp4-generator.js';
import { hvc1SampleEntry, type HevcDecoderConfig } from '../../../codecs/fmp4/hvcc.js';
import { flacSampleEntry } from '../../../codecs/fmp4/flac-entry.js';
import { replaceSampleEntry, setMovieDurations, setTrexDefaultFlags } from '../../../codecs/fmp4/splice.js';
import { AUDIO_TRACK_ID, VIDEO_TRACK_ID } from './fragment.js';

export interface H264TrackConfig {
  readonly codec: 'H264';
  readonly width: number;
  readonly height: number;
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
}

export interface H265TrackConfig {
  readonly codec: 'H265';
  readonly width: number;
  readonly height: number;
  readonly hvcc: HevcDecoderConfig;
}

export type VideoTrackConfig = H264TrackConfig | H265TrackConfig;

export interface FlacTrackConfig {
  readonly sampleRate: number;
  readonly channels: number;
  /** Samples per FLAC frame (fixed). */
  readonly blockSize: number;
}

/** sample_flags "depends on no other sample", i.e. every audio frame is a sync sample. */
const AUDIO_DEFAULT_SAMPLE_FLAGS = 0x02000000;

function videoTrack(v: VideoTrackConfig): MuxTrack {
  const base: MuxTrack = { id: VIDEO_TRACK_ID, type: 'video', width: v.width, height: v.height };
  if (v.codec === 'H265') {
    return { ...base, sps: [], pps: [], profileIdc: 0, profileCompatibility: 0, levelIdc: 0 };
  }
  const sps = v.sps[0];
  return {
    ...base,
    sps: [...v.sps],
    pps: [...v.pps],
    // avcC copies these three bytes of the SPS (ISO/IEC 14496-15 §5.3.3.1.2)
    profileIdc: sps?.[1] ?? 0,
    profileCompatibility: sps?.[2] ?? 0,
    levelIdc: sps?.[3] ?? 0,
  };
}

/** Returns undefined only if a splice fails (which would be a bug in the box layout). */
export function buildInitSegment(video: VideoTrackConfig, audio?: FlacTrackConfig): Uint8Array | undefined {
  const tracks: MuxTrack[] = [videoTrack(video)];
  if (audio) {
    tracks.push({
      id: AUDIO_TRACK_ID,
      type: 'audio',
      samplerate: audio.sampleRate, // also the audio mdhd timescale
      channelcount: audio.channels,
      samplesize: 16,
      audioobjecttype: 2,
      samplingfrequencyindex: 11,
    });
  }
  let init: Uint8Array | undefined = gen.initSegment(tracks);
  if (video.codec === 'H265') {
    init = replaceSampleEntry(init, 0, hvc1SampleEntry(video.width, video.height, video.hvcc));
    if (!init) {
      return undefined;
    }
  }
  if (audio) {
    const entry = flacSampleEntry({
      minBlockSize: audio.blockSize,
      maxBlockSize: audio.blockSize,
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      bitsPerSample: 16,
    });
    init = replaceSampleEntry(init, 1, entry);
    if (!init) {
      return undefined;
    }
    setTrexDefaultFlags(init, AUDIO_TRACK_ID, AUDIO_DEFAULT_SAMPLE_FLAGS);
  }
  setMovieDurations(init, 0); // mux.js writes 0xffffffff ("13:15:21" in ffprobe)
  return init;
}
