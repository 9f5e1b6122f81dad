// A data dir written before the registration columns existed (expires_at, call_id) opens with
// them added; its devices read as having no registration to restore (device-sessions.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SecretBox } from './secret-box.js';
import { SqliteDeviceStore } from './sqlite-store.js';

const OLD_DEVICES_TABLE = `
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  name TEXT, manufacturer TEXT, model TEXT, firmware TEXT,
  transport TEXT NOT NULL DEFAULT 'udp',
  remote_address TEXT, remote_port INTEGER,
  online INTEGER NOT NULL DEFAULT 0,
  registered_at TEXT, last_keepalive_at TEXT,
  expires_sec INTEGER NOT NULL DEFAULT 3600,
  charset TEXT NOT NULL DEFAULT 'GB2312',
  media_transport TEXT,
  password TEXT
);
INSERT INTO devices (device_id, remote_address, remote_port, online, registered_at, expires_sec)
  VALUES ('34020000001180000001', '203.0.113.7', 5060, 1, '2025-04-18T02:23:02.000Z', 3600);
`;

test('an older devices table gains expires_at and call_id; its rows read null, new writes keep them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-store-migration-'));
  try {
    const path = join(dir, 'gateway.db');
    const old = new Database(path);
    old.exec(OLD_DEVICES_TABLE);
    old.close();

    const secrets = SecretBox.ephemeral();
    const store = new SqliteDeviceStore(path, { secrets });
    const before = store.getDevice('34020000001180000001');
    assert.equal(before?.remoteAddress, '203.0.113.7');
    assert.equal(before?.expiresAt, null);
    assert.equal(before?.callId, null);
    store.upsertDevice('34020000001180000001', { expiresAt: '2025-04-18T03:23:02.000Z', callId: 'boot-1' });
    store.close();

    // Opening again does not add the columns twice.
    const again = new SqliteDeviceStore(path, { secrets });
    const after = again.getDevice('34020000001180000001');
    assert.equal(after?.expiresAt, '2025-04-18T03:23:02.000Z');
    assert.equal(after?.callId, 'boot-1');
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
