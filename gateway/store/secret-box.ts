// Secrets stored in the database (cascade passwords, per-device passwords, webhook secrets) are
// sealed with AES-256-GCM under the storage key kept in the data dir (issue #20 point 10): a copy
// of gateway.db, its WAL or a backup alone no longer gives the passwords away. Each value is bound
// to where it is stored (table, column, row key) as associated data, so a sealed value moved to
// another row does not open there.
//
//   stored text = "enc:v1:" base64( iv (12 bytes) | tag (16 bytes) | ciphertext )
//
// A value without the prefix is a plaintext row written before this existed: open() returns it as
// it is, and the stores seal such rows at start (migration).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) {
      throw new Error(`the storage key is ${key.length} bytes; AES-256 needs 32`);
    }
    this.#key = Buffer.from(key);
  }

  /** A box with a random key, for in-memory stores (tests): nothing it seals outlives the process. */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** `context` names where the value lives, e.g. "devices.password:34020000001320000001". */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * The plaintext of a sealed value; a legacy plaintext value as it is. Throws when the value was
   * sealed under another key or context, or altered: a wrong password must never be used silently.
   */
  open(stored: string, context: string): string {
    if (!SecretBox.isSealed(stored)) {
      return stored;
    }
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new Error(`sealed secret at ${context} is truncated`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(
        `the secret stored at ${context} does not open with this data dir's storage key (secret-key): ` +
          'the key file was replaced, or the database comes from another data dir',
      );
    }
  }
}
