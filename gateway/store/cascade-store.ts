// What the gateway remembers about its own upper platforms (cascade, GB/T 28181-2016 §5.2
// 平台互联): how to reach and register with each one, and which of our channels are shared to it
// (sharing relations, kept in the local database as the standard's lower platform does). Lives in
// the same SQLite file as the device store, in its own tables. Tests pass ':memory:'. Passwords
// are sealed with the data dir's storage key (secret-box.ts).
import type Database from 'better-sqlite3';
import { SecretBox } from './secret-box.js';
import { forgetOldPages, openDatabase, storeSecretBox, type SqliteStoreOptions } from './database-file.js';

export type CascadeTransport = 'udp' | 'tcp';
export type CascadeCharset = 'GB2312' | 'GBK' | 'GB18030' | 'UTF-8';

/** One upper platform we register to, with every default already applied. */
export interface UpperPlatformRecord {
  /** The upper's 20-digit SIP ID; the key. */
  id: string;
  name: string | null;
  /** SIP domain / digest realm of the upper (10 digits, sometimes 8). */
  realm: string;
  host: string;
  port: number;
  transport: CascadeTransport;
  password: string;
  /** The ID we present upward; null = the gateway's own SIP ID. */
  localId: string | null;
  keepaliveIntervalSec: number;
  /** Unanswered keepalives before the link counts as lost and we register again. */
  keepaliveMaxMisses: number;
  expiresSec: number;
  registerTimeoutSec: number;
  charset: CascadeCharset;
  enabled: boolean;
}

/**
 * One sharing relation. `device`: every camera channel of one of our devices. `channel`: one
 * channel, optionally under another ID and name upward. `group` / `organisation`: a node of a
 * virtual directory with our own IDs (type 215 business group, 216 virtual organisation;
 * docs/gb28181.md §3.4) that shared channels can hang below through `parentId`.
 */
export type ShareEntry =
  | { type: 'device'; deviceId: string; parentId?: string }
  | { type: 'channel'; deviceId: string; channelId: string; asId?: string; name?: string; parentId?: string }
  | { type: 'group'; id: string; name: string }
  | { type: 'organisation'; id: string; name: string; parentId: string };

