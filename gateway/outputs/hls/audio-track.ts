// G.711 audio for the HLS audio track: browsers' MSE takes neither A-law nor µ-law in MP4, so
// each access unit is expanded to 16-bit PCM (ITU-T G.711) and carried losslessly as FLAC
// frames on an 8 kHz timeline (the audio track's mdhd timescale; docs/browser-notes.md §5).
//
// The track is continuous from its first frame on, as a CMAF track is (each fragment starts
// where the last ended): units that arrive a little early or late are laid end to end, a gap
// is filled with silence, an overlap is cut. A camera whose audio stops gets silence up to
// shortly before the video (fillTo), so players waiting for audio do not stall.
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { decodeAlaw, decodeUlaw } from '../../../codecs/g711/g711.js';
import { FlacPacker } from '../../../codecs/fmp4/flac-packer.js';
import { FLAC_BLOCK, G711_RATE, type FlacTrackConfig } from '../../../codecs/fmp4/flac-track.js';
import { joinBytes } from '../../../codecs/bytes/concat.js';
import type { AudioSampleIn } from './segmenter.js';

export { G711_RATE };
/** Timestamp jitter taken as continuity (half a frame). */
const JITTER = FLAC_BLOCK / 2;
/** A gap longer than this is not filled (the source's clock jumped): the grid just continues. */
const MAX_FILL = 10 * G711_RATE;

export type G711Codec = 'PCMA' | 'PCMU';

export const isG711 = (codec: string): codec is G711Codec => codec === 'PCMA' || codec === 'PCMU';

export class G711FlacTrack {
  /** Fixed-blocksize: every frame FLAC_BLOCK samples (20 ms, no more delay than a G.711 packet). */
  readonly config: FlacTrackConfig = {
    sampleRate: G711_RATE,
    channels: 1,
    minBlockSize: FLAC_BLOCK,
    maxBlockSize: FLAC_BLOCK,
  };
  private readonly packer = new FlacPacker({ sampleRate: G711_RATE, blockSize: FLAC_BLOCK });
  /** Where the next sample goes on the 8 kHz output timeline. */
  private next: number | undefined;
  private readonly counters = { silenceSamples: 0, overlapSamples: 0, clockJumps: 0 };

  constructor(public codec: G711Codec) {}

  get stats(): Readonly<Record<string, number>> {
    return { ...this.packer.stats, ...this.counters };
  }

  /** `pts` is the unit's presentation time on the output timeline, 90 kHz. */
  push(au: AccessUnit, pts: number): AudioSampleIn[] {
    const bytes = joinBytes(au.units);
    let pcm = this.codec === 'PCMA' ? decodeAlaw(bytes) : decodeUlaw(bytes);
    const time = Math.round((pts * G711_RATE) / CLOCK_HZ);
    if (this.next === undefined) {
      if (time < 0) {
        return []; // before the first video frame
      }
      this.next = time;
    }
    const out: AudioSampleIn[] = [];
    const delta = time - this.next;
    if (delta > JITTER && delta <= MAX_FILL) {
      this.counters.silenceSamples += delta;
      out.push(...this.append(new Int16Array(delta)));
    } else if (delta < -JITTER) {
      const cut = Math.min(pcm.length, -delta);
      this.counters.overlapSamples += cut;
      pcm = pcm.subarray(cut);
    } else if (delta > MAX_FILL) {
      this.counters.clockJumps++;
    }
    out.push(...this.append(pcm));
    return out;
  }

  /** Silence up to `time` (8 kHz) in whole frames, when the audio has fallen that far behind. */
  fillTo(time: number): AudioSampleIn[] {
    if (this.next === undefined || time - this.next < FLAC_BLOCK) {
      return [];
    }
    const n = Math.floor((time - this.next) / FLAC_BLOCK) * FLAC_BLOCK;
    this.counters.silenceSamples += n;
    return this.append(new Int16Array(n));
  }

  /** The 8 kHz time the next sample will have (undefined before the first unit). */
  get nextTime(): number | undefined {
    return this.next;
  }

  private append(pcm: Int16Array): AudioSampleIn[] {
    if (pcm.length === 0 || this.next === undefined) {
      return [];
    }
    const frames = this.packer.push({ pcm, time: this.next });
    this.next += pcm.length;
    return frames.map((f) => ({ kind: 'audio', time: f.time, duration: f.duration, data: f.data }));
  }
}
