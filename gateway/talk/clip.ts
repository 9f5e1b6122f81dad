// A broadcast clip from the API body (docs/voice.md §4): a WAV file (16-bit PCM, any rate, mono or
// stereo; resampled to 8 kHz mono and coded as A-law) or audio/basic (µ-law as it is, or a .snd
// file in either law), cut into 20 ms frames for the pacer.
import { parseAudioBasic } from '../../codecs/audio/au.js';
import { toMonoRate } from '../../codecs/audio/resample.js';
import { parseWav } from '../../codecs/audio/wav.js';
import { encodeAlaw } from '../../codecs/g711/g711.js';
import { G711Framer } from '../../codecs/g711/framer.js';
import type { G711Law } from '../../codecs/g711/law-convert.js';

/** Content types taken as WAV (RFC 2361 names it audio/vnd.wave; the others are in the wild). */
export const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] as const;
export const AUDIO_BASIC = 'audio/basic';
/** The longest clip the API plays: ten minutes. */
export const MAX_CLIP_SECONDS = 600;

export type ClipResult =
  { ok: true; law: G711Law; frames: Uint8Array[]; seconds: number } | { ok: false; detail: string };

function frames(law: G711Law, samples: Uint8Array): ClipResult {
  const seconds = samples.length / 8000;
  if (seconds > MAX_CLIP_SECONDS) {
    return { ok: false, detail: `the clip lasts ${seconds.toFixed(1)} s; at most ${MAX_CLIP_SECONDS} s` };
  }
  const framer = new G711Framer(law);
  return { ok: true, law, frames: [...framer.push(samples), ...framer.flush()], seconds };
}

/** `contentType` is the request's media type without parameters, lower-cased. */
export function clipFrames(body: Uint8Array, contentType: string): ClipResult {
  if ((WAV_TYPES as readonly string[]).includes(contentType)) {
    const wav = parseWav(body);
    if (!wav.ok) {
      return { ok: false, detail: `not a WAV file we can play (${wav.error}): ${wav.detail}` };
    }
    const { samples, channels, sampleRate, frames: count } = wav.value;
    if (count / sampleRate > MAX_CLIP_SECONDS) {
      return {
        ok: false,
        detail: `the clip lasts ${(count / sampleRate).toFixed(1)} s; at most ${MAX_CLIP_SECONDS} s`,
      };
    }
    return frames('PCMA', encodeAlaw(toMonoRate(samples, channels, sampleRate, 8000)));
  }
  if (contentType === AUDIO_BASIC) {
    const au = parseAudioBasic(body);
    return au.ok ? frames(au.value.law, au.value.samples) : { ok: false, detail: au.detail };
  }
  return { ok: false, detail: `Content-Type ${contentType || '(none)'}; send audio/wav or audio/basic` };
}
