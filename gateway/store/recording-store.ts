// The cloud-recording index and the per-channel recording plans (docs/recording.md §2). One row
// per file: the channel, the wall-clock span it covers, its size, its path under the recordings
// dir and why it was recorded. A row is 'open' while its file is written; the files are the
// truth, and the recorder reconciles this table with them at start (§3). Same SQLite file as the
// device store, its own tables; tests pass ':memory:'. In a cluster each node records what it
// receives and keeps its own index (recordings are files on that node's disk).
import Database from 'better-sqlite3';

export type RecordingReason = 'always' | 'schedule' | 'alarm' | 'manual';
export type RecordingMode = 'off' | 'always' | 'schedule' | 'alarm';

export interface ScheduleRange {
  /** 0 Sunday … 6 Saturday, in the gateway's time zone. */
  day: number;
  /** "HH:MM"; end after start (a range across midnight is two ranges). */
  start: string;
  end: string;
}

export interface RecordingPlan {
  mode: RecordingMode;
  schedule: ScheduleRange[];
  preAlarmSec: number;
  postAlarmSec: number;
  /** 0: kept until the quota or the free-space floor needs the room. */
  retentionDays: number;
}

export const DEFAULT_PLAN: RecordingPlan = {
  mode: 'off',
  schedule: [],
  preAlarmSec: 10,
  postAlarmSec: 30,
  retentionDays: 0,
};

export interface RecordingRow {
  recordingId: string;
  deviceId: string;
  channelId: string;
  startMs: number;
  endMs: number;
  bytes: number;
  /** Relative to the recordings dir. */
  file: string;
  reason: RecordingReason;
  open: boolean;
}

export type NewRecording = Omit<RecordingRow, 'recordingId'>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recordings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL, channel_id TEXT NOT NULL,
  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, bytes INTEGER NOT NULL,
  file TEXT NOT NULL UNIQUE, reason TEXT NOT NULL, open INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_channel_time ON recordings (device_id, channel_id, start_ms);
CREATE TABLE IF NOT EXISTS recording_plans (
  device_id TEXT NOT NULL, channel_id TEXT NOT NULL, plan TEXT NOT NULL,
  PRIMARY KEY (device_id, channel_id)
);
`;

interface Row {
  id: number;
  device_id: string;
  channel_id: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  file: string;
  reason: RecordingReason;
  open: number;
}

const rowOf = (r: Row): RecordingRow => ({
  recordingId: String(r.id),
  deviceId: r.device_id,
  channelId: r.channel_id,
  startMs: r.start_ms,
  endMs: r.end_ms,
  bytes: r.bytes,
  file: r.file,
  reason: r.reason,
  open: r.open === 1,
});

export class SqliteRecordingStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #progress: Database.Statement;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare(
      `INSERT INTO recordings (device_id, channel_id, start_ms, end_ms, bytes, file, reason, open)
       VALUES (@deviceId, @channelId, @startMs, @endMs, @bytes, @file, @reason, @open)`,
    );
    this.#progress = this.#db.prepare('UPDATE recordings SET end_ms = ?, bytes = ?, open = ? WHERE id = ?');
  }

  add(r: NewRecording): RecordingRow {
    const info = this.#insert.run({ ...r, open: r.open ? 1 : 0 });
    return { ...r, recordingId: String(info.lastInsertRowid) };
  }

  /** The file grew (or was closed, or cut back by the reconciliation). */
  update(recordingId: string, endMs: number, bytes: number, open: boolean): void {
    this.#progress.run(endMs, bytes, open ? 1 : 0, Number(recordingId));
  }

  remove(recordingId: string): void {
    this.#db.prepare('DELETE FROM recordings WHERE id = ?').run(Number(recordingId));
  }

  get(recordingId: string): RecordingRow | undefined {
    if (!/^\d{1,15}$/.test(recordingId)) {
      return undefined;
    }
    const r = this.#db.prepare('SELECT * FROM recordings WHERE id = ?').get(Number(recordingId)) as
      Row | undefined;
    return r ? rowOf(r) : undefined;
  }

  /** Rows that overlap [startMs, endMs), oldest first; all channels when deviceId is absent. */
  list(q: {
    deviceId?: string;
    channelId?: string;
    startMs?: number;
    endMs?: number;
    limit?: number;
  }): RecordingRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.deviceId !== undefined) {
      where.push('device_id = ?');
      args.push(q.deviceId);
    }
    if (q.channelId !== undefined) {
      where.push('channel_id = ?');
      args.push(q.channelId);
    }
    if (q.startMs !== undefined) {
      where.push('end_ms > ?');
      args.push(q.startMs);
    }
    if (q.endMs !== undefined) {
      where.push('start_ms < ?');
      args.push(q.endMs);
    }
    const sql = `SELECT * FROM recordings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY start_ms, id LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, q.limit ?? 100_000) as Row[]).map(rowOf);
  }

  /** Every row, oldest first (retention, reconciliation). */
  all(): RecordingRow[] {
    return (this.#db.prepare('SELECT * FROM recordings ORDER BY start_ms, id').all() as Row[]).map(rowOf);
  }

  getPlan(deviceId: string, channelId: string): RecordingPlan | undefined {
    const r = this.#db
      .prepare('SELECT plan FROM recording_plans WHERE device_id = ? AND channel_id = ?')
      .get(deviceId, channelId) as { plan: string } | undefined;
    return r ? { ...DEFAULT_PLAN, ...(JSON.parse(r.plan) as RecordingPlan) } : undefined;
  }

  putPlan(deviceId: string, channelId: string, plan: RecordingPlan): void {
    this.#db
      .prepare(
        `INSERT INTO recording_plans (device_id, channel_id, plan) VALUES (?, ?, ?)
         ON CONFLICT (device_id, channel_id) DO UPDATE SET plan = excluded.plan`,
      )
      .run(deviceId, channelId, JSON.stringify(plan));
  }

  plans(): { deviceId: string; channelId: string; plan: RecordingPlan }[] {
    return (
      this.#db.prepare('SELECT device_id, channel_id, plan FROM recording_plans').all() as {
        device_id: string;
        channel_id: string;
        plan: string;
      }[]
    ).map((r) => ({
      deviceId: r.device_id,
      channelId: r.channel_id,
      plan: { ...DEFAULT_PLAN, ...(JSON.parse(r.plan) as RecordingPlan) },
    }));
  }

  close(): void {
    this.#db.close();
  }
}
