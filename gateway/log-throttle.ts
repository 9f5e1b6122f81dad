// Bounded-rate logging for what a remote party controls (bad SIP datagrams, junk at media ports,
// foreign SSRCs, refused senders), so a flood of it cannot flood the log. Per key, at most
// `linesPerWindow` lines per fixed window; the lines dropped in between are counted and reported
// as `suppressed` on the next line that gets through. No timers.
import type { Logger } from './log.js';

export interface LogThrottleOptions {
  /** Lines let through per key and window. Default 1. */
  linesPerWindow?: number;
  /** Window length. Default 10 000 ms. */
  windowMs?: number;
  /**
   * Keys tracked at most. Keys are meant to name kinds of event (a fixed set), never values from
   * the input; past the limit, new keys share one overflow key, so they are still limited.
   * Default 64.
   */
  maxKeys?: number;
  /** Clock in ms, for tests. Default Date.now. */
  now?: () => number;
}

type Level = 'info' | 'warn' | 'error';

interface Window {
  start: number;
  lines: number;
  suppressed: number;
}

const OVERFLOW_KEY = '\u0000overflow';

export class LogThrottle {
  readonly #log: Logger;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(log: Logger, opts: LogThrottleOptions = {}) {
    this.#log = log;
    this.#limit = opts.linesPerWindow ?? 1;
    this.#windowMs = opts.windowMs ?? 10_000;
    this.#maxKeys = opts.maxKeys ?? 64;
    this.#now = opts.now ?? Date.now;
  }

  /** Lines of `key` dropped since its last written line. */
  suppressed(key: string): number {
    return this.#windows.get(this.#keyOf(key))?.suppressed ?? 0;
  }

  info(key: string, fields: Record<string, unknown>, msg: string): boolean {
    return this.#write('info', key, fields, msg);
  }

  warn(key: string, fields: Record<string, unknown>, msg: string): boolean {
    return this.#write('warn', key, fields, msg);
  }

  error(key: string, fields: Record<string, unknown>, msg: string): boolean {
    return this.#write('error', key, fields, msg);
  }

  /** Writes the line unless the key's budget for this window is spent; true when written. */
  #write(level: Level, key: string, fields: Record<string, unknown>, msg: string): boolean {
    const now = this.#now();
    const k = this.#keyOf(key);
    let w = this.#windows.get(k);
    if (!w) {
      w = { start: now, lines: 0, suppressed: 0 };
      this.#windows.set(k, w);
    } else if (now - w.start >= this.#windowMs) {
      w.start = now;
      w.lines = 0;
    }
    if (w.lines >= this.#limit) {
      w.suppressed++;
      return false;
    }
    w.lines++;
    if (w.suppressed > 0) {
      fields = { ...fields, suppressed: w.suppressed };
      w.suppressed = 0;
    }
    this.#log[level](fields, msg);
    return true;
  }

  #keyOf(key: string): string {
    return this.#windows.has(key) || this.#windows.size < this.#maxKeys ? key : OVERFLOW_KEY;
  }
}
