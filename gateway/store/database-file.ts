// Opening the gateway's SQLite files the same way in every store: created 0600 (the database and,
// through it, its WAL and shared-memory files; private-files.ts), deleted bytes zeroed, and the
// storage key that seals secrets inside (secret-box.ts).
import Database from 'better-sqlite3';
import { preparePrivateDatabase } from '../private-files.js';
import { SecretBox } from './secret-box.js';

export interface SqliteStoreOptions {
  /** Seals stored secrets; required for a database file, a random one for ':memory:'. */
  secrets?: SecretBox;
}

/** The box a store uses: the given one, or for an in-memory database a throwaway one. */
export function storeSecretBox(path: string, opts: SqliteStoreOptions): SecretBox {
  if (opts.secrets) {
    return opts.secrets;
  }
  if (path === ':memory:') {
    return SecretBox.ephemeral();
  }
  throw new Error(`the store at ${path} needs the data dir's storage key (SqliteStoreOptions.secrets)`);
}

/**
 * Opens (creating 0600) a database file, or an in-memory one. secure_delete makes SQLite zero the
 * bytes of what it deletes or rewrites, so a replaced plaintext password does not linger in a
 * free block of the file.
 */
export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') {
    preparePrivateDatabase(path);
  }
  const db = new Database(path);
  db.pragma('secure_delete = ON');
  return db;
}

/** After a migration rewrote secrets: copy the WAL into the database and empty it, so its old frames go. */
export function forgetOldPages(db: Database.Database): void {
  if (db.name !== ':memory:') {
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
