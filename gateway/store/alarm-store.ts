// Stored alarms (GB/T 28181-2016 §9.4, docs/gb28181.md §9): one row per (device, SN) within the
// deduplication window, newest first, acknowledged by operators, swept by age and row count
// (events-db.ts deleteOldestBatch). The alarmId is the row's AUTOINCREMENT id as a string, so
// `before=<alarmId>` pages newest-first without a second index.
import { deleteOldestBatch, type EventsDb } from './events-db.js';

/** An alarm as stored and shown (docs/api.md; the API's AlarmRecord). */
export interface AlarmRecord {
  alarmId: string;
  /** The registered device that reported it (SIP From). */
  deviceId: string;
  /** The body's DeviceID: the channel or alarm input that raised it (the device's own ID for device-wide alarms). */
  channelId: string;
  /** 1 (highest) - 4; null when the device left it out. */
  priority: number | null;
  /** 1 telephone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other (docs/gb28181.md §9). */
  method: number | null;
  /** AlarmType within the method (docs/gb28181.md §9). */
  type: number | null;
  /** The device's AlarmTime (its wall clock in the configured zone) as ISO 8601; null when absent or unreadable. */
  time: string | null;
  description: string | null;
  longitude: number | null;
  latitude: number | null;
  acknowledged: boolean;
  receivedAt: string;
  /** The MANSCDP SN: with the device, the deduplication key (docs/events.md §2). */
  sn: string;
  acknowledgedAt: string | null;
}

/** An alarm as the upper platform read it, before it is stored. */
export type AlarmInput = Omit<AlarmRecord, 'alarmId' | 'acknowledged' | 'acknowledgedAt'>;

export interface AlarmFilter {
  deviceId?: string;
  channelId?: string;
  since?: Date;
  until?: Date;
  priority?: number;
  type?: number;
  acknowledged?: boolean;
  limit: number;
  /** An alarmId: only alarms older than it (paging, newest first). */
  before?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  sn TEXT NOT NULL,
  priority INTEGER, method INTEGER, type INTEGER,
  time TEXT, t_ms INTEGER NOT NULL,
  description TEXT, longitude REAL, latitude REAL,
  acknowledged_at TEXT,
  received_at TEXT NOT NULL, received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_device_sn ON alarms (device_id, sn);
CREATE INDEX IF NOT EXISTS alarms_received ON alarms (received_ms);
CREATE INDEX IF NOT EXISTS alarms_device ON alarms (device_id, channel_id);
`;

interface AlarmRow {
  id: number;
  device_id: string;
  channel_id: string;
  sn: string;
  priority: number | null;
  method: number | null;
  type: number | null;
  time: string | null;
  description: string | null;
  longitude: number | null;
  latitude: number | null;
  acknowledged_at: string | null;
  received_at: string;
}

const toView = (r: AlarmRow): AlarmRecord => ({
  alarmId: String(r.id),
  deviceId: r.device_id,
  channelId: r.channel_id,
  priority: r.priority,
  method: r.method,
  type: r.type,
  time: r.time,
  description: r.description,
  longitude: r.longitude,
  latitude: r.latitude,
  acknowledged: r.acknowledged_at !== null,
  receivedAt: r.received_at,
  sn: r.sn,
  acknowledgedAt: r.acknowledged_at,
});

export interface AlarmStore {
  /**
   * Stores the alarm unless the device sent this SN within `dedupWindowMs` before it (a
   * retransmission with a new Call-ID, or the same alarm as MESSAGE and as NOTIFY); undefined then.
   */
  insert(input: AlarmInput, dedupWindowMs: number): AlarmRecord | undefined;
  get(alarmId: string): AlarmRecord | undefined;
  list(query: AlarmFilter): AlarmRecord[];
  /** Sets acknowledgedAt once; the first acknowledgement's time is kept. Undefined when unknown. */
  acknowledge(alarmId: string, at: string): AlarmRecord | undefined;
  /** One batch of retention (events-db.ts deleteOldestBatch). */
  sweepBatch(opts: { beforeMs: number; maxRows: number; batch: number }): number;
  count(): number;
}

export class SqliteAlarmStore implements AlarmStore {
  readonly #db: EventsDb;
  readonly #insert;
  readonly #seen;
  readonly #get;

  constructor(db: EventsDb) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#insert = db.prepare(`
      INSERT INTO alarms (device_id, channel_id, sn, priority, method, type, time, t_ms, description,
        longitude, latitude, received_at, received_ms)
      VALUES (@deviceId, @channelId, @sn, @priority, @method, @type, @time, @tMs, @description,
        @longitude, @latitude, @receivedAt, @receivedMs)`);
    this.#seen = db.prepare(
      'SELECT 1 FROM alarms WHERE device_id = ? AND sn = ? AND received_ms >= ? LIMIT 1',
    );
    this.#get = db.prepare('SELECT * FROM alarms WHERE id = ?');
  }

  insert(input: AlarmInput, dedupWindowMs: number): AlarmRecord | undefined {
    const receivedMs = Date.parse(input.receivedAt);
    if (this.#seen.get(input.deviceId, input.sn, receivedMs - dedupWindowMs)) {
      return undefined;
    }
    const timeMs = input.time === null ? NaN : Date.parse(input.time);
    const { lastInsertRowid } = this.#insert.run({
      ...input,
      tMs: Number.isFinite(timeMs) ? timeMs : receivedMs,
      receivedMs,
    });
    return {
      ...input,
      alarmId: String(lastInsertRowid),
      acknowledged: false,
      acknowledgedAt: null,
    };
  }

  get(alarmId: string): AlarmRecord | undefined {
    if (!/^\d{1,15}$/.test(alarmId)) {
      return undefined;
    }
    const row = this.#get.get(Number(alarmId)) as AlarmRow | undefined;
    return row && toView(row);
  }

  list(q: AlarmFilter): AlarmRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      args.push(value);
    };
    if (q.deviceId !== undefined) {
      add('device_id = ?', q.deviceId);
    }
    if (q.channelId !== undefined) {
      add('channel_id = ?', q.channelId);
    }
    if (q.since !== undefined) {
      add('t_ms >= ?', q.since.getTime());
    }
    if (q.until !== undefined) {
      add('t_ms <= ?', q.until.getTime());
    }
    if (q.priority !== undefined) {
      add('priority = ?', q.priority);
    }
    if (q.type !== undefined) {
      add('type = ?', q.type);
    }
    if (q.acknowledged !== undefined) {
      where.push(q.acknowledged ? 'acknowledged_at IS NOT NULL' : 'acknowledged_at IS NULL');
    }
    if (q.before !== undefined) {
      add('id < ?', Number(q.before));
    }
    const sql = `SELECT * FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, q.limit) as AlarmRow[]).map(toView);
  }

  acknowledge(alarmId: string, at: string): AlarmRecord | undefined {
    if (!/^\d{1,15}$/.test(alarmId)) {
      return undefined;
    }
    this.#db
      .prepare('UPDATE alarms SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL')
      .run(at, Number(alarmId));
    return this.get(alarmId);
  }

  sweepBatch(opts: { beforeMs: number; maxRows: number; batch: number }): number {
    return deleteOldestBatch(this.#db, 'alarms', opts);
  }

  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM alarms').get() as { n: number }).n;
  }
}
