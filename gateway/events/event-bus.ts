// The gateway's domain events (docs/events.md §1): alarms, device online/offline, channel status,
// positions, stream start/stop. One typed bus in the process: the SSE endpoint, the webhook
// dispatcher, metrics and in-process users (alarm-triggered recording: `bus.on('alarm', …)`)
// listen here. Publishing is synchronous and every listener is contained: one that throws (or
// returns a rejected promise) is logged and the others still run, so no listener can break the
// SIP path that published (docs/architecture.md §5 "Typed events, contained exceptions").
import { createLogger, type Logger } from '../log.js';
import type { EventDataOf, EventFeed, EventOf, EventType, GatewayEvent } from '../views/events.js';
import { Backlog } from './backlog.js';
import { replayAfter } from './replay.js';

type AnyListener = (event: GatewayEvent) => unknown;

export interface EventBusOptions {
  /** Events kept for Last-Event-ID replay. Default 1000. */
  backlog?: number;
  /** Names this run in event IDs (`<boot>-<seq>`). Default the start time in base 36. */
  bootId?: string;
  now?: () => number;
  log?: Logger;
}

export class EventBus implements EventFeed {
  readonly bootId: string;
  readonly #backlog: Backlog<GatewayEvent>;
  readonly #byType = new Map<EventType, Set<AnyListener>>();
  readonly #any = new Set<AnyListener>();
  readonly #now: () => number;
  readonly #log: Logger;
  /** Listener failures, for tests and metrics. */
  listenerErrors = 0;

  constructor(opts: EventBusOptions = {}) {
    this.#backlog = new Backlog(opts.backlog ?? 1000);
    this.#now = opts.now ?? Date.now;
    this.bootId = opts.bootId ?? this.#now().toString(36);
    this.#log = opts.log ?? createLogger('events');
  }

  /** Publishes one event to every listener; returns it with its ID. */
  publish<T extends EventType>(type: T, data: EventDataOf[T]): EventOf<T> {
    const seq = this.#backlog.nextSeq;
    const event = { id: `${this.bootId}-${seq}`, type, time: new Date(this.#now()).toISOString(), data };
    this.#backlog.push(event as GatewayEvent);
    for (const listener of this.#byType.get(type) ?? []) {
      this.#call(listener, event as GatewayEvent);
    }
    for (const listener of this.#any) {
      this.#call(listener, event as GatewayEvent);
    }
    return event as unknown as EventOf<T>;
  }

  /** In-process subscription to one event type; returns the unsubscribe function. */
  on<T extends EventType>(type: T, listener: (event: EventOf<T>) => unknown): () => void {
    let set = this.#byType.get(type);
    if (!set) {
      set = new Set();
      this.#byType.set(type, set);
    }
    const l = listener as AnyListener;
    set.add(l);
    return () => set.delete(l);
  }

  /** Every event, whatever its type. */
  onAny(listener: (event: GatewayEvent) => unknown): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }

  follow(
    opts: { types: ReadonlySet<EventType>; lastEventId?: string },
    listener: (event: GatewayEvent) => void,
  ): { backlog: GatewayEvent[]; gap: boolean; close(): void } {
    const { backlog, gap } = replayAfter(this.#backlog, this.bootId, opts.lastEventId, opts.types);
    const close = this.onAny((e) => {
      if (opts.types.has(e.type)) {
        listener(e);
      }
    });
    return { backlog, gap, close };
  }

  #call(listener: AnyListener, event: GatewayEvent): void {
    try {
      const result = listener(event);
      if (result instanceof Promise) {
        result.catch((err: unknown) => this.#failed(err, event));
      }
    } catch (err) {
      this.#failed(err, event);
    }
  }

  #failed(err: unknown, event: GatewayEvent): void {
    this.listenerErrors++;
    this.#log.error({ err, event: event.type, id: event.id }, 'event listener failed');
  }
}
