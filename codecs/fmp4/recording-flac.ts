// A recording's G.711 audio as a FLAC track for browsers (docs/fmp4.md §7, docs/recording.md §8):
// the header becomes a one-track CMAF header with a 'fLaC' sample entry, and each fragment
// (moof + mdat, both tracks) an audio-only fragment whose samples are VERBATIM FLAC frames of
// the G.711 samples expanded to 16-bit PCM: lossless, on the same 8 kHz timescale, each traf
// keeping its decode time. Each fragment converts on its own (an HLS byte range at a time), so
// frames are cut per traf and number their first sample (the variable-blocksize strategy,
// RFC 9639 §9.1.1): 160 samples each, the last one taking the rest. A fragment without audio,
// or a file without an audio track, gives silence over the fragment's video time, so a player
// waiting for audio does not stall. Returns undefined for input it cannot read.
import { joinBytes } from '../bytes/concat.js';
import { decodeAlaw, decodeUlaw } from '../g711/g711.js';
import { writeFlacFrame } from './flac-frame.js';
import { FLAC_BLOCK, G711_RATE, flacTrackHeader, type FlacTrackConfig } from './flac-track.js';
import { writeFragment, type FragmentSample, type TrackRun } from './fragment.js';
import { readHeaderTracks } from './recording-tracks.js';
import { readTrackRuns, type TrackRunIn } from './track-runs.js';

/** RFC 9639 §8.2: the smallest block size STREAMINFO may name. */
const MIN_BLOCK = 16;
/** A traf's last frame takes up to this many samples, so only a traf shorter than MIN_BLOCK makes a smaller frame. */
const MAX_BLOCK = FLAC_BLOCK + MIN_BLOCK - 1;

const CONFIG: FlacTrackConfig = {
  sampleRate: G711_RATE,
  channels: 1,
  minBlockSize: MIN_BLOCK,
  maxBlockSize: MAX_BLOCK,
};

export interface RecordingAudio {
  /** track_ID of the FLAC track: the recording's audio track's, or the first free one. */
  readonly trackId: number;
  /** The recording's G.711 track; absent when the file has none (its fragments become silence). */
  readonly law?: 'alaw' | 'ulaw';
  /** The video track, whose time a fragment without audio fills with silence. */
  readonly video: { readonly id: number; readonly timescale: number };
}

/**
 * The tracks a conversion needs, from the recording's header. Undefined without a video track,
 * or with an audio track that is not 8 kHz mono G.711 (its timing could not be kept exactly).
 */
export function recordingAudio(init: Uint8Array): RecordingAudio | undefined {
  const tracks = readHeaderTracks(init);
  const video = tracks?.find((t) => t.handler === 'vide');
  if (!tracks || !video || video.timescale === 0) {
    return undefined;
  }
  const sound = tracks.find((t) => t.handler === 'soun');
  const videoRef = { id: video.id, timescale: video.timescale };
  if (!sound) {
    return { trackId: Math.max(...tracks.map((t) => t.id)) + 1, video: videoRef };
  }
  const law = sound.sampleEntry;
  if ((law !== 'alaw' && law !== 'ulaw') || sound.timescale !== G711_RATE || sound.channels !== 1) {
    return undefined;
  }
  return { trackId: sound.id, law, video: videoRef };
}

/** The FLAC track's header (8 kHz mono 16-bit, variable block size up to MAX_BLOCK). */
export function recordingFlacInit(audio: RecordingAudio): Uint8Array {
  return flacTrackHeader(audio.trackId, CONFIG);
}

/** One fragment of the recording (moof + mdat) as an audio-only FLAC fragment. */
export function recordingFlacFragment(fragment: Uint8Array, audio: RecordingAudio): Uint8Array | undefined {
  const video = readTrackRuns(fragment, audio.video.id);
  const sound = audio.law ? readTrackRuns(fragment, audio.trackId) : video && { ...video, runs: [] };
  if (!video || video.runs.length === 0 || !sound) {
    return undefined;
  }
  const runs: TrackRun[] = [];
  for (const run of sound.runs.filter((r) => r.samples.length > 0)) {
    const pcm = runPcm(run, audio.law === 'alaw');
    if (!pcm) {
      return undefined;
    }
    runs.push(flacRun(audio.trackId, run.baseMediaDecodeTime, pcm));
  }
  if (runs.length === 0) {
    const first = video.runs[0].baseMediaDecodeTime;
    const last = video.runs[video.runs.length - 1];
    const end = last.baseMediaDecodeTime + last.samples.reduce((n, s) => n + s.duration, 0);
    // The same rounding as the writer's (file-writer.ts): audio time = video time at 8 kHz.
    const from = Math.round((first * G711_RATE) / audio.video.timescale);
    const to = Math.round((end * G711_RATE) / audio.video.timescale);
    if (to <= from) {
      return undefined;
    }
    runs.push(flacRun(audio.trackId, from, new Int16Array(to - from)));
  }
  return writeFragment(sound.sequence, runs);
}

/** The traf's G.711 expanded to PCM; one byte is one sample, so each duration is its size. */
function runPcm(run: TrackRunIn, alaw: boolean): Int16Array | undefined {
  if (run.samples.some((s) => s.duration !== s.data.byteLength)) {
    return undefined;
  }
  const bytes = joinBytes(run.samples.map((s) => s.data));
  return alaw ? decodeAlaw(bytes) : decodeUlaw(bytes);
}

function flacRun(trackId: number, time: number, pcm: Int16Array): TrackRun {
  const samples: FragmentSample[] = [];
  for (let at = 0; at < pcm.length;) {
    const n = pcm.length - at > MAX_BLOCK ? FLAC_BLOCK : pcm.length - at;
    const data = writeFlacFrame([pcm.subarray(at, at + n)], {
      sampleRate: G711_RATE,
      sampleNumber: time + at,
    });
    samples.push({ duration: n, data });
    at += n;
  }
  return { trackId, kind: 'audio', baseMediaDecodeTime: time, samples };
}
