// audio/basic (RFC 2046 §4.3.3: 8-bit ISDN µ-law, 8000 Hz, one channel), as it arrives in a
// POST …/broadcast body (docs/voice.md §4): either the bare samples or a Sun/NeXT ".snd" file,
// whose header is six big-endian u32 words (then an annotation up to the data offset):
//
//   0  magic 0x2e736e64 (".snd")   4  data offset   8  data size (0xFFFFFFFF = unknown)
//   12 encoding (1 = µ-law, 27 = A-law)   16  sample rate   20  channels
//
// Only what a G.711 device plays without resampling is accepted: 8000 Hz, one channel.
import type { G711Law } from '../g711/law-convert.js';

export type AuResult =
  { ok: true; value: { law: G711Law; samples: Uint8Array } } | { ok: false; detail: string };

const MAGIC = 0x2e736e64;
const ENCODING: Readonly<Record<number, G711Law>> = { 1: 'PCMU', 27: 'PCMA' };

/** A ".snd" file or bare µ-law bytes; the samples are a view into the input. */
export function parseAudioBasic(bytes: Uint8Array): AuResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(0) !== MAGIC) {
    return bytes.length > 0
      ? { ok: true, value: { law: 'PCMU', samples: bytes } }
      : { ok: false, detail: 'the body is empty' };
  }
  const offset = view.getUint32(4);
  const size = view.getUint32(8);
  const encoding = view.getUint32(12);
  const rate = view.getUint32(16);
  const channels = view.getUint32(20);
  const law = ENCODING[encoding];
  if (!law) {
    return { ok: false, detail: `.snd encoding ${encoding} (only 1 µ-law or 27 A-law)` };
  }
  if (rate !== 8000 || channels !== 1) {
    return { ok: false, detail: `.snd at ${rate} Hz with ${channels} channel(s) (only 8000 Hz mono)` };
  }
  if (offset < 24 || offset > bytes.length) {
    return { ok: false, detail: `.snd data offset ${offset} outside the ${bytes.length}-byte body` };
  }
  const end = size === 0xffffffff ? bytes.length : Math.min(bytes.length, offset + size);
  if (end <= offset) {
    return { ok: false, detail: 'the .snd file holds no samples' };
  }
  return { ok: true, value: { law, samples: bytes.subarray(offset, end) } };
}
