// Stateless Digest nonces (RFC 2617 §3.2.1 leaves the format to the server): the expiry and a
// random part, signed with HMAC-SHA256 under a process secret. Any nonce we issued can be checked
// without a table, and an expired one is told apart from a forged one (for stale=true).
// A nonce may be bound to a scope (the registrar uses the source IP it was sent to): the scope is
// under the MAC and not in the nonce, so the nonce checks only where it was issued. A sender who
// spoofs another address never sees the challenge sent there, so it has no nonce valid for it.
import { Buffer } from 'node:buffer';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'valid' | 'expired' | 'invalid';

export interface NonceSignerOptions {
  /** HMAC key. Default: 32 random bytes, so nonces do not survive a restart (devices re-register). */
  secret?: Uint8Array;
  /** Lifetime of a nonce. Default 300 000 ms (docs/gb28181.md §1.3: "a few minutes"). */
  ttlMs?: number;
  /** Clock in ms, for tests. Default Date.now. */
  now?: () => number;
}

//   nonce = expiry (8 hex: Unix seconds) | random (16 hex: 64 bits) | mac (32 hex: HMAC-SHA256/128)
//   mac   = HMAC-SHA256(secret, expiry | random | LF | scope), first 16 bytes
// 56 characters of [0-9a-f]: short enough for devices with small nonce buffers.
const NONCE = /^([0-9a-f]{8})([0-9a-f]{16})([0-9a-f]{32})$/;

export class NonceSigner {
  readonly ttlMs: number;
  readonly #secret: Uint8Array;
  readonly #now: () => number;

  constructor(opts: NonceSignerOptions = {}) {
    this.#secret = opts.secret ?? randomBytes(32);
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The signer's clock (ms). */
  now(): number {
    return this.#now();
  }

  /** A fresh nonce, valid only for `scope` (default: none, valid anywhere it is checked without one). */
  issue(scope = ''): string {
    const expiry = Math.ceil((this.#now() + this.ttlMs) / 1000)
      .toString(16)
      .padStart(8, '0');
    const random = randomBytes(8).toString('hex');
    return `${expiry}${random}${this.#mac(expiry + random, scope)}`;
  }

  /** 'invalid' for a nonce we did not issue, or issued for another scope. */
  check(nonce: string, scope = ''): NonceCheck {
    const m = NONCE.exec(nonce);
    if (!m) {
      return 'invalid';
    }
    const expected = Buffer.from(this.#mac(m[1] + m[2], scope), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(m[3], 'hex'))) {
      return 'invalid';
    }
    return this.#now() <= this.expiryMs(nonce)! ? 'valid' : 'expired';
  }

  /** When a well-formed nonce expires (ms since the epoch); undefined when malformed. */
  expiryMs(nonce: string): number | undefined {
    const m = NONCE.exec(nonce);
    return m ? parseInt(m[1], 16) * 1000 : undefined;
  }

  #mac(text: string, scope: string): string {
    return createHmac('sha256', this.#secret)
      .update(`${text}\n${scope}`)
      .digest()
      .subarray(0, 16)
      .toString('hex');
  }
}
