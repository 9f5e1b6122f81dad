// What the gateway asked its devices to report (SUBSCRIBE, GB/T 28181-2016 §9.11; docs/events.md §6):
// each subscription with the dialog it holds, so a restarted gateway refreshes or ends the
// device's dialog instead of leaving it to notify a stranger; and the per-device auto-subscribe
// setting.
import type { EventsDb } from './events-db.js';

export type SubscriptionEvent = 'alarm' | 'mobile-position' | 'catalog';
export const SUBSCRIPTION_EVENTS: readonly SubscriptionEvent[] = ['alarm', 'mobile-position', 'catalog'];

/** The subscriber's side of a SUBSCRIBE dialog (RFC 3261 §12), enough to send within it again. */
export interface StoredDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  localCSeq: number;
  /** The device's grant ends here (epoch ms). */
  expiresAtMs: number;
  /** The device's REGISTER Call-ID when the dialog was made; another one means it restarted since. */
  registrationCallId: string;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  deviceId: string;
  event: SubscriptionEvent;
  expiresSec: number;
  intervalSec: number | null;
  auto: boolean;
  createdAt: string;
  dialog: StoredDialog | null;
}

export interface SubscriptionStore {
  list(deviceId?: string): SubscriptionRecord[];
  put(record: SubscriptionRecord): void;
  delete(subscriptionId: string): boolean;
  /** The device's auto-subscribe list; undefined when it inherits the global one. */
  defaults(deviceId: string): SubscriptionEvent[] | undefined;
  setDefaults(deviceId: string, events: SubscriptionEvent[] | null): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscriptions (
  subscription_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  event TEXT NOT NULL,
  expires_sec INTEGER NOT NULL,
  interval_sec INTEGER,
  auto INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  dialog TEXT
);
CREATE INDEX IF NOT EXISTS subscriptions_device ON subscriptions (device_id);
CREATE TABLE IF NOT EXISTS subscription_defaults (
  device_id TEXT PRIMARY KEY,
  events TEXT NOT NULL
);
`;

interface SubscriptionRow {
  subscription_id: string;
  device_id: string;
  event: string;
  expires_sec: number;
  interval_sec: number | null;
  auto: number;
  created_at: string;
  dialog: string | null;
}

const EVENTS: readonly string[] = SUBSCRIPTION_EVENTS;

export class SqliteSubscriptionStore implements SubscriptionStore {
  readonly #db: EventsDb;

  constructor(db: EventsDb) {
    this.#db = db;
    db.exec(SCHEMA);
  }

  list(deviceId?: string): SubscriptionRecord[] {
    const rows = (
      deviceId === undefined
        ? this.#db.prepare('SELECT * FROM subscriptions ORDER BY created_at').all()
        : this.#db
            .prepare('SELECT * FROM subscriptions WHERE device_id = ? ORDER BY created_at')
            .all(deviceId)
    ) as SubscriptionRow[];
    return rows
      .filter((r) => EVENTS.includes(r.event))
      .map((r) => ({
        subscriptionId: r.subscription_id,
        deviceId: r.device_id,
        event: r.event as SubscriptionEvent,
        expiresSec: r.expires_sec,
        intervalSec: r.interval_sec,
        auto: r.auto === 1,
        createdAt: r.created_at,
        dialog: r.dialog === null ? null : (JSON.parse(r.dialog) as StoredDialog),
      }));
  }

  put(r: SubscriptionRecord): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO subscriptions
          (subscription_id, device_id, event, expires_sec, interval_sec, auto, created_at, dialog)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.subscriptionId,
        r.deviceId,
        r.event,
        r.expiresSec,
        r.intervalSec,
        r.auto ? 1 : 0,
        r.createdAt,
        r.dialog === null ? null : JSON.stringify(r.dialog),
      );
  }

  delete(subscriptionId: string): boolean {
    return (
      this.#db.prepare('DELETE FROM subscriptions WHERE subscription_id = ?').run(subscriptionId).changes > 0
    );
  }

  defaults(deviceId: string): SubscriptionEvent[] | undefined {
    const row = this.#db
      .prepare('SELECT events FROM subscription_defaults WHERE device_id = ?')
      .get(deviceId) as { events: string } | undefined;
    return row
      ? (JSON.parse(row.events) as string[]).filter((e): e is SubscriptionEvent => EVENTS.includes(e))
      : undefined;
  }

  setDefaults(deviceId: string, events: SubscriptionEvent[] | null): void {
    if (events === null) {
      this.#db.prepare('DELETE FROM subscription_defaults WHERE device_id = ?').run(deviceId);
    } else {
      this.#db
        .prepare('INSERT OR REPLACE INTO subscription_defaults (device_id, events) VALUES (?, ?)')
        .run(deviceId, JSON.stringify(events));
    }
  }
}

/** The same store in memory, for an upper platform built without a database (tests). */
export class MemorySubscriptionStore implements SubscriptionStore {
  readonly #records = new Map<string, SubscriptionRecord>();
  readonly #defaults = new Map<string, SubscriptionEvent[]>();

  list(deviceId?: string): SubscriptionRecord[] {
    return [...this.#records.values()].filter((r) => deviceId === undefined || r.deviceId === deviceId);
  }
  put(record: SubscriptionRecord): void {
    this.#records.set(record.subscriptionId, structuredClone(record));
  }
  delete(subscriptionId: string): boolean {
    return this.#records.delete(subscriptionId);
  }
  defaults(deviceId: string): SubscriptionEvent[] | undefined {
    return this.#defaults.get(deviceId);
  }
  setDefaults(deviceId: string, events: SubscriptionEvent[] | null): void {
    if (events === null) {
      this.#defaults.delete(deviceId);
    } else {
      this.#defaults.set(deviceId, [...events]);
    }
  }
}
