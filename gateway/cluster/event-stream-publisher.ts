// The signaling node's end of the cluster's event stream (docs/events.md §10): every event its
// bus publishes is appended, in order, to a Redis stream (XADD, capped near the backlog size with
// MAXLEN ~), which every media node reads to serve GET /api/events. A Redis stream rather than
// pub/sub: a media node that loses its connection reads on from the last entry it saw, and one
// that starts reads the recent past, so Last-Event-ID replay works on every node.
//
// Appends go out once per turn of the event loop, pipelined. While Redis is unreachable the events
// wait here, oldest dropped beyond the backlog size (a media node sees the hole in the sequence
// numbers and tells its clients: event gap), and are retried every second.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';
import type { GatewayEvent } from '../views/events.js';

export interface EventStreamPublisherOptions {
  redis: Redis;
  /** keys.events */
  key: string;
  /** Entries kept in Redis, and events held here while Redis is away (--events-backlog). */
  maxLen: number;
  log: Logger;
  /** Default 1000 ms. */
  retryMs?: number;
}

/** Events per pipeline. */
const CHUNK = 500;

export class EventStreamPublisher {
  readonly stats = { appended: 0, dropped: 0, failures: 0 };
  readonly #o: EventStreamPublisherOptions;
  readonly #failures: LogThrottle;
  /** JSON of the events not yet appended, oldest first. */
  #queue: string[] = [];
  #running: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: EventStreamPublisherOptions) {
    this.#o = o;
    this.#failures = new LogThrottle(o.log, { linesPerWindow: 5 });
  }

  /** Queues one event; it is appended at the end of this turn (or when Redis is back). */
  publish(event: GatewayEvent): void {
    if (this.#closed) {
      return;
    }
    this.#queue.push(JSON.stringify(event));
    this.#trim();
    if (!this.#running && !this.#retry) {
      this.#running = new Promise<void>((r) => setImmediate(r)).then(() => this.#drain());
    }
  }

  /** Appends what is queued (waiting at most `timeoutMs`), then stops. Idempotent. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) {
      return;
    }
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (!this.#running && this.#queue.length > 0) {
      this.#running = this.#drain();
    }
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#running, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const chunk = this.#queue.splice(0, CHUNK);
      const pipeline = this.#o.redis.pipeline();
      for (const json of chunk) {
        pipeline.xadd(this.#o.key, 'MAXLEN', '~', this.#o.maxLen, '*', 'e', json);
      }
      let appended = 0;
      let error: unknown;
      try {
        const results = (await pipeline.exec()) ?? [];
        while (appended < chunk.length && results[appended] && !results[appended][0]) {
          appended++;
        }
        error = results[appended]?.[0] ?? (appended < chunk.length ? new Error('no reply') : undefined);
      } catch (err) {
        error = err;
      }
      this.stats.appended += appended;
      if (appended < chunk.length) {
        // In order: what failed goes back in front of what came meanwhile. A failed XADD that
        // Redis did apply is sent again; media nodes skip an ID they already hold.
        this.#queue.unshift(...chunk.slice(appended));
        this.#trim();
        this.stats.failures++;
        this.#failures.warn(
          'xadd',
          { err: String(error), waiting: this.#queue.length },
          'events not copied to Redis yet: media nodes do not see them until Redis answers',
        );
        this.#running = undefined;
        if (!this.#closed) {
          this.#retry = setTimeout(() => {
            this.#retry = undefined;
            this.#running = this.#drain();
          }, this.#o.retryMs ?? 1000);
          this.#retry.unref();
        }
        return;
      }
    }
    this.#running = undefined;
  }

  #trim(): void {
    const excess = this.#queue.length - this.#o.maxLen;
    if (excess > 0) {
      this.#queue.splice(0, excess);
      this.stats.dropped += excess;
    }
  }
}
