// The last N published events, for `Last-Event-ID` replay (docs/events.md §4): a ring buffer
// indexed by sequence number, so finding where a reconnecting client left off costs one
// subtraction. Pure: no I/O, no timers.

export class Backlog<E> {
  readonly #ring: (E | undefined)[];
  /** Sequence number of the oldest event held; the newest is #first + #size - 1. */
  #first = 1;
  #size = 0;
  #head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('backlog capacity must be a positive integer');
    }
    this.#ring = new Array<E | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Sequence number of the oldest event held (the next one to be pushed when empty). */
  get firstSeq(): number {
    return this.#first;
  }

  /** Sequence number the next push gets. */
  get nextSeq(): number {
    return this.#first + this.#size;
  }

  /** Adds an event under the next sequence number (returned); drops the oldest when full. */
  push(event: E): number {
    const seq = this.nextSeq;
    this.#ring[(this.#head + this.#size) % this.capacity] = event;
    if (this.#size < this.capacity) {
      this.#size++;
    } else {
      this.#head = (this.#head + 1) % this.capacity;
      this.#first++;
    }
    return seq;
  }

  /**
   * Events after `seq`, oldest first. `complete` is false when some events after `seq` were
   * already dropped (the caller lost them).
   */
  after(seq: number): { events: E[]; complete: boolean } {
    const from = Math.max(seq + 1, this.#first);
    const events: E[] = [];
    for (let s = from; s < this.nextSeq; s++) {
      events.push(this.#ring[(this.#head + (s - this.#first)) % this.capacity]!);
    }
    return { events, complete: seq + 1 >= this.#first };
  }
}
