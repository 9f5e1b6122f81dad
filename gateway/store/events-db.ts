// The SQLite connection the events domain's stores share (alarms, positions, webhooks,
// subscriptions): the same file as the device store, its own tables, its own connection, so a
// burst of alarm writes never queues behind a catalog transaction. WAL as everywhere else.
import type Database from 'better-sqlite3';
import { openDatabase } from './database-file.js';

export type EventsDb = Database.Database;

export function openEventsDb(path: string): EventsDb {
  const db = openDatabase(path); // 0600, as every file of the data dir (issue #20 point 10)
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Two connections write the file (this one and the device store's): wait for the other's
  // transaction instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 2000');
  return db;
}

/**
 * Deletes rows of `table` in batches of `batch`, oldest first: those received before `beforeMs`,
 * then those beyond the newest `maxRows`. One call deletes at most one batch, so a caller that
 * yields between calls never blocks the event loop for long. Returns the rows deleted.
 */
export function deleteOldestBatch(
  db: EventsDb,
  table: 'alarms' | 'positions',
  opts: { beforeMs: number; maxRows: number; batch: number },
): number {
  // By the received_ms index: without ORDER BY, a table with nothing old costs one index probe.
  const byAge = db
    .prepare(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE received_ms < ? LIMIT ?)`)
    .run(opts.beforeMs, opts.batch).changes;
  if (byAge > 0) {
    return byAge;
  }
  // Ids only grow (AUTOINCREMENT), so at most maxRows rows have an id above MAX(id) - maxRows:
  // a rowid range, where COUNT(*) would scan a million rows.
  return db
    .prepare(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE id <= (SELECT MAX(id) FROM ${table}) - ? ORDER BY id LIMIT ?)`,
    )
    .run(opts.maxRows, opts.batch).changes;
}
