// DeviceStore on better-sqlite3 in the data dir (WAL, so a kill -9 loses at most the
// transaction in flight). Tests pass ':memory:'. The database file is 0600 and per-device
// passwords are sealed with the data dir's storage key (secret-box.ts).
import type Database from 'better-sqlite3';
import { CHARSET_SETTINGS, GB_EDITIONS, LIVE_STREAMS, STREAM_SELECTIONS } from '../device-settings.js';
import { forgetOldPages, openDatabase, storeSecretBox, type SqliteStoreOptions } from './database-file.js';
import { SecretBox } from './secret-box.js';
import type {
  ChannelInput,
  ChannelRecord,
  DevicePatch,
  DeviceRecord,
  DeviceStore,
  MediaTransportName,
} from './device-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  name TEXT, manufacturer TEXT, model TEXT, firmware TEXT,
  transport TEXT NOT NULL DEFAULT 'udp',
  remote_address TEXT, remote_port INTEGER,
  online INTEGER NOT NULL DEFAULT 0,
  registered_at TEXT, last_keepalive_at TEXT,
  expires_sec INTEGER NOT NULL DEFAULT 3600,
  charset TEXT NOT NULL DEFAULT 'GB2312',
  media_transport TEXT,
  password TEXT,
  expires_at TEXT,
  call_id TEXT,
  charset_mode TEXT NOT NULL DEFAULT 'auto',
  transport_preference TEXT,
  media_ip TEXT,
  default_stream TEXT NOT NULL DEFAULT 'main',
  stream_selection TEXT NOT NULL DEFAULT 'all',
  gb_version TEXT,
  heartbeat_interval_sec INTEGER,
  heartbeat_count INTEGER
);
CREATE TABLE IF NOT EXISTS channels (
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  channel_id TEXT NOT NULL,
  name TEXT, manufacturer TEXT, model TEXT, parent_id TEXT, civil_code TEXT, business_group_id TEXT,
  address TEXT, status TEXT NOT NULL DEFAULT 'ON', longitude TEXT, latitude TEXT, ptz_type TEXT,
  parental INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (device_id, channel_id)
);
`;

/** Columns added after the first release: ALTER TABLE for data dirs created before them. */
const ADDED_DEVICE_COLUMNS: readonly [name: string, type: string][] = [
  ['expires_at', 'TEXT'],
  ['call_id', 'TEXT'],
  ['charset_mode', "TEXT NOT NULL DEFAULT 'auto'"],
  ['transport_preference', 'TEXT'],
  ['media_ip', 'TEXT'],
  ['default_stream', "TEXT NOT NULL DEFAULT 'main'"],
  ['stream_selection', "TEXT NOT NULL DEFAULT 'all'"],
  ['gb_version', 'TEXT'],
  ['heartbeat_interval_sec', 'INTEGER'],
  ['heartbeat_count', 'INTEGER'],
];

interface DeviceRow {
  device_id: string;
  name: string | null;
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  transport: string;
  remote_address: string | null;
  remote_port: number | null;
  online: number;
  registered_at: string | null;
  last_keepalive_at: string | null;
  expires_sec: number;
  charset: string;
  media_transport: string | null;
  password: string | null;
  expires_at: string | null;
  call_id: string | null;
  charset_mode: string;
  transport_preference: string | null;
  media_ip: string | null;
  default_stream: string;
  stream_selection: string;
  gb_version: string | null;
  heartbeat_interval_sec: number | null;
  heartbeat_count: number | null;
}

interface ChannelRow {
  device_id: string;
  channel_id: string;
  name: string | null;
  manufacturer: string | null;
  model: string | null;
  parent_id: string | null;
  civil_code: string | null;
  business_group_id: string | null;
  address: string | null;
  status: string;
  longitude: string | null;
  latitude: string | null;
  ptz_type: string | null;
  parental: number;
  updated_at: string;
}

const deviceColumns: Record<keyof DevicePatch, keyof DeviceRow> = {
  name: 'name',
  manufacturer: 'manufacturer',
  model: 'model',
  firmware: 'firmware',
  transport: 'transport',
  remoteAddress: 'remote_address',
  remotePort: 'remote_port',
  online: 'online',
  registeredAt: 'registered_at',
  lastKeepaliveAt: 'last_keepalive_at',
  expiresSec: 'expires_sec',
  charset: 'charset',
  mediaTransport: 'media_transport',
  password: 'password',
  expiresAt: 'expires_at',
  callId: 'call_id',
  charsetMode: 'charset_mode',
  transportPreference: 'transport_preference',
  mediaIp: 'media_ip',
  defaultStream: 'default_stream',
  streamSelection: 'stream_selection',
  gbVersion: 'gb_version',
  heartbeatIntervalSec: 'heartbeat_interval_sec',
  heartbeatCount: 'heartbeat_count',
};

/** A stored text that must be one of `values`; anything else (a hand-edited row) reads as `fallback`. */
function oneOf<T extends string>(values: readonly T[], text: string | null, fallback: T): T;
function oneOf<T extends string>(values: readonly T[], text: string | null, fallback: null): T | null;
function oneOf<T extends string>(values: readonly T[], text: string | null, fallback: T | null): T | null {
  return values.find((v) => v === text) ?? fallback;
}

const MEDIA_TRANSPORTS: readonly MediaTransportName[] = ['udp', 'tcp-passive', 'tcp-active'];

/** Where a device's password is stored, as the sealed value's associated data. */
const passwordContext = (deviceId: string): string => `devices.password:${deviceId}`;

const toDevice = (r: DeviceRow, box: SecretBox): DeviceRecord => ({
  deviceId: r.device_id,
  name: r.name,
  manufacturer: r.manufacturer,
  model: r.model,
  firmware: r.firmware,
  transport: r.transport === 'tcp' ? 'tcp' : 'udp',
  remoteAddress: r.remote_address,
  remotePort: r.remote_port,
  online: r.online === 1,
  registeredAt: r.registered_at,
  lastKeepaliveAt: r.last_keepalive_at,
  expiresSec: r.expires_sec,
  charset: r.charset,
  mediaTransport: oneOf(MEDIA_TRANSPORTS, r.media_transport, null),
  password: r.password === null ? null : box.open(r.password, passwordContext(r.device_id)),
  expiresAt: r.expires_at,
  callId: r.call_id,
  charsetMode: oneOf(CHARSET_SETTINGS, r.charset_mode, 'auto'),
  transportPreference: oneOf(MEDIA_TRANSPORTS, r.transport_preference, null),
  mediaIp: r.media_ip,
  defaultStream: oneOf(LIVE_STREAMS, r.default_stream, 'main'),
  streamSelection: oneOf(STREAM_SELECTIONS, r.stream_selection, 'all'),
  gbVersion: oneOf(GB_EDITIONS, r.gb_version, null),
  heartbeatIntervalSec: r.heartbeat_interval_sec,
  heartbeatCount: r.heartbeat_count,
});

const toChannel = (r: ChannelRow): ChannelRecord => ({
  deviceId: r.device_id,
  channelId: r.channel_id,
  name: r.name,
  manufacturer: r.manufacturer,
  model: r.model,
  parentId: r.parent_id,
  civilCode: r.civil_code,
  businessGroupId: r.business_group_id,
  address: r.address,
  status: r.status === 'OFF' ? 'OFF' : 'ON',
  longitude: r.longitude,
  latitude: r.latitude,
  ptzType: r.ptz_type,
  parental: r.parental === 1,
  updatedAt: r.updated_at,
});

export class SqliteDeviceStore implements DeviceStore {
  private readonly db: Database.Database;
  private readonly box: SecretBox;
  private readonly upsertChannelStmt: Database.Statement;
  /** Prepared device statements by SQL text (prepare() costs more than the write it serves). */
  private readonly deviceStmts = new Map<string, Database.Statement>();

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.box = storeSecretBox(path, opts);
    this.db = openDatabase(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const present = new Set(
      (this.db.prepare('PRAGMA table_info(devices)').all() as { name: string }[]).map((c) => c.name),
    );
    for (const [name, type] of ADDED_DEVICE_COLUMNS) {
      if (!present.has(name)) {
        this.db.exec(`ALTER TABLE devices ADD COLUMN ${name} ${type}`);
      }
    }
    this.sealPlaintextPasswords();
    this.upsertChannelStmt = this.db.prepare(`
      INSERT INTO channels (device_id, channel_id, name, manufacturer, model, parent_id, civil_code, business_group_id,
        address, status, longitude, latitude, ptz_type, parental, updated_at)
      VALUES (@deviceId, @channelId, @name, @manufacturer, @model, @parentId, @civilCode, @businessGroupId,
        @address, @status, @longitude, @latitude, @ptzType, @parental, @updatedAt)
      ON CONFLICT (device_id, channel_id) DO UPDATE SET
        name = excluded.name, manufacturer = excluded.manufacturer, model = excluded.model,
        parent_id = excluded.parent_id, civil_code = excluded.civil_code, business_group_id = excluded.business_group_id,
        address = excluded.address, status = excluded.status, longitude = excluded.longitude,
        latitude = excluded.latitude, ptz_type = excluded.ptz_type, parental = excluded.parental,
        updated_at = excluded.updated_at`);
  }

  getDevice(deviceId: string): DeviceRecord | undefined {
    const row = this.deviceStmt('SELECT * FROM devices WHERE device_id = ?').get(deviceId) as
      DeviceRow | undefined;
    return row && toDevice(row, this.box);
  }

  listDevices(): DeviceRecord[] {
    return (this.db.prepare('SELECT * FROM devices ORDER BY device_id').all() as DeviceRow[]).map((r) =>
      toDevice(r, this.box),
    );
  }

  upsertDevice(deviceId: string, patch: DevicePatch): DeviceRecord {
    this.db.transaction(() => this.patchDevice(deviceId, patch))();
    return this.getDevice(deviceId)!;
  }

  upsertDevices(entries: Iterable<readonly [deviceId: string, patch: DevicePatch]>): void {
    this.db.transaction(() => {
      for (const [deviceId, patch] of entries) {
        this.patchDevice(deviceId, patch);
      }
    })();
  }

  private patchDevice(deviceId: string, patch: DevicePatch): void {
    this.deviceStmt('INSERT OR IGNORE INTO devices (device_id) VALUES (?)').run(deviceId);
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof DevicePatch, unknown][]) {
      if (value === undefined) {
        continue;
      }
      sets.push(`${deviceColumns[key]} = ?`);
      if (key === 'password' && typeof value === 'string') {
        values.push(this.box.seal(value, passwordContext(deviceId)));
      } else {
        values.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
    }
    if (sets.length > 0) {
      this.deviceStmt(`UPDATE devices SET ${sets.join(', ')} WHERE device_id = ?`).run(...values, deviceId);
    }
  }

  /** Migration: rows written before passwords were sealed get sealed now, in one transaction. */
  private sealPlaintextPasswords(): void {
    const rows = (
      this.db.prepare('SELECT device_id, password FROM devices WHERE password IS NOT NULL').all() as {
        device_id: string;
        password: string;
      }[]
    ).filter((r) => !SecretBox.isSealed(r.password));
    if (rows.length === 0) {
      return;
    }
    const update = this.db.prepare('UPDATE devices SET password = ? WHERE device_id = ?');
    this.db.transaction(() => {
      for (const r of rows) {
        update.run(this.box.seal(r.password, passwordContext(r.device_id)), r.device_id);
      }
    })();
    forgetOldPages(this.db);
  }

  /** Column names come from deviceColumns only, so the number of distinct statements is bounded. */
  private deviceStmt(sql: string): Database.Statement {
    let stmt = this.deviceStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.deviceStmts.set(sql, stmt);
    }
    return stmt;
  }

  deleteDevice(deviceId: string): void {
    this.db.prepare('DELETE FROM devices WHERE device_id = ?').run(deviceId);
  }

  markAllOffline(): void {
    this.db.prepare('UPDATE devices SET online = 0').run();
  }

  listChannels(deviceId: string): ChannelRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM channels WHERE device_id = ? ORDER BY channel_id')
        .all(deviceId) as ChannelRow[]
    ).map(toChannel);
  }

  getChannel(deviceId: string, channelId: string): ChannelRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM channels WHERE device_id = ? AND channel_id = ?')
      .get(deviceId, channelId) as ChannelRow | undefined;
    return row && toChannel(row);
  }

  countChannels(deviceId: string): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM channels WHERE device_id = ?').get(deviceId) as { n: number }
    ).n;
  }

  replaceChannels(deviceId: string, channels: readonly ChannelInput[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO devices (device_id) VALUES (?)').run(deviceId);
      this.db.prepare('DELETE FROM channels WHERE device_id = ?').run(deviceId);
      this.writeChannels(deviceId, channels);
    })();
  }

  upsertChannels(deviceId: string, channels: readonly ChannelInput[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO devices (device_id) VALUES (?)').run(deviceId);
      this.writeChannels(deviceId, channels);
    })();
  }

  setChannelStatus(deviceId: string, channelId: string, status: 'ON' | 'OFF'): boolean {
    const info = this.db
      .prepare('UPDATE channels SET status = ?, updated_at = ? WHERE device_id = ? AND channel_id = ?')
      .run(status, new Date().toISOString(), deviceId, channelId);
    return info.changes > 0;
  }

  deleteChannel(deviceId: string, channelId: string): boolean {
    return (
      this.db.prepare('DELETE FROM channels WHERE device_id = ? AND channel_id = ?').run(deviceId, channelId)
        .changes > 0
    );
  }

  close(): void {
    if (this.db.open) {
      this.db.close();
    }
  }

  private writeChannels(deviceId: string, channels: readonly ChannelInput[]): void {
    const updatedAt = new Date().toISOString();
    for (const c of channels) {
      this.upsertChannelStmt.run({ ...c, deviceId, parental: c.parental ? 1 : 0, updatedAt });
    }
  }
}
