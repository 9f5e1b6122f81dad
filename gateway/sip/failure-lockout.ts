// FailureLockout: N failures per key within a window lock the key for a while (the registrar
// keys it by device ID or source address; Monibuca bans an ID for 10 min after 3 failures,
// docs/gb28181.md §1.4). Memory is bounded: the least recently touched key is forgotten first.

export interface FailureLockoutOptions {
  /** Failures within `windowMs` that lock the key. Default 3. */
  maxFailures?: number;
  /** Window counting failures. Default 600 000 ms. */
  windowMs?: number;
  /** Lock duration. Default 600 000 ms. */
  lockMs?: number;
  /** Keys remembered at most. Default 10 000. */
  maxKeys?: number;
  /** Clock in ms, for tests. Default Date.now. */
  now?: () => number;
}

interface Entry {
  /** Failure times inside the window, oldest first; at most maxFailures. */
  failures: number[];
  lockedUntil: number;
}

export class FailureLockout {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #lockMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Insertion order = least recently touched first. */
  readonly #entries = new Map<string, Entry>();

  constructor(opts: FailureLockoutOptions = {}) {
    this.#max = opts.maxFailures ?? 3;
    this.#windowMs = opts.windowMs ?? 600_000;
    this.#lockMs = opts.lockMs ?? 600_000;
    this.#maxKeys = opts.maxKeys ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  isLocked(key: string): boolean {
    return this.lockedUntil(key) !== undefined;
  }

  /** When the lock ends (ms), or undefined when not locked. */
  lockedUntil(key: string): number | undefined {
    const e = this.#entries.get(key);
    return e && e.lockedUntil > this.#now() ? e.lockedUntil : undefined;
  }

  /** Count a failure; returns true when the key is (now) locked. */
  recordFailure(key: string): boolean {
    const now = this.#now();
    const e = this.#entries.get(key) ?? { failures: [], lockedUntil: 0 };
    this.#entries.delete(key);
    this.#entries.set(key, e);
    if (e.lockedUntil > now) {
      return true;
    }
    e.failures = e.failures.filter((t) => now - t < this.#windowMs);
    e.failures.push(now);
    if (e.failures.length > this.#max) {
      e.failures.shift();
    }
    if (e.failures.length >= this.#max) {
      e.lockedUntil = now + this.#lockMs;
      e.failures = [];
    }
    this.#evict();
    return e.lockedUntil > now;
  }

  /** A success clears the failures (not an active lock). */
  recordSuccess(key: string): void {
    const e = this.#entries.get(key);
    if (e && e.lockedUntil <= this.#now()) {
      this.#entries.delete(key);
    }
  }

  /** Lift a lock by hand (an operator fixed the password). */
  clear(key: string): void {
    this.#entries.delete(key);
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
