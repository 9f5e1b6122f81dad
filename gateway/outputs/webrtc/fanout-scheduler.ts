// Spreads WebRTC sends over event-loop turns. The hub fans every AU out synchronously; a
// keyframe (~100 RTP packets at 4 Mbit/s) times 50 viewers at ~28 µs per SRTP packet blocked
// the loop for 57-100 ms in the prototype (docs/browser-notes.md §2.4 pitfall 8, §3). Sinks queue
// their sends here instead, and the queue runs in slices of a few milliseconds with
// setImmediate between them, so SIP, ingest sockets and HTTP keep being served. Order is
// FIFO across all sinks, so each viewer still gets its packets in order.
import { performance } from 'node:perf_hooks';

export interface FanoutJob {
  run(): void;
}

export interface FanoutSchedulerOptions {
  /** CPU time one slice may take before yielding to the event loop. Default 3 ms; werift's own promise continuations run after the slice and add to it. */
  sliceMs?: number;
}

export class FanoutScheduler {
  private jobs: (FanoutJob | undefined)[] = [];
  /** performance.now() at enqueue, parallel to jobs. */
  private times: number[] = [];
  private head = 0;
  private scheduled = false;
  private readonly sliceMs: number;
  /** Slices run and the longest one (ms), for the bench and metrics. */
  readonly stats = { slices: 0, jobs: 0, maxSliceMs: 0 };

  constructor(opts: FanoutSchedulerOptions = {}) {
    this.sliceMs = opts.sliceMs ?? 3;
  }

  get pending(): number {
    return this.jobs.length - this.head;
  }

  /** How long the oldest queued job has waited (ms); 0 when idle. The process-wide backlog. */
  get lagMs(): number {
    return this.head < this.jobs.length ? performance.now() - this.times[this.head] : 0;
  }

  enqueue(job: FanoutJob): void {
    this.jobs.push(job);
    this.times.push(performance.now());
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** Runs everything queued now, synchronously (shutdown and tests). */
  flush(): void {
    while (this.head < this.jobs.length) {
      this.runNext();
    }
    this.compact();
  }

  private readonly drain = (): void => {
    const start = performance.now();
    let elapsed = 0;
    while (this.head < this.jobs.length) {
      this.runNext();
      elapsed = performance.now() - start;
      if (elapsed >= this.sliceMs) {
        break;
      }
    }
    this.stats.slices++;
    if (elapsed > this.stats.maxSliceMs) {
      this.stats.maxSliceMs = elapsed;
    }
    this.compact();
    if (this.head < this.jobs.length) {
      setImmediate(this.drain);
    } else {
      this.scheduled = false;
    }
  };

  private runNext(): void {
    const job = this.jobs[this.head];
    this.jobs[this.head++] = undefined;
    this.stats.jobs++;
    try {
      job?.run();
    } catch {
      // A job belongs to one sink; that sink reports its own failure. The queue must go on.
    }
  }

  /** Drops the consumed prefix once it dominates, so the array does not grow without bound. */
  private compact(): void {
    if (this.head === this.jobs.length) {
      this.jobs = [];
      this.times = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
