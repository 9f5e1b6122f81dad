// An ISO BMFF video sample from NAL units (ISO/IEC 14496-15 §5.3.2 / §8.3.2): each NAL unit
// preceded by its length in 4 bytes (lengthSizeMinusOne = 3, as in our avcC/hvcC).

/**
 * Length-prefix `units` into one sample, skipping units for which `skip` returns true
 * (e.g. parameter sets that already sit in the sample entry). Returns an empty array
 * when nothing is left.
 */
export function lengthPrefixed(
  units: readonly Uint8Array[],
  skip?: (unit: Uint8Array) => boolean,
): Uint8Array {
  let size = 0;
  for (const u of units) {
    if (!skip?.(u)) {
      size += 4 + u.byteLength;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const u of units) {
    if (skip?.(u)) {
      continue;
    }
    const n = u.byteLength;
    out[at] = (n >>> 24) & 0xff;
    out[at + 1] = (n >>> 16) & 0xff;
    out[at + 2] = (n >>> 8) & 0xff;
    out[at + 3] = n & 0xff;
    out.set(u, at + 4);
    at += 4 + n;
  }
  return out;
}

/** Byte-wise equality, for comparing a unit against a stored parameter set. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) {
    return false;
  }
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}
