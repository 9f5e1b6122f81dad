// Stored MobilePosition reports (GB/T 28181-2016 §9.11.2, docs/gb28181.md §9): a track per channel
// (every report, swept by age and row count) and the latest report per channel. A report keeps
// what the device sent: missing coordinates are null, a 0 stays 0 (docs/events.md §3).
import { deleteOldestBatch, type EventsDb } from './events-db.js';

/** One report as stored and shown (docs/api.md; the API's PositionRecord). */
export interface PositionRecord {
  deviceId: string;
  channelId: string;
  /** The device's Time as ISO 8601; null when absent or unreadable. */
  time: string | null;
  longitude: number | null;
  latitude: number | null;
  /** km/h */
  speed: number | null;
  /** Degrees clockwise from north. */
  direction: number | null;
  /** Metres. */
  altitude: number | null;
  receivedAt: string;
}

const COLUMNS = `device_id TEXT NOT NULL, channel_id TEXT NOT NULL,
  time TEXT, t_ms INTEGER NOT NULL,
  longitude REAL, latitude REAL, speed REAL, direction REAL, altitude REAL,
  received_at TEXT NOT NULL, received_ms INTEGER NOT NULL`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS positions (id INTEGER PRIMARY KEY AUTOINCREMENT, ${COLUMNS});
CREATE INDEX IF NOT EXISTS positions_track ON positions (device_id, channel_id, t_ms);
CREATE INDEX IF NOT EXISTS positions_received ON positions (received_ms);
CREATE TABLE IF NOT EXISTS latest_positions (${COLUMNS}, PRIMARY KEY (device_id, channel_id));
`;

interface PositionRow {
  device_id: string;
  channel_id: string;
  time: string | null;
  longitude: number | null;
  latitude: number | null;
  speed: number | null;
  direction: number | null;
  altitude: number | null;
  received_at: string;
}

const toView = (r: PositionRow): PositionRecord => ({
  deviceId: r.device_id,
  channelId: r.channel_id,
  time: r.time,
  longitude: r.longitude,
  latitude: r.latitude,
  speed: r.speed,
  direction: r.direction,
  altitude: r.altitude,
  receivedAt: r.received_at,
});

export interface PositionStore {
  insert(input: PositionRecord): void;
  /** The newest report per channel (by the device's time, else arrival). */
  latest(): PositionRecord[];
  latestOf(deviceId: string, channelId: string): PositionRecord | undefined;
  /** The channel's reports with a time (device time, else arrival) in [startMs, endMs], oldest first. */
  track(deviceId: string, channelId: string, startMs: number, endMs: number, limit: number): PositionRecord[];
  sweepBatch(opts: { beforeMs: number; maxRows: number; batch: number }): number;
}

const VALUES = `(@deviceId, @channelId, @time, @tMs, @longitude, @latitude, @speed, @direction, @altitude,
  @receivedAt, @receivedMs)`;
const NAMES = `(device_id, channel_id, time, t_ms, longitude, latitude, speed, direction, altitude,
  received_at, received_ms)`;

export class SqlitePositionStore implements PositionStore {
  readonly #db: EventsDb;
  readonly #track;
  readonly #write;

  constructor(db: EventsDb) {
    this.#db = db;
    db.exec(SCHEMA);
    const insert = db.prepare(`INSERT INTO positions ${NAMES} VALUES ${VALUES}`);
    // A report older than the one held (UDP reordering, a device replaying its buffer) joins the
    // track but does not move the latest position back.
    const latest = db.prepare(`
      INSERT INTO latest_positions ${NAMES} VALUES ${VALUES}
      ON CONFLICT (device_id, channel_id) DO UPDATE SET
        time = excluded.time, t_ms = excluded.t_ms, longitude = excluded.longitude,
        latitude = excluded.latitude, speed = excluded.speed, direction = excluded.direction,
        altitude = excluded.altitude, received_at = excluded.received_at, received_ms = excluded.received_ms
      WHERE excluded.t_ms >= latest_positions.t_ms`);
    this.#write = db.transaction((row: Record<string, unknown>) => {
      insert.run(row);
      latest.run(row);
    });
    this.#track = db.prepare(`
      SELECT * FROM positions WHERE device_id = ? AND channel_id = ? AND t_ms >= ? AND t_ms <= ?
      ORDER BY t_ms, id LIMIT ?`);
  }

  insert(input: PositionRecord): void {
    const receivedMs = Date.parse(input.receivedAt);
    const timeMs = input.time === null ? NaN : Date.parse(input.time);
    this.#write({ ...input, tMs: Number.isFinite(timeMs) ? timeMs : receivedMs, receivedMs });
  }

  latest(): PositionRecord[] {
    return (
      this.#db.prepare('SELECT * FROM latest_positions ORDER BY device_id, channel_id').all() as PositionRow[]
    ).map(toView);
  }

  latestOf(deviceId: string, channelId: string): PositionRecord | undefined {
    const row = this.#db
      .prepare('SELECT * FROM latest_positions WHERE device_id = ? AND channel_id = ?')
      .get(deviceId, channelId) as PositionRow | undefined;
    return row && toView(row);
  }

  track(
    deviceId: string,
    channelId: string,
    startMs: number,
    endMs: number,
    limit: number,
  ): PositionRecord[] {
    return (this.#track.all(deviceId, channelId, startMs, endMs, limit) as PositionRow[]).map(toView);
  }

  sweepBatch(opts: { beforeMs: number; maxRows: number; batch: number }): number {
    return deleteOldestBatch(this.#db, 'positions', opts);
  }
}
