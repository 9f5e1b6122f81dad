// Hex text <-> bytes, for tests, logs and hex dumps of dropped input.

/** Lower-case hex with a space between bytes: `00 00 01 ba`. */
export function toHex(bytes: Uint8Array, separator = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) {
      out += separator;
    }
    out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  return out;
}

/**
 * Parses hex text; whitespace, `:` and `,` between bytes are ignored, and anything after
 * `//` or `#` on a line is a comment, so test vectors can carry one comment per field.
 * Throws on odd digit counts or non-hex characters: this is for literals written by
 * people, not for input bytes.
 */
export function fromHex(text: string): Uint8Array {
  const digits = text
    .split('\n')
    .map((line) => line.replace(/(\/\/|#).*$/, ''))
    .join('')
    .replace(/[\s:,]/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) {
    throw new Error(`fromHex: not a whole number of hex bytes: ${JSON.stringify(text.slice(0, 40))}`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}
