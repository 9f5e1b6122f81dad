// One talk's media (docs/voice.md §3): one audio source fanned out to the devices that accepted
// the broadcast. The source writes 20 ms frames; each leg gets them in its own law (converted
// once per law and frame, not per leg), and the input level of the last second is kept so the
// API can show that the gateway hears the operator. Signalling (who joins, when it ends) is the
// caller's: this holds no timers and sends no SIP.
import { convertLaw, type G711Law } from '../../codecs/g711/law-convert.js';
import { alawToLinear, ulawToLinear } from '../../codecs/g711/g711.js';
import type { AudioFrame } from './audio-frame.js';

/** A device leg as the session sees it (DeviceLeg in talk-media.ts). */
export interface TalkLeg {
  readonly id: string;
  readonly law: G711Law;
  push(frame: Uint8Array): void;
}

export interface TalkSessionStats {
  framesIn: number;
  /** Frames that found no leg to go to (the devices were still answering). */
  framesUnheard: number;
  /** RMS level of the input over the last second, dBFS; null before any audio. */
  inputDbfs: number | null;
}

const FRAMES_PER_SECOND = 50;

export class TalkSession {
  readonly id: string;
  readonly #legs = new Map<string, TalkLeg>();
  #framesIn = 0;
  #framesUnheard = 0;
  #energy = 0;
  #energyFrames = 0;
  #inputDbfs: number | null = null;

  constructor(id: string) {
    this.id = id;
  }

  get legCount(): number {
    return this.#legs.size;
  }

  get stats(): TalkSessionStats {
    return { framesIn: this.#framesIn, framesUnheard: this.#framesUnheard, inputDbfs: this.#inputDbfs };
  }

  addLeg(leg: TalkLeg): void {
    this.#legs.set(leg.id, leg);
  }

  /** True when the leg was here. */
  removeLeg(id: string): boolean {
    return this.#legs.delete(id);
  }

  write(frame: AudioFrame): void {
    this.#framesIn++;
    this.#measure(frame);
    if (this.#legs.size === 0) {
      this.#framesUnheard++;
      return;
    }
    let other: Uint8Array | undefined;
    for (const leg of this.#legs.values()) {
      if (leg.law === frame.law) {
        leg.push(frame.payload);
      } else {
        other ??= convertLaw(frame.payload, frame.law, leg.law);
        leg.push(other);
      }
    }
  }

  #measure(frame: AudioFrame): void {
    const decode = frame.law === 'PCMA' ? alawToLinear : ulawToLinear;
    let sum = 0;
    for (const code of frame.payload) {
      const v = decode(code) / 32768;
      sum += v * v;
    }
    this.#energy += frame.payload.length > 0 ? sum / frame.payload.length : 0;
    if (++this.#energyFrames === FRAMES_PER_SECOND) {
      const rms = Math.sqrt(this.#energy / FRAMES_PER_SECOND);
      this.#inputDbfs = rms > 0 ? Math.round(200 * Math.log10(rms)) / 10 : -120;
      this.#energy = 0;
      this.#energyFrames = 0;
    }
  }
}
