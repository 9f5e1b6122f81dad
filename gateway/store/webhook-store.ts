// Registered webhooks: where to POST which events, and the HMAC secret their deliveries are
// signed with. The secret stays in this table and in memory of the dispatcher: no API answer
// and no log line carries it (docs/events.md §5).
import type { EventsDb } from './events-db.js';

export interface WebhookRecord {
  webhookId: string;
  url: string;
  /** Event type names (views/events.ts EventType). */
  events: string[];
  secret: string | null;
  createdAt: string;
}

export interface WebhookStore {
  list(): WebhookRecord[];
  put(record: WebhookRecord): void;
  delete(webhookId: string): boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhooks (
  webhook_id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT,
  created_at TEXT NOT NULL
);
`;

interface WebhookRow {
  webhook_id: string;
  url: string;
  events: string;
  secret: string | null;
  created_at: string;
}

export class SqliteWebhookStore implements WebhookStore {
  readonly #db: EventsDb;

  constructor(db: EventsDb) {
    this.#db = db;
    db.exec(SCHEMA);
  }

  list(): WebhookRecord[] {
    return (
      this.#db.prepare('SELECT * FROM webhooks ORDER BY created_at, webhook_id').all() as WebhookRow[]
    ).map((r) => ({
      webhookId: r.webhook_id,
      url: r.url,
      events: JSON.parse(r.events) as string[],
      secret: r.secret,
      createdAt: r.created_at,
    }));
  }

  put(r: WebhookRecord): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO webhooks (webhook_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(r.webhookId, r.url, JSON.stringify(r.events), r.secret, r.createdAt);
  }

  delete(webhookId: string): boolean {
    return this.#db.prepare('DELETE FROM webhooks WHERE webhook_id = ?').run(webhookId).changes > 0;
  }
}
