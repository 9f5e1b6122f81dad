// G.711 audio for fMP4: browsers' MSE takes neither A-law nor µ-law in MP4, so each access
// unit is expanded to 16-bit PCM (ITU-T G.711) and carried losslessly as FLAC frames on an
// 8 kHz timeline (the audio track's mdhd timescale).
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { decodeAlaw, decodeUlaw } from '../../../codecs/g711/g711.js';
import { FlacPacker } from '../../../codecs/fmp4/flac-packer.js';
import type { AudioSampleIn } from './segmenter.js';
import type { FlacTrackConfig } from './init-segment.js';
import { joinBytes } from '../../../codecs/bytes/concat.js';

export const G711_RATE = 8000;
/** 20 ms per FLAC frame: the usual G.711 packet time, so a frame adds no more delay than that. */
export const FLAC_BLOCK = 160;

export type G711Codec = 'PCMA' | 'PCMU';

export const isG711 = (codec: string): codec is G711Codec => codec === 'PCMA' || codec === 'PCMU';

export class G711FlacTrack {
  readonly config: FlacTrackConfig = { sampleRate: G711_RATE, channels: 1, blockSize: FLAC_BLOCK };
  private readonly packer = new FlacPacker({ sampleRate: G711_RATE, blockSize: FLAC_BLOCK });

  constructor(readonly codec: G711Codec) {}

  get stats(): Readonly<Record<string, number>> {
    return this.packer.stats;
  }

  /** `pts` is the unit's presentation time on the output timeline, 90 kHz. */
  push(au: AccessUnit, pts: number): AudioSampleIn[] {
    const bytes = joinBytes(au.units);
    const pcm = this.codec === 'PCMA' ? decodeAlaw(bytes) : decodeUlaw(bytes);
    const time = Math.round((pts * G711_RATE) / CLOCK_HZ);
    return this.packer
      .push({ pcm, time })
      .map((f) => ({ kind: 'audio', time: f.time, duration: f.duration, data: f.data }));
  }
}
