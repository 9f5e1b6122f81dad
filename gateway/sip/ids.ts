// Fresh identifiers for requests and dialogs: tags (RFC 3261 §19.3, ≥ 32 bits of randomness),
// branches with the §8.1.1.7 magic cookie, and Call-IDs (§8.1.1.4).
import { randomBytes, randomInt } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from './headers.js';

/** A decimal tag of 10 digits (about 33 bits): GB28181 devices write numeric tags and some expect them. */
export function newTag(): string {
  return String(randomInt(1_000_000_000, 9_999_999_999));
}

/** "z9hG4bK" plus 64 random bits in hex. */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(8).toString('hex')}`;
}

/** "<128 random bits in hex>@host", the shape the reference's INVITE uses (§7.1). */
export function newCallId(host: string): string {
  return `${randomBytes(16).toString('hex')}@${host}`;
}

/** A client nonce for Digest with qop (RFC 2617 §3.2.2): 64 random bits in hex. */
export function newCnonce(): string {
  return randomBytes(8).toString('hex');
}
