// The INVITE dialogs of our plays (issue #20 point 4): written when a device accepts an INVITE,
// removed when the dialog ends. After a kill -9 what is left here are the dialogs the restart
// orphaned: the devices still stream into ports nobody reads, and the gateway sends each a BYE
// built from what is stored (RFC 3261 §12.2.1.1: Call-ID, tags, a higher CSeq, the route set,
// the remote target). Same SQLite file as the device store; tests pass ':memory:'.
import type Database from 'better-sqlite3';
import type { MediaTransportName, SipTransportName } from './device-store.js';
import { openDatabase } from './database-file.js';

export interface PlayDialogRecord {
  callId: string;
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: 'live' | 'playback' | 'download';
  localTag: string;
  remoteTag: string;
  /** Our side and theirs as name-addrs without tags (From and To of our requests). */
  localUri: string;
  remoteUri: string;
  /** Request-URI of in-dialog requests (the device's Contact, at where it was seen). */
  remoteTarget: string;
  /** The last CSeq we used in the dialog; a BYE uses a higher one. */
  localCSeq: number;
  /** Record-Route of the 2xx, reversed (RFC 3261 §12.1.2); GB28181 devices send none. */
  routeSet: string[];
  /** Where the device was when the dialog began. */
  remote: { transport: SipTransportName; address: string; port: number };
  mediaTransport: MediaTransportName;
  /** Our receive port for its media, kept away from new streams until the BYE is through. */
  mediaPort: number;
  /** The y= SSRC (10 digits). */
  ssrc: string;
  createdAt: string;
}

export interface PlayDialogStore {
  /** Insert or replace (a CSeq moved on). */
  put(record: PlayDialogRecord): void;
  delete(callId: string): void;
  list(): PlayDialogRecord[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS play_dialogs (
  call_id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
`;

/**
 * One row per dialog, the record as JSON: the dialog is only ever read back whole, to end it, so
 * there is nothing to query by column.
 */
export class SqlitePlayDialogStore implements PlayDialogStore {
  readonly #db: Database.Database;
  readonly #put: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(path: string) {
    this.#db = openDatabase(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#put = this.#db.prepare(
      'INSERT INTO play_dialogs (call_id, record) VALUES (?, ?) ON CONFLICT(call_id) DO UPDATE SET record = excluded.record',
    );
    this.#delete = this.#db.prepare('DELETE FROM play_dialogs WHERE call_id = ?');
  }

  put(record: PlayDialogRecord): void {
    this.#put.run(record.callId, JSON.stringify(record));
  }

  delete(callId: string): void {
    this.#delete.run(callId);
  }

  list(): PlayDialogRecord[] {
    const rows = this.#db.prepare('SELECT record FROM play_dialogs').all() as { record: string }[];
    const out: PlayDialogRecord[] = [];
    for (const r of rows) {
      try {
        out.push(JSON.parse(r.record) as PlayDialogRecord);
      } catch {
        // A row no version of ours wrote: nothing to end.
      }
    }
    return out;
  }

  close(): void {
    if (this.#db.open) {
      this.#db.close();
    }
  }
}
