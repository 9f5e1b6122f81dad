// Stored secrets at rest (issue #20 point 10): a database from before sealing (plaintext cascade
// and per-device passwords, files 0644) opens with every password sealed under the storage key,
// the files narrowed to 0600, and no plaintext left in the database file or its WAL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteCascadeStore, type UpperPlatformRecord } from './cascade-store.js';
import { SecretBox } from './secret-box.js';
import { SqliteDeviceStore } from './sqlite-store.js';
import { openEventsDb } from './events-db.js';
import { SqliteWebhookStore } from './webhook-store.js';

const DEVICE = '34020000001180000001';
const UPPER = '34020000002000000099';
const DEVICE_PW = 'per-device-Secret-77';
const UPPER_PW = 'cascade-Secret-4242';

const dir = mkdtempSync(join(tmpdir(), 'gb-secret-migration-'));
const previousUmask = process.umask(0o022);
after(() => {
  process.umask(previousUmask);
  rmSync(dir, { recursive: true, force: true });
});

const upper: UpperPlatformRecord = {
  id: UPPER,
  name: null,
  realm: '3402000000',
  host: '192.0.2.10',
  port: 5060,
  transport: 'udp',
  password: UPPER_PW,
  localId: null,
  keepaliveIntervalSec: 60,
  keepaliveMaxMisses: 3,
  expiresSec: 3600,
  registerTimeoutSec: 10,
  charset: 'GB2312',
  enabled: true,
};

/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
function databaseBytes(path: string): string {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

function rawPasswords(path: string): { device: string; upper: string } {
  const db = new Database(path, { readonly: true });
  const device = (
    db.prepare('SELECT password FROM devices WHERE device_id = ?').get(DEVICE) as { password: string }
  ).password;
  const up = (
    db.prepare('SELECT password FROM cascade_uppers WHERE upper_id = ?').get(UPPER) as { password: string }
  ).password;
  db.close();
  return { device, upper: up };
}

test('plaintext passwords of an older data dir are sealed at start and still read back', () => {
  const path = join(dir, 'gateway.db');
  // What an older version left: plaintext rows in a 0644 database with a live WAL.
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  old.exec(`
    CREATE TABLE devices (device_id TEXT PRIMARY KEY, name TEXT, manufacturer TEXT, model TEXT, firmware TEXT,
      transport TEXT NOT NULL DEFAULT 'udp', remote_address TEXT, remote_port INTEGER,
      online INTEGER NOT NULL DEFAULT 0, registered_at TEXT, last_keepalive_at TEXT,
      expires_sec INTEGER NOT NULL DEFAULT 3600, charset TEXT NOT NULL DEFAULT 'GB2312',
      media_transport TEXT, password TEXT);
    CREATE TABLE cascade_uppers (upper_id TEXT PRIMARY KEY, name TEXT, realm TEXT NOT NULL, host TEXT NOT NULL,
      port INTEGER NOT NULL, transport TEXT NOT NULL, password TEXT NOT NULL, local_id TEXT,
      keepalive_interval_sec INTEGER NOT NULL, keepalive_max_misses INTEGER NOT NULL,
      expires_sec INTEGER NOT NULL, register_timeout_sec INTEGER NOT NULL, charset TEXT NOT NULL,
      enabled INTEGER NOT NULL);`);
  old.prepare('INSERT INTO devices (device_id, password) VALUES (?, ?)').run(DEVICE, DEVICE_PW);
  old
    .prepare(
      `INSERT INTO cascade_uppers VALUES (?, NULL, '3402000000', '192.0.2.10', 5060, 'udp', ?, NULL, 60, 3, 3600, 10, 'GB2312', 1)`,
    )
    .run(UPPER, UPPER_PW);
  old.close();
  assert.equal(statSync(path).mode & 0o777, 0o644);
  assert.ok(databaseBytes(path).includes(UPPER_PW), 'the old file holds the password in plain text');

  const secrets = new SecretBox(randomBytes(32));
  const devices = new SqliteDeviceStore(path, { secrets });
  const cascade = new SqliteCascadeStore(path, { secrets });
  assert.equal(devices.getDevice(DEVICE)?.password, DEVICE_PW);
  assert.equal(cascade.getUpper(UPPER)?.password, UPPER_PW);
  const raw = rawPasswords(path);
  assert.ok(SecretBox.isSealed(raw.device), raw.device);
  assert.ok(SecretBox.isSealed(raw.upper), raw.upper);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const bytes = databaseBytes(path);
  assert.ok(!bytes.includes(DEVICE_PW), 'the device password is still somewhere in the files');
  assert.ok(!bytes.includes(UPPER_PW), 'the cascade password is still somewhere in the files');

  // New writes are sealed too, and only this key opens them.
  devices.upsertDevice(DEVICE, { password: 'changed-Secret-1' });
  cascade.putUpper({ ...upper, password: 'changed-Secret-2' });
  assert.equal(devices.getDevice(DEVICE)?.password, 'changed-Secret-1');
  assert.equal(cascade.getUpper(UPPER)?.password, 'changed-Secret-2');
  assert.ok(!databaseBytes(path).includes('changed-Secret'));
  devices.close();
  cascade.close();
  assert.throws(
    () => new SqliteCascadeStore(path, { secrets: new SecretBox(randomBytes(32)) }).listUppers(),
    /storage key/,
    'another data dir key must not open them',
  );
});

test('a database file without the storage key is refused; an in-memory one gets a throwaway key', () => {
  assert.throws(() => new SqliteDeviceStore(join(dir, 'keyless.db')), /storage key/);
  const mem = new SqliteDeviceStore(':memory:');
  mem.upsertDevice(DEVICE, { password: DEVICE_PW });
  assert.equal(mem.getDevice(DEVICE)?.password, DEVICE_PW);
  mem.close();
});

test('webhook secrets are sealed too: an older plaintext row is sealed at start, new ones never written in clear', () => {
  const path = join(dir, 'events.db');
  const old = openEventsDb(path);
  old.exec(
    'CREATE TABLE webhooks (webhook_id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT, created_at TEXT NOT NULL)',
  );
  old
    .prepare('INSERT INTO webhooks VALUES (?, ?, ?, ?, ?)')
    .run('w1', 'http://192.0.2.1/hook', '["alarm"]', 'Webhook-Secret-0001', '2025-01-01T00:00:00.000Z');
  old.close();
  const db = openEventsDb(path);
  const secrets = new SecretBox(randomBytes(32));
  const store = new SqliteWebhookStore(db, secrets);
  assert.equal(store.list()[0]?.secret, 'Webhook-Secret-0001');
  store.put({
    webhookId: 'w2',
    url: 'http://192.0.2.2/hook',
    events: ['stream'],
    secret: 'Webhook-Secret-0002',
    createdAt: '2025-01-02T00:00:00.000Z',
  });
  assert.deepEqual(
    store.list().map((w) => w.secret),
    ['Webhook-Secret-0001', 'Webhook-Secret-0002'],
  );
  const bytes = databaseBytes(path);
  assert.ok(!bytes.includes('Webhook-Secret'), 'a webhook secret is in the files in plain text');
  db.close();
  assert.throws(() => new SqliteWebhookStore(openEventsDb(path)), /storage key/);
});
