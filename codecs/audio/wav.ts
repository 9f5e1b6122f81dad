// RIFF/WAVE reader for 16-bit linear PCM (the body of POST …/broadcast, docs/voice.md §4). Layout
// (Microsoft RIFF, "Multimedia Programming Interface and Data Specifications 1.0", and the
// WAVE_FORMAT_EXTENSIBLE addendum):
//
//   "RIFF" <u32 LE size> "WAVE"                       12-byte file header
//   then chunks: <4-byte id> <u32 LE size> <data> [pad byte when size is odd]
//     "fmt "  u16 format (1 = PCM, 0xFFFE = extensible), u16 channels, u32 sample rate,
//             u32 byte rate, u16 block align, u16 bits per sample
//             [u16 cbSize, u16 valid bits, u32 channel mask, 16-byte sub-format GUID]
//     "data"  interleaved little-endian samples
//
// Writers differ: ffmpeg puts a LIST chunk before "data", streaming writers leave the RIFF and
// data sizes at 0 or 0xFFFFFFFF, some files end in a half frame. The reader takes the sizes as
// upper bounds, keeps whole frames, and answers every other problem as data, never by throwing.

export type WavError =
  | 'not-riff' // no "RIFF…WAVE" header
  | 'no-fmt' // no fmt chunk before the data
  | 'not-pcm' // compressed or float data
  | 'bits' // not 16 bits per sample
  | 'channels' // not mono or stereo
  | 'rate' // sample rate outside 4-192 kHz
  | 'no-data'; // no data chunk, or one without a whole frame

export interface WavPcm {
  sampleRate: number;
  channels: 1 | 2;
  /** Interleaved samples (L R L R … for stereo), copied out of the input. */
  samples: Int16Array;
  /** Sample frames (samples per channel). */
  frames: number;
}

export type WavResult = { ok: true; value: WavPcm } | { ok: false; error: WavError; detail: string };

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const MIN_RATE = 4000;
const MAX_RATE = 192_000;

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

const fail = (error: WavError, detail: string): WavResult => ({ ok: false, error, detail });

interface Format {
  channels: number;
  sampleRate: number;
  bits: number;
}

function readFormat(view: DataView, at: number, size: number): Format | WavResult {
  if (size < 16) {
    return fail('no-fmt', `fmt chunk of ${size} bytes`);
  }
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bits = view.getUint16(at + 14, true);
  // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
  if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40) {
    format = view.getUint16(at + 24, true);
  }
  if (format !== WAVE_FORMAT_PCM) {
    return fail('not-pcm', `format tag 0x${format.toString(16)} (only linear PCM, tag 1)`);
  }
  if (bits !== 16) {
    return fail('bits', `${bits} bits per sample (only 16)`);
  }
  if (channels !== 1 && channels !== 2) {
    return fail('channels', `${channels} channels (only mono or stereo)`);
  }
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    return fail('rate', `${sampleRate} Hz (${MIN_RATE}-${MAX_RATE} Hz)`);
  }
  return { channels, sampleRate, bits };
}

/** Reads a 16-bit PCM WAV file held whole in memory. */
export function parseWav(bytes: Uint8Array): WavResult {
  if (bytes.length < 12 || fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    return fail('not-riff', 'the body does not start with RIFF…WAVE');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: Format | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = fourCc(bytes, at);
    const declared = view.getUint32(at + 4, true);
    const body = at + 8;
    // A size past the end (0xFFFFFFFF from a streaming writer, or a cut file) means "to the end".
    const size = Math.min(declared, bytes.length - body);
    if (id === 'fmt ') {
      const f = readFormat(view, body, size);
      if ('ok' in f) {
        return f;
      }
      format = f;
    } else if (id === 'data') {
      if (!format) {
        return fail('no-fmt', 'the data chunk comes before any fmt chunk');
      }
      // 0 is what some streaming writers leave in the header: the data runs to the end.
      const length = declared === 0 ? bytes.length - body : size;
      const frameBytes = 2 * format.channels;
      const frames = Math.floor(length / frameBytes);
      if (frames === 0) {
        return fail('no-data', 'the data chunk holds no whole sample frame');
      }
      const samples = new Int16Array(frames * format.channels);
      for (let i = 0; i < samples.length; i++) {
        samples[i] = view.getInt16(body + 2 * i, true);
      }
      return {
        ok: true,
        value: { sampleRate: format.sampleRate, channels: format.channels as 1 | 2, samples, frames },
      };
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    at = body + size + (size & 1);
  }
  return fail(format ? 'no-data' : 'no-fmt', format ? 'no data chunk' : 'no fmt chunk');
}

/** Writes mono or stereo 16-bit PCM as a canonical 44-byte-header WAV (tests, the demo). */
export function writeWav(samples: Int16Array, sampleRate: number, channels: 1 | 2): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) {
      out[at + i] = text.charCodeAt(i);
    }
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(44 + 2 * i, samples[i], true);
  }
  return out;
}
