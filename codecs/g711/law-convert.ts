// A-law ↔ µ-law, octet for octet, for a talk whose source speaks one law and a device the other
// (docs/voice.md §3): through the 16-bit level each code decodes to (G.711 §3 tables), so a
// code converts to the nearest code of the other law. One 256-entry table per direction.
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from './g711.js';

const ALAW_TO_ULAW = new Uint8Array(256);
const ULAW_TO_ALAW = new Uint8Array(256);
for (let code = 0; code < 256; code++) {
  ALAW_TO_ULAW[code] = linearToUlaw(alawToLinear(code));
  ULAW_TO_ALAW[code] = linearToAlaw(ulawToLinear(code));
}

export type G711Law = 'PCMA' | 'PCMU';

/** The same sound in the other law; `src` itself when the laws match (no copy). */
export function convertLaw(src: Uint8Array, from: G711Law, to: G711Law): Uint8Array {
  if (from === to) {
    return src;
  }
  const table = from === 'PCMA' ? ALAW_TO_ULAW : ULAW_TO_ALAW;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    out[i] = table[src[i]];
  }
  return out;
}
