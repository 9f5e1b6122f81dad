// What a speaker heard, in numbers a test can check (docs/voice.md §6): the RMS level and the
// dominant frequency of a block of samples, and ToneMeter, which reports them once per second of
// audio. The dominant frequency is the peak of a Hann-windowed FFT, refined between bins by
// fitting a parabola to the log magnitudes of the peak and its neighbours (Gaussian
// interpolation, accurate to a small fraction of a bin for a pure tone).
import type { Processor } from '../processor.js';
import { fft, nextPowerOfTwo } from './fft.js';

export interface ToneReading {
  /** Root mean square, 0 (silence) to 1 (a full-scale square wave). */
  rms: number;
  /** 20·log10(rms); -Infinity for digital silence. A full-scale sine is about -3 dBFS. */
  dbfs: number;
  /** Frequency of the strongest component in Hz; null below SILENCE_DBFS. */
  dominantHz: number | null;
}

/** Below this level a block counts as silence and has no dominant frequency. */
export const SILENCE_DBFS = -60;
/** Components below this are ignored as DC and hum. */
const MIN_HZ = 20;

export function rmsOf(samples: Int16Array): number {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] / 32768;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

/** Level and dominant frequency of 16-bit samples at `sampleRate`. */
export function analyzeTone(samples: Int16Array, sampleRate: number): ToneReading {
  const rms = rmsOf(samples);
  const dbfs = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  if (samples.length < 16 || dbfs < SILENCE_DBFS) {
    return { rms, dbfs, dominantHz: null };
  }
  const n = nextPowerOfTwo(samples.length);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const last = samples.length - 1;
  for (let i = 0; i < samples.length; i++) {
    re[i] = (samples[i] / 32768) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / last));
  }
  fft(re, im);
  const first = Math.max(1, Math.ceil((MIN_HZ * n) / sampleRate));
  let peak = first;
  let peakPower = -1;
  const power = (k: number) => re[k] * re[k] + im[k] * im[k];
  for (let k = first; k < n / 2; k++) {
    const p = power(k);
    if (p > peakPower) {
      peakPower = p;
      peak = k;
    }
  }
  let offset = 0;
  if (peak > first && peak < n / 2 - 1) {
    const a = Math.log(power(peak - 1) + 1e-30);
    const b = Math.log(peakPower + 1e-30);
    const c = Math.log(power(peak + 1) + 1e-30);
    const denominator = a - 2 * b + c;
    offset = denominator === 0 ? 0 : (0.5 * (a - c)) / denominator;
  }
  return { rms, dbfs, dominantHz: ((peak + offset) * sampleRate) / n };
}

export interface ToneReport extends ToneReading {
  /** 0 for the first second of audio, 1 for the next, … */
  second: number;
  /** Samples the reading covers (a full second, or less for the last one from flush()). */
  samples: number;
}

/**
 * Splits a stream of samples into one-second blocks and reads each. flush() reads what is left
 * when it is at least a tenth of a second.
 */
export class ToneMeter implements Processor<Int16Array, ToneReport> {
  readonly stats = { samples: 0, seconds: 0 };
  readonly #rate: number;
  readonly #block: Int16Array;
  #fill = 0;

  constructor(sampleRate = 8000) {
    this.#rate = sampleRate;
    this.#block = new Int16Array(sampleRate);
  }

  push(input: Int16Array): ToneReport[] {
    const out: ToneReport[] = [];
    this.stats.samples += input.length;
    for (let at = 0; at < input.length;) {
      const n = Math.min(input.length - at, this.#block.length - this.#fill);
      this.#block.set(input.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === this.#block.length) {
        out.push(this.#read(this.#block));
      }
    }
    return out;
  }

  flush(): ToneReport[] {
    if (this.#fill < this.#rate / 10) {
      this.#fill = 0;
      return [];
    }
    return [this.#read(this.#block.subarray(0, this.#fill))];
  }

  #read(block: Int16Array): ToneReport {
    const report = { ...analyzeTone(block, this.#rate), second: this.stats.seconds, samples: block.length };
    this.stats.seconds++;
    this.#fill = 0;
    return report;
  }
}
