// One webhook's delivery queue (docs/events.md §5): events in publish order, one request in flight,
// each event retried with exponential back-off and jitter until it is delivered or has been
// retried for `maxRetryMs`, then dropped as a dead letter. The queue is bounded: past `maxQueue`
// the newest event is a dead letter at once, so a dead receiver costs a fixed amount of memory.
// Nothing here blocks: the caller's enqueue() is a push, everything else runs on timers and
// the HTTP client's callbacks, so a slow or dead receiver delays only its own queue.
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { GatewayEvent } from '../../views/events.js';
import type { WebhookPost } from './http-post.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';

export interface RetryPolicy {
  /** First retry after about this long. Default 1000 ms. */
  baseDelayMs: number;
  /** Back-off stops growing here. Default 60 000 ms. */
  maxDelayMs: number;
  /** An event is given up this long after its first attempt. Default 600 000 ms (10 min). */
  maxRetryMs: number;
  /** One request's whole exchange. Default 5000 ms. */
  timeoutMs: number;
  /** Events waiting; beyond it new events are dead letters. Default 10 000. */
  maxQueue: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryMs: 600_000,
  timeoutMs: 5000,
  maxQueue: 10_000,
};

export interface EndpointHooks {
  delivered(): void;
  failed(): void;
  deadLetter(reason: 'retry-time' | 'queue-full' | 'removed'): void;
}

/**
 * The wait before retry `attempt` (1 = the first retry): base · 2^(attempt-1) capped at maxDelayMs,
 * then "equal jitter" (half fixed, half random), so receivers that failed together do not get
 * their retries back in one burst and the wait never collapses to zero.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(30, attempt - 1));
  return exp / 2 + random() * (exp / 2);
}

interface Pending {
  event: GatewayEvent;
  body: string;
  firstAttemptMs: number | undefined;
  attempts: number;
}

export class WebhookEndpoint {
  readonly stats = { delivered: 0, failed: 0, deadLetters: 0, lastError: null as string | null };
  readonly #queue: Pending[] = [];
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** A dead receiver drops events at the publish rate: a few lines per window, the rest counted. */
  readonly #deadLog: LogThrottle;

  constructor(
    readonly webhookId: string,
    readonly url: URL,
    private readonly secret: string | null,
    private readonly o: {
      post: WebhookPost;
      policy: RetryPolicy;
      hooks: EndpointHooks;
      log: Logger;
      userAgent: string;
      now?: () => number;
      random?: () => number;
    },
  ) {
    this.#deadLog = new LogThrottle(o.log, { linesPerWindow: 5 });
  }

  /** Whether deliveries carry X-GB-Signature. */
  get signed(): boolean {
    return this.secret !== null;
  }

  get queued(): number {
    return this.#queue.length;
  }

  enqueue(event: GatewayEvent): void {
    if (this.#closed) {
      return;
    }
    if (this.#queue.length >= this.o.policy.maxQueue) {
      this.#dead('queue-full', event);
      return;
    }
    this.#queue.push({ event, body: JSON.stringify(event), firstAttemptMs: undefined, attempts: 0 });
    this.#pump();
  }

  /** Drops what is queued (counted as dead letters) and stops retrying. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const p of this.#queue.splice(0)) {
      this.#dead('removed', p.event);
    }
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  #pump(): void {
    if (this.#busy || this.#timer || this.#closed || this.#queue.length === 0) {
      return;
    }
    const head = this.#queue[0];
    this.#busy = true;
    head.firstAttemptMs ??= this.#now();
    head.attempts++;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.o.userAgent,
      'X-GB-Event': head.event.type,
      'X-GB-Delivery': head.event.id,
    };
    if (this.secret !== null) {
      headers[SIGNATURE_HEADER] = signBody(this.secret, head.body);
    }
    void this.o
      .post(this.url, head.body, headers, this.o.policy.timeoutMs)
      .then(
        (r) => (r.status >= 200 && r.status < 300 ? undefined : (r.error ?? `HTTP ${r.status}`)),
        (err: unknown) => String(err),
      )
      .then((error) => this.#settle(head, error));
  }

  #settle(head: Pending, error: string | undefined): void {
    this.#busy = false;
    if (this.#closed || this.#queue[0] !== head) {
      return;
    }
    if (error === undefined) {
      this.#queue.shift();
      this.stats.delivered++;
      this.o.hooks.delivered();
      this.#pump();
      return;
    }
    this.stats.failed++;
    this.stats.lastError = error;
    this.o.hooks.failed();
    const delay = backoffDelay(head.attempts, this.o.policy, this.o.random);
    if (this.#now() + delay - head.firstAttemptMs! > this.o.policy.maxRetryMs) {
      this.#queue.shift();
      this.#dead('retry-time', head.event, error);
      this.#pump();
      return;
    }
    this.o.log.debug(
      {
        webhookId: this.webhookId,
        eventId: head.event.id,
        attempt: head.attempts,
        delayMs: Math.round(delay),
        error,
      },
      'webhook delivery failed; retrying',
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
    this.#timer.unref?.();
  }

  #dead(reason: 'retry-time' | 'queue-full' | 'removed', event: GatewayEvent, error?: string): void {
    this.stats.deadLetters++;
    this.o.hooks.deadLetter(reason);
    this.#deadLog.warn(
      reason,
      { webhookId: this.webhookId, eventId: event.id, type: event.type, reason, error },
      'webhook event dropped (dead letter)',
    );
  }
}
