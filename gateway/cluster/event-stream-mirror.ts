// A media node's copy of the signaling node's event stream (docs/events.md §10): it reads the
// Redis stream the signaling node appends to (event-stream-publisher.ts) and serves it to this
// node's SSE clients as the bus serves its own: the same event IDs, the same backlog size, the same
// Last-Event-ID replay, so a dashboard may reconnect to any node.
//
// It starts with the newest --events-backlog entries, then blocks on XREAD from the last entry it
// read, so a lost connection costs nothing that is still in the stream. Events are applied in
// sequence: one already held is skipped; a new run of the signaling node (another boot ID), or a
// hole in the sequence (entries trimmed before this node read them, or dropped by the signaling
// node while Redis was away), starts the backlog afresh and tells the clients following it
// (`event: gap`), exactly as a client reconnecting to the signaling node would be told.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';
import { Backlog } from '../events/backlog.js';
import { parseEventId, replayAfter } from '../events/replay.js';
import { EVENT_TYPES, type EventFeed, type EventType, type GatewayEvent } from '../views/events.js';

export interface EventStreamMirrorOptions {
  /** A connection of its own: XREAD BLOCK holds it while it waits. */
  redis: Redis;
  /** keys.events */
  key: string;
  /** --events-backlog */
  capacity: number;
  log: Logger;
  /** How long one XREAD waits for new entries. Default 5000 ms. */
  blockMs?: number;
  /** Wait after a failed read. Default 1000 ms. */
  retryMs?: number;
}

interface Follower {
  types: ReadonlySet<EventType>;
  listener(event: GatewayEvent): void;
  onGap?(): void;
}

export class EventStreamMirror implements EventFeed {
  readonly stats = { received: 0, skipped: 0, malformed: 0, gaps: 0 };
  readonly #o: EventStreamMirrorOptions;
  readonly #followers = new Set<Follower>();
  readonly #failures: LogThrottle;
  #backlog: Backlog<GatewayEvent>;
  /** The signaling node's run whose events the backlog holds ('' before the first). */
  #boot = '';
  /** Signaling sequence number = backlog sequence number + this. */
  #seqOffset = 0;
  #lastSeq = 0;
  /** The Redis stream entry read last. */
  #entryId = '0-0';
  #closed = false;
  #loop: Promise<void> | undefined;

  private constructor(o: EventStreamMirrorOptions) {
    this.#o = o;
    this.#backlog = new Backlog(o.capacity);
    this.#failures = new LogThrottle(o.log, { linesPerWindow: 5 });
  }

  /** Reads the recent past, then follows the stream until close(). */
  static async start(o: EventStreamMirrorOptions): Promise<EventStreamMirror> {
    const mirror = new EventStreamMirror(o);
    const recent = await o.redis.xrevrange(o.key, '+', '-', 'COUNT', o.capacity);
    for (const [entryId, fields] of recent.reverse()) {
      mirror.#apply(entryId, fields);
    }
    mirror.#loop = mirror.#follow();
    return mirror;
  }

  /** The signaling node's event ID read last ('' before the first). */
  get lastEventId(): string {
    return this.#boot ? `${this.#boot}-${this.#lastSeq}` : '';
  }

  follow(
    opts: { types: ReadonlySet<EventType>; lastEventId?: string; onGap?: () => void },
    listener: (event: GatewayEvent) => void,
  ): { backlog: GatewayEvent[]; gap: boolean; close(): void } {
    const replay = replayAfter(this.#backlog, this.#boot, opts.lastEventId, opts.types, this.#seqOffset);
    const follower: Follower = { types: opts.types, listener, ...(opts.onGap ? { onGap: opts.onGap } : {}) };
    this.#followers.add(follower);
    return { ...replay, close: () => this.#followers.delete(follower) };
  }

  /** Stops reading; the connection is the caller's. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#followers.clear();
    // XREAD BLOCK does not return before its timeout: drop the connection under it.
    this.#o.redis.disconnect();
    await this.#loop;
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      try {
        const streams = await this.#o.redis.xread(
          'COUNT',
          1000,
          'BLOCK',
          this.#o.blockMs ?? 5000,
          'STREAMS',
          this.#o.key,
          this.#entryId,
        );
        for (const [, entries] of streams ?? []) {
          for (const [entryId, fields] of entries) {
            this.#apply(entryId, fields);
          }
        }
      } catch (err) {
        if (this.#closed) {
          return;
        }
        this.#failures.warn(
          'xread',
          { err: String(err), after: this.lastEventId },
          'event stream not readable: SSE clients on this node wait; reading resumes where it stopped',
        );
        await new Promise((r) => setTimeout(r, this.#o.retryMs ?? 1000));
      }
    }
  }

  #apply(entryId: string, fields: string[]): void {
    this.#entryId = entryId;
    const event = readEvent(fields);
    const id = event && parseEventId(event.id);
    if (!event || !id) {
      this.stats.malformed++;
      this.#failures.warn('malformed', { entryId }, 'unreadable entry in the event stream skipped');
      return;
    }
    if (id.boot === this.#boot && id.seq <= this.#lastSeq) {
      this.stats.skipped++;
      return;
    }
    const newRun = id.boot !== this.#boot;
    // Sequence numbers of one run have no holes on the bus (docs/events.md §4): a hole here is
    // events that never reached this node. The backlog then restarts at this event, so a client
    // naming one before the hole is told `gap` by replayAfter.
    const hole = !newRun && id.seq !== this.#lastSeq + 1;
    if (newRun || hole) {
      const lost = this.#boot !== '';
      this.#backlog = new Backlog(this.#o.capacity);
      this.#boot = id.boot;
      this.#seqOffset = id.seq - 1;
      if (lost) {
        this.stats.gaps++;
        for (const f of this.#followers) {
          this.#call(() => f.onGap?.());
        }
      }
    }
    this.#backlog.push(event);
    this.#lastSeq = id.seq;
    this.stats.received++;
    for (const f of this.#followers) {
      if (f.types.has(event.type)) {
        this.#call(() => f.listener(event));
      }
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#o.log.error({ err }, 'event stream follower failed');
    }
  }
}

/** The event in a stream entry's `e` field, or undefined when it is not one. */
function readEvent(fields: string[]): GatewayEvent | undefined {
  const at = fields.indexOf('e');
  const json = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  if (json === undefined) {
    return undefined;
  }
  try {
    const e = JSON.parse(json) as Partial<GatewayEvent>;
    const ok =
      typeof e.id === 'string' &&
      typeof e.time === 'string' &&
      EVENT_TYPES.includes(e.type as EventType) &&
      typeof e.data === 'object' &&
      e.data !== null;
    return ok ? (e as GatewayEvent) : undefined;
  } catch {
    return undefined;
  }
}
