// Transaction timer values (RFC 3261 §17 and Table 4 of Appendix A). Only T1, T2 and T4 are
// configurable; every other timer derives from them, so tests scale all of them at once.

export interface SipTimerOptions {
  /** RTT estimate. Default 500 ms. */
  t1Ms?: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4 000 ms. */
  t2Ms?: number;
  /** Maximum time a message stays in the network. Default 5 000 ms. */
  t4Ms?: number;
  /** §17.2.1: send 100 Trying when the TU has not answered an INVITE within this. Default 200 ms. */
  tryingDelayMs?: number;
}

export interface SipTimers {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  readonly tryingDelay: number;
  /** 64·T1: Timer B, F, H, J (UDP), L and M (RFC 6026); 32 s by default. */
  readonly transactionTimeout: number;
  /** Timer D: at least 32 s for UDP (§17.1.1.2); 64·T1 so it scales with T1. */
  readonly timerD: number;
}

export function resolveTimers(opts: SipTimerOptions = {}): SipTimers {
  const t1 = opts.t1Ms ?? 500;
  return {
    t1,
    t2: opts.t2Ms ?? 4_000,
    t4: opts.t4Ms ?? 5_000,
    tryingDelay: opts.tryingDelayMs ?? 200,
    transactionTimeout: 64 * t1,
    timerD: 64 * t1,
  };
}

/** A set of named timeouts owned by one transaction; clear() stops them all. */
export class TimerSet {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** (Re)arm a named timer. */
  set(name: string, ms: number, fn: () => void): void {
    this.clearOne(name);
    const t = setTimeout(() => {
      this.#timers.delete(name);
      fn();
    }, ms);
    t.unref?.();
    this.#timers.set(name, t);
  }

  clearOne(name: string): void {
    const t = this.#timers.get(name);
    if (t) {
      clearTimeout(t);
    }
    this.#timers.delete(name);
  }

  clear(): void {
    for (const t of this.#timers.values()) {
      clearTimeout(t);
    }
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }
}
