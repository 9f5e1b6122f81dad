import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteVoiceStore } from './voice-store.js';

test('a device’s broadcast form survives a restart and is replaced by the newest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-voice-store-'));
  const path = join(dir, 'gateway.db');
  try {
    const a = new SqliteVoiceStore(path);
    assert.equal(a.getForm('34020000001180000001'), undefined);
    a.putForm({
      deviceId: '34020000001180000001',
      form: 'ps',
      addressing: 'gateway',
      transport: 'tcp-passive',
      updatedAt: '2026-12-08T10:00:00.000Z',
    });
    a.close();
    const b = new SqliteVoiceStore(path);
    assert.equal(b.getForm('34020000001180000001')?.form, 'ps');
    assert.equal(b.getForm('34020000001180000001')?.addressing, 'gateway');
    b.putForm({
      deviceId: '34020000001180000001',
      form: 'rtp',
      addressing: 'source',
      transport: 'udp',
      updatedAt: '2026-12-08T11:00:00.000Z',
    });
    assert.deepEqual(b.getForm('34020000001180000001'), {
      deviceId: '34020000001180000001',
      form: 'rtp',
      addressing: 'source',
      transport: 'udp',
      updatedAt: '2026-12-08T11:00:00.000Z',
    });
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
