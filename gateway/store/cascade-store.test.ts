import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCascadeStore, type ShareEntry, type UpperPlatformRecord } from './cascade-store.js';
import { SqliteDeviceStore } from './sqlite-store.js';
import { SecretBox } from './secret-box.js';

/** One data dir, one storage key. */
const secrets = SecretBox.ephemeral();

const UPPER = '34020000002000000009';

const record = (patch: Partial<UpperPlatformRecord> = {}): UpperPlatformRecord => ({
  id: UPPER,
  name: '市级平台',
  realm: '3402000000',
  host: '10.0.0.10',
  port: 5060,
  transport: 'udp',
  password: '12345678',
  localId: null,
  keepaliveIntervalSec: 60,
  keepaliveMaxMisses: 3,
  expiresSec: 3600,
  registerTimeoutSec: 10,
  charset: 'GB2312',
  enabled: true,
  ...patch,
});

// One entry of every kind, with every optional field used somewhere.
const SHARES: ShareEntry[] = [
  { type: 'group', id: '34020000002150000001', name: '治安监控' },
  { type: 'organisation', id: '34020000002160000001', name: '东区', parentId: '34020000002150000001' },
  { type: 'device', deviceId: '34020000001180000002' },
  { type: 'device', deviceId: '34020000001180000003', parentId: '34020000002160000001' },
  { type: 'channel', deviceId: '34020000001180000001', channelId: '34020000001310000001' },
  {
    type: 'channel',
    deviceId: '34020000001180000001',
    channelId: '34020000001310000002',
    asId: '34020000001310009002',
    name: '大门 & 停车场',
    parentId: '34020000002160000001',
  },
];

test('upper platforms and their sharing relations survive closing and reopening the gateway database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-cascade-store-'));
  try {
    const path = join(dir, 'gateway.db');
    // The device store holds the same file open, as in the running gateway.
    const devices = new SqliteDeviceStore(path, { secrets });
    const a = new SqliteCascadeStore(path, { secrets });
    a.putUpper(record({ transport: 'tcp', localId: '34020000002000000001' }));
    a.replaceShares(UPPER, SHARES);
    a.close();
    devices.close();

    const b = new SqliteCascadeStore(path, { secrets });
    assert.deepEqual(b.listUppers(), [record({ transport: 'tcp', localId: '34020000002000000001' })]);
    assert.deepEqual(b.listShares(UPPER), SHARES);
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('putUpper replaces the settings of a known platform and keeps its shares', () => {
  const s = new SqliteCascadeStore(':memory:');
  s.putUpper(record());
  s.replaceShares(UPPER, SHARES.slice(0, 2));
  s.putUpper(record({ host: '10.0.0.11', enabled: false, charset: 'GB18030' }));
  assert.equal(s.listUppers().length, 1);
  assert.deepEqual(s.getUpper(UPPER), record({ host: '10.0.0.11', enabled: false, charset: 'GB18030' }));
  assert.deepEqual(s.listShares(UPPER), SHARES.slice(0, 2));
  s.close();
});

test('replaceShares keeps the given order and drops the previous set', () => {
  const s = new SqliteCascadeStore(':memory:');
  s.putUpper(record());
  s.replaceShares(UPPER, SHARES);
  const reversed = [...SHARES].reverse();
  s.replaceShares(UPPER, reversed);
  assert.deepEqual(s.listShares(UPPER), reversed);
  s.replaceShares(UPPER, []);
  assert.deepEqual(s.listShares(UPPER), []);
  s.close();
});

test('deleting a platform deletes its sharing relations; an unknown one reports false', () => {
  const s = new SqliteCascadeStore(':memory:');
  s.putUpper(record());
  s.replaceShares(UPPER, SHARES);
  assert.equal(s.deleteUpper(UPPER), true);
  assert.equal(s.getUpper(UPPER), undefined);
  assert.deepEqual(s.listShares(UPPER), []);
  assert.equal(s.deleteUpper(UPPER), false);
  s.close();
});
