import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDeviceStore } from './sqlite-store.js';
import { SecretBox } from './secret-box.js';

/** One data dir, one storage key. */
const secrets = SecretBox.ephemeral();
import type { ChannelInput } from './device-store.js';

const channel = (channelId: string, name: string, status: 'ON' | 'OFF' = 'ON'): ChannelInput => ({
  channelId,
  name,
  manufacturer: 'Hikvision',
  model: 'IP Camera',
  parentId: '34020000001180000001',
  civilCode: '3402000000',
  businessGroupId: null,
  address: null,
  status,
  longitude: '117.2272',
  latitude: '31.8206',
  ptzType: '1',
  parental: false,
});

test('devices and channels survive closing and reopening the database file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-store-'));
  try {
    const path = join(dir, 'gateway.db');
    const a = new SqliteDeviceStore(path, { secrets });
    a.upsertDevice('34020000001180000001', {
      online: true,
      transport: 'tcp',
      remoteAddress: '127.0.0.1',
      remotePort: 5070,
    });
    a.replaceChannels('34020000001180000001', [
      channel('34020000001310000001', '大门一号'),
      channel('34020000001310000002', '后门'),
    ]);
    a.close();

    const b = new SqliteDeviceStore(path, { secrets });
    b.markAllOffline();
    const device = b.getDevice('34020000001180000001');
    assert.equal(device?.transport, 'tcp');
    assert.equal(device?.online, false);
    assert.deepEqual(
      b.listChannels('34020000001180000001').map((c) => [c.channelId, c.name]),
      [
        ['34020000001310000001', '大门一号'],
        ['34020000001310000002', '后门'],
      ],
    );
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GB IDs with leading zeros stay 20-character strings', () => {
  const store = new SqliteDeviceStore(':memory:');
  store.upsertChannels('00000000001180000001', [channel('00000000001310000001', 'zero')]);
  const [c] = store.listChannels('00000000001180000001');
  assert.equal(c?.channelId, '00000000001310000001');
  assert.equal(typeof c?.channelId, 'string');
  store.close();
});

test('replaceChannels makes the set exact; upsertChannels never deletes', () => {
  const store = new SqliteDeviceStore(':memory:');
  const id = '34020000001180000001';
  store.replaceChannels(id, [channel('34020000001310000001', 'a'), channel('34020000001310000002', 'b')]);
  store.upsertChannels(id, [channel('34020000001310000003', 'c')]);
  assert.equal(store.countChannels(id), 3);
  store.replaceChannels(id, [channel('34020000001310000002', 'b2')]);
  assert.deepEqual(
    store.listChannels(id).map((c) => c.name),
    ['b2'],
  );
  assert.equal(store.setChannelStatus(id, '34020000001310000002', 'OFF'), true);
  assert.equal(store.getChannel(id, '34020000001310000002')?.status, 'OFF');
  assert.equal(store.deleteChannel(id, '34020000001310000002'), true);
  assert.equal(store.countChannels(id), 0);
  store.close();
});
