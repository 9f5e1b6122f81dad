// The FLAC track that carries G.711 to browsers (docs/fmp4.md §4, §7): Chromium's MSE takes no
// A-law or µ-law in MP4, so the samples are expanded to 16-bit PCM and sent losslessly as
// VERBATIM FLAC frames on the G.711 clock. One owner for live HLS (gateway/outputs/hls) and for
// recordings played back in a browser (recording-flac.ts).
import { CMAF_BRANDS, SYNC_SAMPLE_FLAGS, writeInitSegment } from './init-segment.js';
import { flacSampleEntry } from './flac-entry.js';

/** G.711's sample rate (ITU-T G.711): the audio track's mdhd timescale, live and recorded. */
export const G711_RATE = 8000;
/** Samples per FLAC frame: 20 ms, the usual G.711 packet time. */
export const FLAC_BLOCK = 160;

export interface FlacTrackConfig {
  readonly sampleRate: number;
  readonly channels: number;
  /** STREAMINFO's block size range (RFC 9639 §8.2); equal for a fixed-blocksize stream. */
  readonly minBlockSize: number;
  readonly maxBlockSize: number;
}

/** A one-track CMAF header: FLAC on its sample-rate timescale, every frame a sync sample. */
export function flacTrackHeader(trackId: number, cfg: FlacTrackConfig): Uint8Array {
  const entry = flacSampleEntry({
    minBlockSize: cfg.minBlockSize,
    maxBlockSize: cfg.maxBlockSize,
    sampleRate: cfg.sampleRate,
    channels: cfg.channels,
    bitsPerSample: 16,
  });
  return writeInitSegment(CMAF_BRANDS, [
    {
      id: trackId,
      kind: 'audio',
      timescale: cfg.sampleRate,
      sampleEntry: entry,
      defaultSampleFlags: SYNC_SAMPLE_FLAGS,
    },
  ]);
}
