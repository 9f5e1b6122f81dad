// What the gateway learned about how each device takes a voice broadcast (docs/voice.md §2):
// the payload form it was answered with, whom its INVITE addressed and the media transport it
// asked for. The next broadcast reuses them: the same form when the device offers both again, and
// the gateway's own ID as SourceID for a device that INVITEs that ID whatever the notify said.
// Same SQLite file as the device store, its own table; tests pass ':memory:'. In a cluster the
// signalling node that runs the talk keeps this in its local file (not mirrored to Redis).
import Database from 'better-sqlite3';

export interface VoiceFormRecord {
  deviceId: string;
  form: 'rtp' | 'ps';
  addressing: 'source' | 'gateway';
  transport: 'udp' | 'tcp-passive' | 'tcp-active';
  updatedAt: string;
}

export interface VoiceStore {
  getForm(deviceId: string): VoiceFormRecord | undefined;
  putForm(record: VoiceFormRecord): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS voice_forms (
  device_id TEXT PRIMARY KEY,
  form TEXT NOT NULL, addressing TEXT NOT NULL, transport TEXT NOT NULL, updated_at TEXT NOT NULL
);
`;

interface Row {
  device_id: string;
  form: VoiceFormRecord['form'];
  addressing: VoiceFormRecord['addressing'];
  transport: VoiceFormRecord['transport'];
  updated_at: string;
}

export class SqliteVoiceStore implements VoiceStore {
  readonly #db: Database.Database;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
  }

  getForm(deviceId: string): VoiceFormRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM voice_forms WHERE device_id = ?').get(deviceId) as
      Row | undefined;
    return row
      ? {
          deviceId: row.device_id,
          form: row.form,
          addressing: row.addressing,
          transport: row.transport,
          updatedAt: row.updated_at,
        }
      : undefined;
  }

  putForm(r: VoiceFormRecord): void {
    this.#db
      .prepare(
        `INSERT INTO voice_forms (device_id, form, addressing, transport, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(device_id) DO UPDATE SET form = excluded.form, addressing = excluded.addressing,
           transport = excluded.transport, updated_at = excluded.updated_at`,
      )
      .run(r.deviceId, r.form, r.addressing, r.transport, r.updatedAt);
  }

  close(): void {
    this.#db.close();
  }
}
