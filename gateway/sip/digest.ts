// Digest authentication for REGISTER (RFC 2617 with MD5, RFC 3261 §22; RFC 8760 SHA-256 as an
// option): response computation, the client side (answering a 401), and the server side
// (stateless signed nonces, stale detection, replay protection). Failures are data, never throws.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { SipErrorCode } from './errors.js';
import {
  formatDigestChallenge,
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
} from './digest-header.js';
import { newCnonce } from './ids.js';
import { NonceSigner } from './nonce.js';

export * from './digest-header.js';
export { FailureLockout, type FailureLockoutOptions } from './failure-lockout.js';
export { NonceSigner, type NonceCheck, type NonceSignerOptions } from './nonce.js';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** The algorithm named by a header value, or undefined when unsupported ('md5' is accepted, docs/gb28181.md §1.3). */
export function digestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  const n = (name ?? 'MD5').toUpperCase();
  return n === 'MD5' || n === 'SHA-256' ? n : undefined;
}

export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  algorithm?: DigestAlgorithm;
  /** Precomputed HA1; else computed from username, realm and password. */
  ha1?: string;
  username?: string;
  realm?: string;
  password?: string;
  method: string;
  /** Hashed exactly as given: the uri= parameter, not the Request-URI (docs/gb28181.md §1.3). */
  uri: string;
  nonce: string;
  /** 'auth' or absent (RFC 2069 compatibility form). */
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2). */
export function computeHa1(
  username: string,
  realm: string,
  password: string,
  algorithm: DigestAlgorithm = 'MD5',
): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** RFC 2617 §3.2.2.1: the request-digest, lower-case hex. */
export function computeDigestResponse(d: DigestInput): string {
  const alg = d.algorithm ?? 'MD5';
  const ha1 = d.ha1 ?? computeHa1(d.username ?? '', d.realm ?? '', d.password ?? '', alg);
  const ha2 = digestHash(alg, `${d.method}:${d.uri}`);
  if (d.qop) {
    return digestHash(alg, `${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`);
  }
  return digestHash(alg, `${ha1}:${d.nonce}:${ha2}`);
}

export interface AnswerChallengeOptions {
  username: string;
  password: string;
  method: string;
  /** The digest-uri; usually the Request-URI of the request being authorised. */
  uri: string;
  /** Nonce count for qop=auth; default 1 (RFC 2617 §3.2.2: increments per request with this nonce). */
  nc?: number;
  cnonce?: string;
}

/**
 * Client side (a device answering our 401, as the simulator does): the Authorization value for a
 * WWW-Authenticate value. Uses qop=auth when offered. Undefined when the challenge is unusable.
 */
export function answerDigestChallenge(
  wwwAuthenticate: string | DigestChallenge,
  o: AnswerChallengeOptions,
): string | undefined {
  const ch = typeof wwwAuthenticate === 'string' ? parseDigestChallenge(wwwAuthenticate) : wwwAuthenticate;
  const algorithm = digestAlgorithm(ch?.algorithm);
  if (!ch || !algorithm) {
    return undefined;
  }
  const creds: DigestCredentials = {
    username: o.username,
    realm: ch.realm,
    nonce: ch.nonce,
    uri: o.uri,
    response: '',
    algorithm: ch.algorithm,
  };
  if (ch.qop.includes('auth')) {
    creds.qop = 'auth';
    creds.nc = (o.nc ?? 1).toString(16).padStart(8, '0');
    creds.cnonce = o.cnonce ?? newCnonce();
  }
  if (ch.opaque !== undefined) {
    creds.opaque = ch.opaque;
  }
  creds.response = computeDigestResponse({ ...creds, algorithm, password: o.password, method: o.method });
  return formatDigestCredentials(creds);
}

export interface DigestServerOptions {
  /** Our realm, the SIP domain (docs/gb28181.md §1.3: e.g. '3402000000'). */
  realm: string;
  /** Offer qop="auth" in challenges. Default false: every captured device is challenged without it. */
  qop?: boolean;
  /** Reject credentials whose realm differs from ours. Default false: devices echo their configured realm. */
  strictRealm?: boolean;
  /** Algorithm offered in challenges. Default 'MD5'. Both are verified regardless. */
  algorithm?: DigestAlgorithm;
  /** Used (nonce, nc) records kept for replay checks. Default 10 000. */
  replayCacheSize?: number;
  /** Nonce signing; secret, lifetime and clock. */
  nonce?: ConstructorParameters<typeof NonceSigner>[0];
}

export interface DigestVerifyInput {
  method: string;
  /** The Authorization header value, or already-parsed credentials. */
  authorization: string | DigestCredentials;
  /** The password of `identity`, or its HA1 for the echoed realm. */
  password?: string;
  ha1?: string;
  /** Who is registering: the From user part (docs/gb28181.md §1.3), not necessarily `username`. */
  identity: string;
  /** The scope the nonce must have been issued for (challenge({ scope })); default none. */
  scope?: string;
}

