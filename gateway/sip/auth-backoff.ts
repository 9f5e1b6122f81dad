// Exponential back-off on wrong digest answers per source address (issue #20 point 3). The
// per-device FailureLockout alone let one address try 500 passwords in 0.68 s by naming a new
// device ID for each guess. Here an address gets `freeFailures` wrong answers; each further one
// makes it wait baseDelayMs·2^k (capped at maxDelayMs) before its next answer is checked at all.
// The count leaks away at one failure per leakMs, so a misconfigured device behind a NAT address
// shared with healthy ones (held to 5 failures per 10 min by the device lockout) never builds up
// a wait for its neighbours. A success does not lower the count: a valid account of its own must
// not buy an attacker more guesses at the others. Memory is bounded (least recently used first).

export interface AuthBackoffOptions {
  /** Wrong answers an address may give before it has to wait. Default 10. */
  freeFailures?: number;
  /** Wait after the first failure past the free ones; doubles with each further one. Default 1000 ms. */
  baseDelayMs?: number;
  /** Longest wait. Default 300 000 ms. */
  maxDelayMs?: number;
  /** One failure is forgotten per this much time. Default 60 000 ms. */
  leakMs?: number;
  /** Addresses remembered at most. Default 10 000. */
  maxKeys?: number;
  /** Clock in ms, for tests. Default Date.now. */
  now?: () => number;
}

interface Entry {
  /** Failures not yet leaked away (fractional: the leak is continuous). */
  level: number;
  updatedAt: number;
  /** No answer from this address is checked before this time. */
  waitUntil: number;
}

export class AuthBackoff {
  readonly #free: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #leakMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Insertion order = least recently touched first. */
  readonly #entries = new Map<string, Entry>();

  constructor(opts: AuthBackoffOptions = {}) {
    this.#free = opts.freeFailures ?? 10;
    this.#baseMs = opts.baseDelayMs ?? 1_000;
    this.#maxMs = opts.maxDelayMs ?? 300_000;
    this.#leakMs = opts.leakMs ?? 60_000;
    this.#maxKeys = opts.maxKeys ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** How long `address` must still wait before an answer from it is checked; 0 when it may now. */
  waitMs(address: string): number {
    const e = this.#entries.get(address);
    return e ? Math.max(0, e.waitUntil - this.#now()) : 0;
  }

  /** Count a wrong answer from `address`; returns the wait it now has (0 while failures are free). */
  recordFailure(address: string): number {
    const now = this.#now();
    const e = this.#entries.get(address) ?? { level: 0, updatedAt: now, waitUntil: 0 };
    this.#entries.delete(address);
    this.#entries.set(address, e);
    e.level = Math.max(0, e.level - (now - e.updatedAt) / this.#leakMs) + 1;
    e.updatedAt = now;
    const past = Math.ceil(e.level) - this.#free;
    if (past > 0) {
      // 2^(past-1) overflows to Infinity for large counts; min() caps it.
      e.waitUntil = now + Math.min(this.#baseMs * 2 ** (past - 1), this.#maxMs);
    }
    this.#evict();
    return Math.max(0, e.waitUntil - now);
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) {
        return;
      }
      this.#entries.delete(key);
    }
  }
}
