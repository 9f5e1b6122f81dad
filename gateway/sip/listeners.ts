// Typed callback lists with contained exceptions (docs/architecture.md §5 "Typed events", mediasoup's safeEmit): one
// listener throwing is logged and does not stop the others or the caller's I/O loop.
import type { Logger } from '../log.js';

export class Listeners<Args extends unknown[]> {
  readonly #callbacks = new Set<(...args: Args) => void>();

  constructor(
    private readonly log: Logger,
    private readonly event: string,
  ) {}

  get size(): number {
    return this.#callbacks.size;
  }

  /** Returns a function that removes the listener (idempotent). */
  add(callback: (...args: Args) => void): () => void {
    // Wrap so the same function added twice is called twice and removed independently.
    const entry = (...args: Args): void => callback(...args);
    this.#callbacks.add(entry);
    return () => {
      this.#callbacks.delete(entry);
    };
  }

  emit(...args: Args): void {
    for (const cb of [...this.#callbacks]) {
      try {
        cb(...args);
      } catch (err) {
        this.log.error({ err, event: this.event }, 'listener threw; continuing');
      }
    }
  }

  clear(): void {
    this.#callbacks.clear();
  }
}

/** Call a caller-supplied function, logging instead of propagating what it throws. */
export function safeCall<Args extends unknown[]>(
  log: Logger,
  what: string,
  fn: ((...a: Args) => void) | undefined,
  ...args: Args
): void {
  if (!fn) {
    return;
  }
  try {
    fn(...args);
  } catch (err) {
    log.error({ err, callback: what }, 'callback threw; continuing');
  }
}