export interface CascadeStore {
  listUppers(): UpperPlatformRecord[];
  getUpper(id: string): UpperPlatformRecord | undefined;
  /** Insert or replace the platform's settings; its shares are kept. */
  putUpper(record: UpperPlatformRecord): void;
  /** Deletes the platform and its shares. */
  deleteUpper(id: string): boolean;
  /** In the order they were given. */
  listShares(upperId: string): ShareEntry[];
  replaceShares(upperId: string, shares: readonly ShareEntry[]): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cascade_uppers (
  upper_id TEXT PRIMARY KEY,
  name TEXT, realm TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL,
  transport TEXT NOT NULL, password TEXT NOT NULL, local_id TEXT,
  keepalive_interval_sec INTEGER NOT NULL, keepalive_max_misses INTEGER NOT NULL,
  expires_sec INTEGER NOT NULL, register_timeout_sec INTEGER NOT NULL,
  charset TEXT NOT NULL, enabled INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cascade_shares (
  upper_id TEXT NOT NULL REFERENCES cascade_uppers(upper_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  type TEXT NOT NULL,
  device_id TEXT, channel_id TEXT, node_id TEXT, as_id TEXT, name TEXT, parent_id TEXT,
  PRIMARY KEY (upper_id, position)
);
`;

interface UpperRow {
  upper_id: string;
  name: string | null;
  realm: string;
  host: string;
  port: number;
  transport: string;
  password: string;
  local_id: string | null;
  keepalive_interval_sec: number;
  keepalive_max_misses: number;
  expires_sec: number;
  register_timeout_sec: number;
  charset: string;
  enabled: number;
}

interface ShareRow {
  type: string;
  device_id: string | null;
  channel_id: string | null;
  node_id: string | null;
  as_id: string | null;
  name: string | null;
  parent_id: string | null;
}

const CHARSETS: readonly CascadeCharset[] = ['GB2312', 'GBK', 'GB18030', 'UTF-8'];

/** Where an upper platform's password is stored, as the sealed value's associated data. */
const passwordContext = (upperId: string): string => `cascade_uppers.password:${upperId}`;

const toUpper = (r: UpperRow, box: SecretBox): UpperPlatformRecord => ({
  id: r.upper_id,
  name: r.name,
  realm: r.realm,
  host: r.host,
  port: r.port,
  transport: r.transport === 'tcp' ? 'tcp' : 'udp',
  password: box.open(r.password, passwordContext(r.upper_id)),
  localId: r.local_id,
  keepaliveIntervalSec: r.keepalive_interval_sec,
  keepaliveMaxMisses: r.keepalive_max_misses,
  expiresSec: r.expires_sec,
  registerTimeoutSec: r.register_timeout_sec,
  charset: CHARSETS.find((c) => c === r.charset) ?? 'GB2312',
  enabled: r.enabled === 1,
});

/** A row back to its entry; rows a newer version wrote with an unknown type are skipped. */
function toShare(r: ShareRow): ShareEntry | undefined {
  const opt = <K extends string>(key: K, value: string | null) => (value === null ? {} : { [key]: value });
  switch (r.type) {
    case 'device':
      return r.device_id === null
        ? undefined
        : { type: 'device', deviceId: r.device_id, ...opt('parentId', r.parent_id) };
    case 'channel':
      return r.device_id === null || r.channel_id === null
        ? undefined
        : {
            type: 'channel',
            deviceId: r.device_id,
            channelId: r.channel_id,
            ...opt('asId', r.as_id),
            ...opt('name', r.name),
            ...opt('parentId', r.parent_id),
          };
    case 'group':
      return r.node_id === null ? undefined : { type: 'group', id: r.node_id, name: r.name ?? '' };
    case 'organisation':
      return r.node_id === null || r.parent_id === null
        ? undefined
        : { type: 'organisation', id: r.node_id, name: r.name ?? '', parentId: r.parent_id };
    default:
      return undefined;
  }
}

function shareColumns(s: ShareEntry): Omit<ShareRow, 'type'> {
  const none = { device_id: null, channel_id: null, node_id: null, as_id: null, name: null, parent_id: null };
  switch (s.type) {
    case 'device':
      return { ...none, device_id: s.deviceId, parent_id: s.parentId ?? null };
    case 'channel':
      return {
        ...none,
        device_id: s.deviceId,
        channel_id: s.channelId,
        as_id: s.asId ?? null,
        name: s.name ?? null,
        parent_id: s.parentId ?? null,
      };
    case 'group':
      return { ...none, node_id: s.id, name: s.name };
    case 'organisation':
      return { ...none, node_id: s.id, name: s.name, parent_id: s.parentId };
  }
}

export class SqliteCascadeStore implements CascadeStore {
  readonly #db: Database.Database;
  readonly #box: SecretBox;

  /** `path` is the gateway's database file (shared with the device store), or ':memory:'. */
  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.#box = storeSecretBox(path, opts);
    this.#db = openDatabase(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    // Two connections on one file: wait for the other's write instead of failing at once.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#sealPlaintextPasswords();
  }

  /** Migration: passwords written before they were sealed get sealed now, in one transaction. */
  #sealPlaintextPasswords(): void {
    const rows = (
      this.#db.prepare('SELECT upper_id, password FROM cascade_uppers').all() as {
        upper_id: string;
        password: string;
      }[]
    ).filter((r) => !SecretBox.isSealed(r.password));
    if (rows.length === 0) {
      return;
    }
    const update = this.#db.prepare('UPDATE cascade_uppers SET password = ? WHERE upper_id = ?');
    this.#db.transaction(() => {
      for (const r of rows) {
        update.run(this.#box.seal(r.password, passwordContext(r.upper_id)), r.upper_id);
      }
    })();
    forgetOldPages(this.#db);
  }

  listUppers(): UpperPlatformRecord[] {
    return (this.#db.prepare('SELECT * FROM cascade_uppers ORDER BY upper_id').all() as UpperRow[]).map((r) =>
      toUpper(r, this.#box),
    );
  }

  getUpper(id: string): UpperPlatformRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM cascade_uppers WHERE upper_id = ?').get(id) as
      UpperRow | undefined;
    return row ? toUpper(row, this.#box) : undefined;
  }

  putUpper(r: UpperPlatformRecord): void {
    this.#db
      .prepare(
        `INSERT INTO cascade_uppers (upper_id, name, realm, host, port, transport, password, local_id,
           keepalive_interval_sec, keepalive_max_misses, expires_sec, register_timeout_sec, charset, enabled)
         VALUES (@upper_id, @name, @realm, @host, @port, @transport, @password, @local_id,
           @keepalive_interval_sec, @keepalive_max_misses, @expires_sec, @register_timeout_sec, @charset, @enabled)
         ON CONFLICT(upper_id) DO UPDATE SET name = excluded.name, realm = excluded.realm,
           host = excluded.host, port = excluded.port, transport = excluded.transport,
           password = excluded.password, local_id = excluded.local_id,
           keepalive_interval_sec = excluded.keepalive_interval_sec,
           keepalive_max_misses = excluded.keepalive_max_misses, expires_sec = excluded.expires_sec,
           register_timeout_sec = excluded.register_timeout_sec, charset = excluded.charset,
           enabled = excluded.enabled`,
      )
      .run({
        upper_id: r.id,
        name: r.name,
        realm: r.realm,
        host: r.host,
        port: r.port,
        transport: r.transport,
        password: this.#box.seal(r.password, passwordContext(r.id)),
        local_id: r.localId,
        keepalive_interval_sec: r.keepaliveIntervalSec,
        keepalive_max_misses: r.keepaliveMaxMisses,
        expires_sec: r.expiresSec,
        register_timeout_sec: r.registerTimeoutSec,
        charset: r.charset,
        enabled: r.enabled ? 1 : 0,
      } satisfies UpperRow);
  }

  deleteUpper(id: string): boolean {
    return this.#db.prepare('DELETE FROM cascade_uppers WHERE upper_id = ?').run(id).changes > 0;
  }

  listShares(upperId: string): ShareEntry[] {
    const rows = this.#db
      .prepare('SELECT * FROM cascade_shares WHERE upper_id = ? ORDER BY position')
      .all(upperId) as ShareRow[];
    return rows.map(toShare).filter((s): s is ShareEntry => s !== undefined);
  }

  replaceShares(upperId: string, shares: readonly ShareEntry[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO cascade_shares (upper_id, position, type, device_id, channel_id, node_id, as_id, name, parent_id)
       VALUES (@upper_id, @position, @type, @device_id, @channel_id, @node_id, @as_id, @name, @parent_id)`,
    );
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM cascade_shares WHERE upper_id = ?').run(upperId);
      shares.forEach((s, position) =>
        insert.run({ upper_id: upperId, position, type: s.type, ...shareColumns(s) }),
      );
    })();
  }

  close(): void {
    this.#db.close();
  }
}