export type DigestVerifyResult =
  | { ok: true; credentials: DigestCredentials }
  | { ok: false; code: SipErrorCode; stale: boolean; credentials?: DigestCredentials };

interface UsedNonce {
  identity: string;
  /** Highest nc accepted with qop=auth; -1 when used without qop. */
  nc: number;
  expiresAt: number;
}

export class DigestServer {
  readonly realm: string;
  readonly #signer: NonceSigner;
  readonly #opts: DigestServerOptions;
  /** Map order is insertion order: the oldest entry is evicted first. */
  readonly #used = new Map<string, UsedNonce>();

  constructor(opts: DigestServerOptions) {
    this.realm = opts.realm;
    this.#opts = opts;
    this.#signer = new NonceSigner(opts.nonce);
  }

  /**
   * A WWW-Authenticate value with a fresh nonce; `stale` after SIP_ERR_DIGEST_NONCE_STALE. With a
   * `scope` (the address the challenge goes to) the nonce verifies only with the same scope.
   */
  challenge(opts: { stale?: boolean; scope?: string } = {}): string {
    const c: DigestChallenge = {
      realm: this.realm,
      nonce: this.#signer.issue(opts.scope),
      algorithm: this.#opts.algorithm ?? 'MD5',
      qop: this.#opts.qop ? ['auth'] : [],
      stale: opts.stale ?? false,
    };
    return formatDigestChallenge(c);
  }

  verify(input: DigestVerifyInput): DigestVerifyResult {
    const creds =
      typeof input.authorization === 'string'
        ? parseDigestCredentials(input.authorization)
        : input.authorization;
    if (!creds) {
      return fail(SipErrorCode.DIGEST_MALFORMED);
    }
    const algorithm = digestAlgorithm(creds.algorithm);
    if (!algorithm) {
      return fail(SipErrorCode.DIGEST_ALGORITHM, creds);
    }
    if (this.#opts.strictRealm && creds.realm !== this.realm) {
      return fail(SipErrorCode.DIGEST_REALM, creds);
    }
    const qop = creds.qop?.toLowerCase();
    if (qop !== undefined && (qop !== 'auth' || !creds.cnonce || !/^[0-9a-fA-F]{8}$/.test(creds.nc ?? ''))) {
      return fail(SipErrorCode.DIGEST_QOP, creds);
    }
    const nonceState = this.#signer.check(creds.nonce, input.scope);
    if (nonceState === 'invalid') {
      return fail(SipErrorCode.DIGEST_NONCE_INVALID, creds);
    }

    // Hash the uri and nc exactly as received (docs/gb28181.md §1.3); compare case-insensitively.
    const expected = computeDigestResponse({
      algorithm,
      ha1: input.ha1,
      username: creds.username,
      realm: creds.realm,
      password: input.password ?? '',
      method: input.method,
      uri: creds.uri,
      nonce: creds.nonce,
      qop: creds.qop,
      nc: creds.nc,
      cnonce: creds.cnonce,
    });
    if (!sameHex(expected, creds.response)) {
      return fail(SipErrorCode.DIGEST_BAD_RESPONSE, creds);
    }
    // RFC 2617 §3.2.1: stale only when the digest itself was right.
    if (nonceState === 'expired') {
      return { ok: false, code: SipErrorCode.DIGEST_NONCE_STALE, stale: true, credentials: creds };
    }
    if (!this.#recordUse(creds, input.identity, qop !== undefined)) {
      return fail(SipErrorCode.DIGEST_REPLAY, creds);
    }
    return { ok: true, credentials: creds };
  }

  /**
   * Replay rules: without qop a nonce may be reused within its lifetime by the identity that first
   * used it only; with qop=auth, nc must also increase (RFC 2617 §3.2.2 nonce-count).
   */
  #recordUse(creds: DigestCredentials, identity: string, withQop: boolean): boolean {
    const nc = withQop ? parseInt(creds.nc!, 16) : -1;
    const prev = this.#used.get(creds.nonce);
    if (prev) {
      if (prev.identity !== identity) {
        return false;
      }
      if (withQop && nc <= prev.nc) {
        return false;
      }
      this.#used.delete(creds.nonce); // re-insert: most recently used last
    }
    this.#used.set(creds.nonce, {
      identity,
      nc: Math.max(nc, prev?.nc ?? -1),
      expiresAt: this.#signer.expiryMs(creds.nonce) ?? 0,
    });
    this.#prune();
    return true;
  }

  #prune(): void {
    const limit = this.#opts.replayCacheSize ?? 10_000;
    const now = this.#signer.now();
    for (const [nonce, entry] of this.#used) {
      if (this.#used.size <= limit && entry.expiresAt > now) {
        break;
      }
      this.#used.delete(nonce);
    }
  }
}

function fail(code: SipErrorCode, credentials?: DigestCredentials): DigestVerifyResult {
  return credentials ? { ok: false, code, stale: false, credentials } : { ok: false, code, stale: false };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
