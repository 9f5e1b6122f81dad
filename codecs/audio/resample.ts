// Any-rate mono or stereo 16-bit PCM to the 8 kHz mono a G.711 speaker plays (docs/voice.md §4).
//
// Stereo is averaged to mono. The rate change is band-limited interpolation (J. O. Smith,
// "Digital Audio Resampling Home Page", the windowed-sinc method): each output sample at input
// position t is Σ x[k]·h(t − k) over the taps around t, with h a sinc low-pass whose cutoff is
// 0.95 × the lower Nyquist frequency and a Blackman window. Going down from 44.1 kHz the cutoff
// (≈ 3.8 kHz) removes what would alias into the 0-4 kHz band; going up it only interpolates.
// A whole clip is converted at once (the broadcast API holds it in memory anyway).

/** Zero crossings of the sinc on each side of the centre (at the output rate's cutoff). */
const ZERO_CROSSINGS = 16;
const CUTOFF = 0.95;

/** Interleaved samples → mono float samples in [-1, 1). */
export function downmix(samples: Int16Array, channels: 1 | 2): Float32Array {
  const frames = Math.floor(samples.length / channels);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    out[i] = channels === 1 ? samples[i] / 32768 : (samples[2 * i] + samples[2 * i + 1]) / 65536;
  }
  return out;
}

function blackman(x: number): number {
  // x in [-1, 1]; 0 at both ends, 1 in the middle.
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/** Band-limited rate change of mono samples; floor(n · outRate / inRate) samples out. */
export function resample(input: Float32Array, inRate: number, outRate: number): Float32Array {
  if (!(inRate > 0 && outRate > 0)) {
    throw new RangeError(`sample rates must be positive (${inRate} → ${outRate})`);
  }
  if (inRate === outRate) {
    return input.slice();
  }
  const ratio = inRate / outRate;
  const length = Math.floor((input.length * outRate) / inRate);
  const out = new Float32Array(length);
  // Cutoff as a fraction of the input Nyquist frequency.
  const fc = CUTOFF * Math.min(1, outRate / inRate);
  const half = Math.ceil(ZERO_CROSSINGS / fc);
  for (let n = 0; n < length; n++) {
    const t = n * ratio;
    const centre = Math.floor(t);
    let acc = 0;
    const first = Math.max(0, centre - half + 1);
    const last = Math.min(input.length - 1, centre + half);
    for (let k = first; k <= last; k++) {
      const x = t - k;
      const arg = fc * x;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      acc += input[k] * fc * sinc * blackman(x / half);
    }
    out[n] = acc;
  }
  return out;
}

/** Float samples in [-1, 1) → 16-bit PCM, rounded and clipped. */
export function toInt16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(input[i] * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Interleaved 16-bit PCM at any rate → 8 kHz (or `outRate`) mono 16-bit PCM. */
export function toMonoRate(samples: Int16Array, channels: 1 | 2, inRate: number, outRate = 8000): Int16Array {
  return toInt16(resample(downmix(samples, channels), inRate, outRate));
}
