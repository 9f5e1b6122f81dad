// Prometheus series of the events domain (docs/events.md §8), registered into the gateway's one
// registry: alarms by device/type/priority, duplicates, positions, subscriptions active and
// failed, deliveries and failures per sink, webhook dead letters, SSE clients. Counters whose
// label sets are known up front start at 0.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlarmView, EventsObserver } from '../views/events.js';
import { SUBSCRIPTION_EVENTS, type SubscriptionEvent } from '../views/events.js';

export interface EventMetricsSources {
  /** Active subscriptions by event, read at scrape time. */
  activeSubscriptions(): Record<SubscriptionEvent, number>;
}

export class EventMetrics implements EventsObserver {
  readonly #alarms: Counter<'device' | 'type' | 'priority'>;
  readonly #duplicates: Counter;
  readonly #positions: Counter;
  readonly #subscriptionsFailed: Counter<'event'>;
  readonly #delivered: Counter<'sink' | 'webhook'>;
  readonly #failed: Counter<'sink' | 'webhook'>;
  readonly #deadLetters: Counter<'webhook' | 'reason'>;
  readonly #sse = { clients: 0 };

  constructor(registry: Registry, sources: EventMetricsSources, prefix = 'gb_') {
    const registers = [registry];
    const p = prefix;
    this.#alarms = new Counter({
      name: `${p}alarms_received_total`,
      help: 'Alarms stored, by reporting device, AlarmType and AlarmPriority ("" when absent)',
      labelNames: ['device', 'type', 'priority'],
      registers,
    });
    this.#duplicates = new Counter({
      name: `${p}alarms_duplicate_total`,
      help: 'Alarms dropped as duplicates of one already stored (same device and SN)',
      registers,
    });
    this.#positions = new Counter({
      name: `${p}positions_received_total`,
      help: 'MobilePosition reports stored',
      registers,
    });
    new Gauge({
      name: `${p}subscriptions_active`,
      help: 'Subscriptions to devices the device has accepted, by event',
      labelNames: ['event'],
      registers,
      collect() {
        const counts = sources.activeSubscriptions();
        for (const e of SUBSCRIPTION_EVENTS) {
          this.set({ event: e }, counts[e]);
        }
      },
    });
    this.#subscriptionsFailed = new Counter({
      name: `${p}subscriptions_failed_total`,
      help: 'SUBSCRIBEs (new or refresh) a device refused or did not answer, by event',
      labelNames: ['event'],
      registers,
    });
    this.#delivered = new Counter({
      name: `${p}events_delivered_total`,
      help: 'Events handed to a sink: written to an SSE client, or accepted (2xx) by a webhook',
      labelNames: ['sink', 'webhook'],
      registers,
    });
    this.#failed = new Counter({
      name: `${p}events_failed_total`,
      help: 'Failed deliveries: a webhook attempt without a 2xx, or an SSE client dropped as too slow',
      labelNames: ['sink', 'webhook'],
      registers,
    });
    this.#deadLetters = new Counter({
      name: `${p}webhook_dead_letters_total`,
      help: 'Webhook events given up: retry time exhausted, queue full, or the webhook was removed',
      labelNames: ['webhook', 'reason'],
      registers,
    });
    const sse = this.#sse;
    new Gauge({
      name: `${p}sse_clients`,
      help: 'Open /api/events streams',
      registers,
      collect() {
        this.set(sse.clients);
      },
    });
    for (const e of SUBSCRIPTION_EVENTS) {
      this.#subscriptionsFailed.inc({ event: e }, 0);
    }
    this.#delivered.inc({ sink: 'sse', webhook: '' }, 0);
    this.#failed.inc({ sink: 'sse', webhook: '' }, 0);
  }

  alarmReceived(alarm: AlarmView): void {
    this.#alarms.inc({
      device: alarm.deviceId,
      type: alarm.type === null ? '' : String(alarm.type),
      priority: alarm.priority === null ? '' : String(alarm.priority),
    });
  }

  alarmDuplicate(): void {
    this.#duplicates.inc();
  }

  positionReceived(): void {
    this.#positions.inc();
  }

  subscriptionFailed(event: SubscriptionEvent): void {
    this.#subscriptionsFailed.inc({ event });
  }

  delivered(sink: 'sse' | 'webhook', webhookId = ''): void {
    this.#delivered.inc({ sink, webhook: webhookId });
  }

  deliveryFailed(sink: 'sse' | 'webhook', webhookId = ''): void {
    this.#failed.inc({ sink, webhook: webhookId });
  }

  deadLetter(webhookId: string, reason: 'retry-time' | 'queue-full' | 'removed'): void {
    this.#deadLetters.inc({ webhook: webhookId, reason });
  }

  /** A webhook was registered: its series start at 0. */
  webhookAdded(webhookId: string): void {
    this.#delivered.inc({ sink: 'webhook', webhook: webhookId }, 0);
    this.#failed.inc({ sink: 'webhook', webhook: webhookId }, 0);
    for (const reason of ['retry-time', 'queue-full', 'removed']) {
      this.#deadLetters.inc({ webhook: webhookId, reason }, 0);
    }
  }

  sseClients(count: number): void {
    this.#sse.clients = count;
  }
}
