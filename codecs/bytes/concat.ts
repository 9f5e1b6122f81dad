// Joining byte pieces: the one place that sizes, allocates once and copies.

/** A new array holding `parts` back to back. `totalBytes` saves the sizing pass when known. */
export function concatBytes(parts: readonly Uint8Array[], totalBytes?: number): Uint8Array {
  let size = totalBytes;
  if (size === undefined) {
    size = 0;
    for (const p of parts) {
      size += p.byteLength;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** As concatBytes, but a single part is returned as is (a view, not a copy). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
