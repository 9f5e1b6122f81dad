// A rate limit for warning lines about bad input, so a flood of garbage datagrams cannot flood
// the log. Fixed windows, no timers: the count of suppressed lines is reported with the first line
// of the next window.
import type { Logger } from '../log.js';

export interface RateLimitOptions {
  /** Lines let through per window. Default 20. */
  linesPerWindow?: number;
  /** Window length. Default 10 000 ms. */
  windowMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

export class RateLimitedLog {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #count = 0;
  #suppressed = 0;

  constructor(
    private readonly log: Logger,
    opts: RateLimitOptions = {},
  ) {
    this.#limit = opts.linesPerWindow ?? 20;
    this.#windowMs = opts.windowMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Lines dropped since the last one that was written. */
  get suppressed(): number {
    return this.#suppressed;
  }

  warn(fields: Record<string, unknown>, msg: string): boolean {
    const now = this.#now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count >= this.#limit) {
      this.#suppressed++;
      return false;
    }
    this.#count++;
    if (this.#suppressed > 0) {
      fields = { ...fields, suppressed: this.#suppressed };
      this.#suppressed = 0;
    }
    this.log.warn(fields, msg);
    return true;
  }
}
