// SRTP session keys from the DTLS-SRTP master key and salt (RFC 3711 §4.3.1 with key
// derivation rate 0, the only rate DTLS-SRTP uses, RFC 5764 §4.1.2). The PRF is AES in
// counter mode (§4.3.3): x = (label << 48) XOR master salt, keystream block i is
// AES_k(x << 16 | i). Done once per session, so plain node:crypto calls are fine here.
import { createCipheriv } from 'node:crypto';

/** RFC 3711 §4.3.2 labels for SRTP (RTCP uses 3..5 and does not pass through here). */
export const SRTP_LABEL = { encryption: 0, authentication: 1, salt: 2 } as const;

/** `length` bytes of the PRF for one label (masterSalt is 14 bytes for AES-CM, 12 for AES-GCM). */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
): Buffer {
  // The 112-bit x is aligned at the left of the 128-bit counter block; a 96-bit GCM salt is
  // used the same way, padded with zeros on the right (RFC 7714 §11).
  const x = Buffer.alloc(16);
  masterSalt.copy(x, 0, 0, Math.min(14, masterSalt.length));
  x[7] ^= label; // the label sits at bit 48 of the 112-bit value: octet 7 counting from the left
  const blocks = Math.ceil(length / 16);
  const counters = Buffer.alloc(blocks * 16);
  for (let i = 0; i < blocks; i++) {
    x.copy(counters, i * 16);
    counters.writeUInt16BE(i, i * 16 + 14);
  }
  const aes = createCipheriv(masterKey.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', masterKey, null);
  aes.setAutoPadding(false);
  return Buffer.concat([aes.update(counters), aes.final()]).subarray(0, length);
}
