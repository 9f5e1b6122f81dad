// An ISO BMFF video sample from NAL units (ISO/IEC 14496-15 §5.3.2 / §8.3.2): each NAL unit
// preceded by its length in 4 bytes (lengthSizeMinusOne = 3, as in our avcC/hvcC).

/**
 * A sample still held as NAL units (views of the demuxer's buffer): the length prefixes are
 * written only when the sample is copied into its fragment, so its bytes are copied once.
 */
export interface NalUnitSample {
  readonly units: readonly Uint8Array[];
  /** Size once length-prefixed: the sum of 4 + unit length. */
  readonly byteLength: number;
}

/**
 * `units` as a sample, minus those for which `skip` returns true (e.g. parameter sets that
 * already sit in the sample entry). Copies nothing; the array is reused when nothing is skipped.
 */
export function nalUnitSample(
  units: readonly Uint8Array[],
  skip?: (unit: Uint8Array) => boolean,
): NalUnitSample {
  let kept: Uint8Array[] | undefined;
  let size = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (skip?.(u)) {
      kept ??= units.slice(0, i);
      continue;
    }
    kept?.push(u);
    size += 4 + u.byteLength;
  }
  return { units: kept ?? units, byteLength: size };
}

/** Writes the units length-prefixed into out at `at`; returns the offset after them. */
export function writeLengthPrefixed(units: readonly Uint8Array[], out: Uint8Array, at: number): number {
  for (const u of units) {
    const n = u.byteLength;
    out[at] = (n >>> 24) & 0xff;
    out[at + 1] = (n >>> 16) & 0xff;
    out[at + 2] = (n >>> 8) & 0xff;
    out[at + 3] = n & 0xff;
    out.set(u, at + 4);
    at += 4 + n;
  }
  return at;
}

/**
 * Length-prefix `units` into one new sample, skipping units for which `skip` returns true.
 * Returns an empty array when nothing is left.
 */
export function lengthPrefixed(
  units: readonly Uint8Array[],
  skip?: (unit: Uint8Array) => boolean,
): Uint8Array {
  const sample = nalUnitSample(units, skip);
  const out = new Uint8Array(sample.byteLength);
  writeLengthPrefixed(sample.units, out, 0);
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
