// The events domain behind the API and the upper platform (docs/events.md): what the upper
// platform reports (EventIntake) is stored and published on the bus; the API reads alarms and
// positions, acknowledges alarms and manages webhooks (EventsServices). The bus fans out to SSE
// clients, webhooks and in-process listeners.
import type { Logger } from '../log.js';
import type { AlarmStore } from '../store/alarm-store.js';
import type { PositionStore } from '../store/position-store.js';
import type {
  AlarmInput,
  AlarmQuery,
  AlarmView,
  ChannelEventData,
  DeviceEventData,
  EventIntake,
  EventsObserver,
  EventsServices,
  PositionInput,
  PositionView,
  ReportBatch,
  StoredReports,
  StreamEventData,
  RecordingEventData,
  WebhookInput,
  WebhookView,
} from '../views/events.js';
import type { EventBus } from './event-bus.js';
import type { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

export interface EventsServiceOptions {
  bus: EventBus;
  alarms: AlarmStore;
  positions: PositionStore;
  webhooks: WebhookDispatcher;
  /**
   * Runs a batch's inserts in one database transaction (better-sqlite3's db.transaction): one
   * commit per batch instead of one per row. Default: the inserts run as they are.
   */
  transaction?<T>(work: () => T): T;
  /** The same (device, SN) within this window is one alarm. Default one hour. */
  dedupWindowMs?: number;
  observer?: EventsObserver;
  now?: () => number;
  log: Logger;
}

export class EventsService implements EventIntake, EventsServices {
  readonly #o: EventsServiceOptions;
  readonly feed: EventBus;

  constructor(opts: EventsServiceOptions) {
    this.#o = opts;
    this.feed = opts.bus;
    opts.bus.onAny((e) => opts.webhooks.dispatch(e));
  }

  get bus(): EventBus {
    return this.#o.bus;
  }

  // ---------- EventIntake ----------

  store(batch: ReportBatch): StoredReports {
    const dedupWindowMs = this.#o.dedupWindowMs ?? 3_600_000;
    const work = (): StoredReports => ({
      alarms: batch.alarms.map((a) => this.#o.alarms.insert(a, dedupWindowMs)),
      positions: batch.positions.map((p) => {
        this.#o.positions.insert(p);
        return p;
      }),
    });
    const stored = this.#o.transaction ? this.#o.transaction(work) : work();
    stored.alarms.forEach((a, i) => {
      if (a) {
        this.#o.observer?.alarmReceived(a);
      } else {
        this.#o.observer?.alarmDuplicate(batch.alarms[i].deviceId);
      }
    });
    stored.positions.forEach(() => this.#o.observer?.positionReceived());
    return stored;
  }

  publish(stored: StoredReports): void {
    for (const a of stored.alarms) {
      if (a) {
        this.#o.bus.publish('alarm', a);
      }
    }
    for (const p of stored.positions) {
      this.#o.bus.publish('position', p);
    }
  }

  /** One alarm stored and published at once; undefined for a duplicate (tests, in-process reporters). */
  alarm(input: AlarmInput): AlarmView | undefined {
    const stored = this.store({ alarms: [input], positions: [] });
    this.publish(stored);
    return stored.alarms[0];
  }

  position(input: PositionInput): void {
    this.publish(this.store({ alarms: [], positions: [input] }));
  }

  device(data: DeviceEventData): void {
    this.#o.bus.publish('device', data);
  }

  channel(data: ChannelEventData): void {
    this.#o.bus.publish('channel', data);
  }

  stream(data: StreamEventData): void {
    this.#o.bus.publish('stream', data);
  }

  recording(data: RecordingEventData): void {
    this.#o.bus.publish('recording', data);
  }

  // ---------- EventsServices ----------

  listAlarms(query: AlarmQuery): AlarmView[] {
    return this.#o.alarms.list(query);
  }

  /** Acknowledges once; the acknowledged alarm is published again so every console sees it. */
  acknowledgeAlarm(alarmId: string): AlarmView | undefined {
    const before = this.#o.alarms.get(alarmId);
    if (!before) {
      return undefined;
    }
    if (before.acknowledged) {
      return before;
    }
    const at = new Date((this.#o.now ?? Date.now)()).toISOString();
    const after = this.#o.alarms.acknowledge(alarmId, at);
    if (after) {
      this.#o.bus.publish('alarm', after);
    }
    return after;
  }

  latestPositions(): PositionView[] {
    return this.#o.positions.latest();
  }

  latestPosition(deviceId: string, channelId: string): PositionView | undefined {
    return this.#o.positions.latestOf(deviceId, channelId);
  }

  track(deviceId: string, channelId: string, start: Date, end: Date, limit: number): PositionView[] {
    return this.#o.positions.track(deviceId, channelId, start.getTime(), end.getTime(), limit);
  }

  addWebhook(input: WebhookInput): WebhookView {
    return this.#o.webhooks.add(input);
  }

  listWebhooks(): WebhookView[] {
    return this.#o.webhooks.list();
  }

  deleteWebhook(webhookId: string): boolean {
    return this.#o.webhooks.remove(webhookId);
  }
}
