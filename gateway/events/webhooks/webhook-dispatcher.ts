// Every registered webhook (docs/events.md §5): loaded from the store at start, one
// WebhookEndpoint each, fed from the event bus by type. Registration checks the URL
// (webhook-url.ts); the secret goes to the store and the endpoint, never into a view or a log.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { WebhookStore } from '../../store/webhook-store.js';
import type {
  EventsObserver,
  EventType,
  GatewayEvent,
  WebhookInput,
  WebhookView,
} from '../../views/events.js';
import { EVENT_TYPES } from '../../views/events.js';
import type { WebhookPost } from './http-post.js';
import { checkWebhookUrl } from './webhook-url.js';
import { DEFAULT_RETRY, WebhookEndpoint, type RetryPolicy } from './webhook-endpoint.js';

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  post: WebhookPost;
  policy?: Partial<RetryPolicy>;
  /** Most webhooks at once. Default 100. */
  maxWebhooks?: number;
  observer?: EventsObserver;
  userAgent: string;
  log: Logger;
  now?: () => number;
}

interface Entry {
  endpoint: WebhookEndpoint;
  events: ReadonlySet<EventType>;
  createdAt: string;
}

export class WebhookDispatcher {
  readonly #o: WebhookDispatcherOptions;
  readonly #policy: RetryPolicy;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: WebhookDispatcherOptions) {
    this.#o = opts;
    this.#policy = { ...DEFAULT_RETRY, ...opts.policy };
    for (const r of opts.store.list()) {
      const check = checkWebhookUrl(r.url);
      if (!check.ok) {
        opts.log.warn(
          { webhookId: r.webhookId, reason: check.reason },
          'stored webhook URL refused; skipped',
        );
        continue;
      }
      this.#open(r.webhookId, check.url, r.secret, toTypes(r.events), r.createdAt);
    }
  }

  /** Hands the event to every webhook that asked for its type; returns at once. */
  dispatch(event: GatewayEvent): void {
    for (const e of this.#entries.values()) {
      if (e.events.has(event.type)) {
        e.endpoint.enqueue(event);
      }
    }
  }

  add(input: WebhookInput): WebhookView {
    const check = checkWebhookUrl(input.url);
    if (!check.ok) {
      throw new GatewayError('GW_ERR_WEBHOOK_URL', `webhook url refused: ${check.reason}`);
    }
    if (this.#entries.size >= (this.#o.maxWebhooks ?? 100)) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', 'too many webhooks; delete one first');
    }
    const webhookId = `wh_${randomBytes(8).toString('hex')}`;
    const createdAt = new Date((this.#o.now ?? Date.now)()).toISOString();
    const events = [...new Set(input.events)];
    const secret = input.secret ?? null;
    this.#o.store.put({ webhookId, url: check.url.href, events, secret, createdAt });
    this.#open(webhookId, check.url, secret, new Set(events), createdAt);
    this.#o.log.info({ webhookId, url: redactUrl(check.url), events }, 'webhook added');
    return this.#view(webhookId, this.#entries.get(webhookId)!);
  }

  list(): WebhookView[] {
    return [...this.#entries].map(([id, e]) => this.#view(id, e));
  }

  remove(webhookId: string): boolean {
    const entry = this.#entries.get(webhookId);
    this.#o.store.delete(webhookId);
    if (!entry) {
      return false;
    }
    this.#entries.delete(webhookId);
    entry.endpoint.close();
    this.#o.log.info({ webhookId }, 'webhook removed');
    return true;
  }

  close(): void {
    for (const e of this.#entries.values()) {
      e.endpoint.close();
    }
    this.#entries.clear();
  }

  #open(
    webhookId: string,
    url: URL,
    secret: string | null,
    events: ReadonlySet<EventType>,
    createdAt: string,
  ): void {
    const obs = this.#o.observer;
    const endpoint = new WebhookEndpoint(webhookId, url, secret, {
      post: this.#o.post,
      policy: this.#policy,
      log: this.#o.log,
      userAgent: this.#o.userAgent,
      ...(this.#o.now ? { now: this.#o.now } : {}),
      hooks: {
        delivered: () => obs?.delivered('webhook', webhookId),
        failed: () => obs?.deliveryFailed('webhook', webhookId),
        deadLetter: (reason) => obs?.deadLetter(webhookId, reason),
      },
    });
    this.#entries.set(webhookId, { endpoint, events, createdAt });
    obs?.webhookAdded?.(webhookId);
  }

  #view(webhookId: string, e: Entry): WebhookView {
    const s = e.endpoint.stats;
    return {
      webhookId,
      url: e.endpoint.url.href,
      events: EVENT_TYPES.filter((t) => e.events.has(t)),
      signed: e.endpoint.signed,
      createdAt: e.createdAt,
      delivery: {
        queued: e.endpoint.queued,
        delivered: s.delivered,
        failed: s.failed,
        deadLetters: s.deadLetters,
        lastError: s.lastError,
      },
    };
  }
}

function toTypes(names: readonly string[]): Set<EventType> {
  return new Set(EVENT_TYPES.filter((t) => names.includes(t)));
}

/** Query strings often carry receiver tokens: logs get the origin and path only. */
function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
