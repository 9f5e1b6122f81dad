// The moments from which an operator revoked signed media URLs (gateway/api/media-access.ts),
// per channel or for all ('*'), kept in the gateway's SQLite file so a restart does not bring
// revoked URLs back. Tests pass ':memory:'.
import Database from 'better-sqlite3';

export interface MediaRevocationStore {
  /** Every scope with the ms up to which its tokens are revoked. */
  load(): [scope: string, atMs: number][];
  save(scope: string, atMs: number): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS media_url_revocations (
  scope TEXT PRIMARY KEY,
  revoked_at_ms INTEGER NOT NULL
);`;

export class SqliteMediaRevocationStore implements MediaRevocationStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  load(): [string, number][] {
    const rows = this.db.prepare('SELECT scope, revoked_at_ms AS at FROM media_url_revocations').all() as {
      scope: string;
      at: number;
    }[];
    return rows.map((r) => [r.scope, r.at]);
  }

  save(scope: string, atMs: number): void {
    this.db
      .prepare(
        'INSERT INTO media_url_revocations (scope, revoked_at_ms) VALUES (?, ?) ' +
          'ON CONFLICT(scope) DO UPDATE SET revoked_at_ms = excluded.revoked_at_ms',
      )
      .run(scope, atMs);
  }

  close(): void {
    this.db.close();
  }
}
