// Releases queued audio frames at their real-time rate, one every `frameMs` (docs/voice.md §5).
// A live source (a microphone over WHIP) arrives at that rate with jitter: a frame that finds the
// pacer idle and due goes out at once, so pacing adds no delay, and a burst waits its turn. A
// clip (the broadcast API) is queued whole and drains in real time. After an underrun (the
// speaker paused) or a stall of the event loop the schedule is re-anchored instead of bursting
// to catch up, and the gap is reported so the RTP timestamp can jump with it.
//
// Time comes from an injectable clock, so tests drive it without sleeping.

export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface FramePacerOptions<T> {
  frameMs: number;
  /** Frames queued beyond this are dropped oldest first (keeps a live talk's delay bounded). */
  maxQueue: number;
  /** `skipped`: whole frame times that passed without a frame since the previous one. */
  send(frame: T, skipped: number): void;
  clock?: PacerClock;
}

/** Lateness beyond which the schedule restarts from now (about three frames). */
const MAX_LAG_FRAMES = 3;

export class FramePacer<T> {
  readonly stats = { queued: 0, sent: 0, dropped: 0, underruns: 0 };
  readonly #o: FramePacerOptions<T>;
  readonly #clock: PacerClock;
  readonly #queue: T[] = [];
  #nextDue: number | undefined;
  #timer: unknown;
  #drained: (() => void)[] = [];
  #closed = false;

  constructor(opts: FramePacerOptions<T>) {
    this.#o = opts;
    this.#clock = opts.clock ?? realClock;
  }

  get queued(): number {
    return this.#queue.length;
  }

  push(frame: T): void {
    if (this.#closed) {
      return;
    }
    this.stats.queued++;
    this.#queue.push(frame);
    while (this.#queue.length > this.#o.maxQueue) {
      this.#queue.shift();
      this.stats.dropped++;
    }
    if (this.#timer === undefined) {
      this.#drain();
    }
  }

  /** Resolves when every queued frame has been sent (at once when none is queued). */
  drained(): Promise<void> {
    return this.#queue.length === 0 || this.#closed
      ? Promise.resolve()
      : new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Drops what is queued; pending drained() promises resolve. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
    }
    this.#timer = undefined;
    this.#resolveDrained();
  }

  #drain(): void {
    this.#timer = undefined;
    const { frameMs } = this.#o;
    const now = this.#clock.now();
    let skipped = 0;
    if (this.#nextDue === undefined || now - this.#nextDue > MAX_LAG_FRAMES * frameMs) {
      if (this.#nextDue !== undefined) {
        this.stats.underruns++;
        skipped = Math.round((now - this.#nextDue) / frameMs);
      }
      this.#nextDue = now;
    }
    while (this.#queue.length > 0 && this.#nextDue <= now) {
      const frame = this.#queue.shift()!;
      this.stats.sent++;
      this.#nextDue += frameMs;
      this.#o.send(frame, skipped);
      skipped = 0;
      if (this.#closed) {
        return;
      }
    }
    if (this.#queue.length > 0) {
      this.#timer = this.#clock.setTimeout(() => this.#drain(), this.#nextDue - now);
    } else {
      this.#resolveDrained();
    }
  }

  #resolveDrained(): void {
    for (const resolve of this.#drained.splice(0)) {
      resolve();
    }
  }
}
