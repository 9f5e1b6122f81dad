// Capped exponential back-off with jitter for registration retries. GB/T 28181-2016 asks for a
// retry no sooner than 60 s after a failure; 2022 adds a random delay (docs/gb28181.md §1.4) so a fleet
// that lost its upper platform does not come back in lock-step.

export interface BackoffOptions {
  /** First delay. Default 2 000 ms. */
  initialMs?: number;
  /** Cap. Default 60 000 ms. */
  maxMs?: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** Fraction of the delay that is random: delay × (1 − jitter … 1). Default 0.3. */
  jitter?: number;
  /** Random source in [0, 1); default Math.random. */
  random?: () => number;
}

export class Backoff {
  #failures = 0;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.#initialMs = Math.max(0, opts.initialMs ?? 2_000);
    this.#maxMs = Math.max(this.#initialMs, opts.maxMs ?? 60_000);
    this.#factor = Math.max(1, opts.factor ?? 2);
    this.#jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.3));
    this.#random = opts.random ?? Math.random;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Count a failure and return how long to wait before the next attempt, at least `floorMs`. */
  next(floorMs = 0): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#failures);
    this.#failures++;
    const delay = base * (1 - this.#jitter * this.#random());
    return Math.round(Math.max(floorMs, delay));
  }

  reset(): void {
    this.#failures = 0;
  }
}
