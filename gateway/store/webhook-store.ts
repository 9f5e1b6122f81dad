// Registered webhooks: where to POST which events, and the HMAC secret their deliveries are
// signed with. The secret stays in this table and in memory of the dispatcher: no API answer
// and no log line carries it (docs/events.md §5); in the table it is sealed with the data dir's
// storage key (secret-box.ts).
import type { EventsDb } from './events-db.js';
import { SecretBox } from './secret-box.js';
import { forgetOldPages, storeSecretBox } from './database-file.js';

/** Where a webhook's secret is stored, as the sealed value's associated data. */
const secretContext = (webhookId: string): string => `webhooks.secret:${webhookId}`;

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
  readonly #box: SecretBox;

  /** `secrets`: the data dir's storage key (required for a database file). */
  constructor(db: EventsDb, secrets?: SecretBox) {
    this.#db = db;
    this.#box = storeSecretBox(db.name, secrets ? { secrets } : {});
    db.exec(SCHEMA);
    this.#sealPlaintextSecrets();
  }

  /** Migration: secrets written before they were sealed get sealed now. */
  #sealPlaintextSecrets(): void {
    const rows = (
      this.#db.prepare('SELECT webhook_id, secret FROM webhooks WHERE secret IS NOT NULL').all() as {
        webhook_id: string;
        secret: string;
      }[]
    ).filter((r) => !SecretBox.isSealed(r.secret));
    if (rows.length === 0) {
      return;
    }
    const update = this.#db.prepare('UPDATE webhooks SET secret = ? WHERE webhook_id = ?');
    this.#db.transaction(() => {
      for (const r of rows) {
        update.run(this.#box.seal(r.secret, secretContext(r.webhook_id)), r.webhook_id);
      }
    })();
    forgetOldPages(this.#db);
  }

  list(): WebhookRecord[] {
    return (
      this.#db.prepare('SELECT * FROM webhooks ORDER BY created_at, webhook_id').all() as WebhookRow[]
    ).map((r) => ({
      webhookId: r.webhook_id,
      url: r.url,
      events: JSON.parse(r.events) as string[],
      secret: r.secret === null ? null : this.#box.open(r.secret, secretContext(r.webhook_id)),
      createdAt: r.created_at,
    }));
  }

  put(r: WebhookRecord): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO webhooks (webhook_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(
        r.webhookId,
        r.url,
        JSON.stringify(r.events),
        r.secret === null ? null : this.#box.seal(r.secret, secretContext(r.webhookId)),
        r.createdAt,
      );
  }

  delete(webhookId: string): boolean {
    return this.#db.prepare('DELETE FROM webhooks WHERE webhook_id = ?').run(webhookId).changes > 0;
  }
}
