// Annex-B byte streams (ITU-T H.264 Annex B, H.265 Annex B): start codes `00 00 01`, NAL
// unit splitting, and removal of emulation_prevention_three_byte (H.264 §7.4.1, H.265
// §7.4.2). Searching uses the engine's native Uint8Array indexOf for the rare `01` byte,
// then checks the two zeros before it: no per-byte JavaScript loop.

/**
 * Position of the first `00 00 01` that lies wholly in [from, end), or -1.
 * The returned index is that of the first 00.
 */
export function findStartCode(bytes: Uint8Array, from = 0, end = bytes.length): number {
  const view = end < bytes.length ? bytes.subarray(0, end) : bytes;
  let i = view.indexOf(1, from + 2);
  while (i !== -1) {
    if (view[i - 1] === 0 && view[i - 2] === 0) {
      return i - 2;
    }
    i = view.indexOf(1, i + 1);
  }
  return -1;
}

/**
 * Splits an Annex-B byte stream into NAL units (views, no copies). Bytes before the first
 * start code are ignored; trailing_zero_8bits (and the leading zero of a 4-byte start
 * code) are not part of a NAL unit, so zeros at the end of each unit are trimmed.
 */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  let sc = findStartCode(bytes, 0);
  while (sc !== -1) {
    const start = sc + 3;
    const next = findStartCode(bytes, start);
    let end = next === -1 ? bytes.length : next;
    while (end > start && bytes[end - 1] === 0) {
      end--;
    }
    if (end > start) {
      units.push(bytes.subarray(start, end));
    }
    sc = next;
  }
  return units;
}

/**
 * NAL unit payload to RBSP: every `00 00 03` loses its 03 (H.264 §7.3.1
 * emulation_prevention_three_byte). Returns the input itself when it holds none.
 */
export function stripEmulationPrevention(nal: Uint8Array): Uint8Array {
  let i = nal.indexOf(3, 2);
  while (i !== -1 && !(nal[i - 1] === 0 && nal[i - 2] === 0)) {
    i = nal.indexOf(3, i + 1);
  }
  if (i === -1) {
    return nal;
  }
  const out = new Uint8Array(nal.length);
  let w = 0;
  let zeros = 0;
  for (let r = 0; r < nal.length; r++) {
    const b = nal[r];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[w++] = b;
  }
  return out.subarray(0, w);
}

/**
 * RBSP to NAL unit payload: inserts 03 after any `00 00` that is followed by a byte <= 03
 * (H.264 §7.4.1). Used by the muxer tests and the simulator.
 */
export function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out = new Uint8Array(rbsp.length + Math.ceil(rbsp.length / 2));
  let w = 0;
  let zeros = 0;
  for (let r = 0; r < rbsp.length; r++) {
    const b = rbsp[r];
    if (zeros >= 2 && b <= 3) {
      out[w++] = 3;
      zeros = 0;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[w++] = b;
  }
  return out.slice(0, w);
}
