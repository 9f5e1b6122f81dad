import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRemote } from '../../sip/index.js';
import type { DeviceStore } from '../../store/device-store.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { DeviceSessions } from './device-sessions.js';

const DEVICE = '34020000001180000001';
const OTHER = '34020000001180000002';
const T0 = Date.parse('2025-04-18T02:23:02.000Z');
const remote = (port: number): SipRemote => ({ transport: 'udp', address: '203.0.113.7', port });
const iso = (t: number) => new Date(t).toISOString();

/** A store counting its writes; `batch: false` hides upsertDevices, as an older store would. */
function rig(batch = true) {
  const sqlite = new SqliteDeviceStore(':memory:');
  const writes = { single: 0, batches: 0 };
  const store: DeviceStore = Object.create(sqlite) as DeviceStore;
  store.upsertDevice = (id, patch) => {
    writes.single++;
    return sqlite.upsertDevice(id, patch);
  };
  if (batch) {
    store.upsertDevices = (entries) => {
      writes.batches++;
      sqlite.upsertDevices(entries);
    };
  } else {
    Object.defineProperty(store, 'upsertDevices', { value: undefined });
  }
  let now = T0;
  const sessions = new DeviceSessions({
    store,
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
    now: () => now,
    flushIntervalMs: 5000,
  });
  const advance = (ms: number) => (now += ms);
  return { sqlite, sessions, writes, advance, now: () => now };
}

test('keepalives are coalesced until the flush interval; the session holds the live value', () => {
  const { sqlite, sessions, writes, advance, now } = rig();
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.register(OTHER, remote(40300), 3600, 'c2');
  advance(60_000);
  const before = writes.single;
  sessions.touch(DEVICE, remote(40211), true);
  sessions.touch(OTHER, remote(40300), true);
  assert.equal(writes.single, before, 'not even the first keepalive is written through');
  assert.equal(sessions.get(DEVICE)?.lastKeepaliveAt, now(), 'the API reads this live value');
  sessions.flush();
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(now()));

  advance(60_000);
  sessions.touch(DEVICE, remote(40999), true); // NAT port changed
  sessions.touch(OTHER, remote(40300), true);
  const second = now();
  assert.equal(writes.single, before, 'no store write per keepalive');
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(second - 60_000));

  sessions.sweep(); // 60 s since the last flush: due
  assert.equal(writes.batches, 2);
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(second));
  assert.equal(sqlite.getDevice(DEVICE)?.remotePort, 40999);
  assert.equal(sqlite.getDevice(OTHER)?.lastKeepaliveAt, iso(second));

  advance(1000);
  sessions.sweep(); // nothing pending, not due
  assert.equal(writes.batches, 2);
  sessions.close();
});

test('close() flushes what is pending (restart shows a recent lastKeepaliveAt)', () => {
  const { sqlite, sessions, advance, now } = rig();
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.touch(DEVICE, remote(40211), true);
  advance(60_000);
  sessions.touch(DEVICE, remote(40211), true);
  assert.notEqual(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(now()));
  sessions.close();
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(now()));
  // After close, keepalives still in flight are written through.
  advance(1000);
  sessions.touch(DEVICE, remote(40211), true);
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(now()));
});

test('offline writes the pending keepalive together with online = false, at once', () => {
  const { sqlite, sessions, advance } = rig();
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.touch(DEVICE, remote(40211), true);
  advance(60_000);
  sessions.touch(DEVICE, remote(40500), true);
  const last = T0 + 60_000;
  const offline: string[] = [];
  sessions.events.on('offline', (id, reason) => offline.push(`${id} ${reason}`));
  advance(181_000);
  sessions.sweep();
  assert.deepEqual(offline, [`${DEVICE} keepalive-timeout`]);
  const d = sqlite.getDevice(DEVICE);
  assert.equal(d?.online, false);
  assert.equal(d?.lastKeepaliveAt, iso(last));
  assert.equal(d?.remotePort, 40500);
  sessions.close();
});

test('online transitions stay immediate', () => {
  const { sqlite, sessions, advance } = rig();
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.touch(DEVICE, remote(40211), true);
  advance(181_000);
  sessions.sweep();
  assert.equal(sqlite.getDevice(DEVICE)?.online, false);
  sessions.touch(DEVICE, remote(40211), true);
  assert.equal(sqlite.getDevice(DEVICE)?.online, true);
  sessions.close();
});

test('a store without upsertDevices gets one upsertDevice per device at the flush', () => {
  const { sqlite, sessions, writes, advance, now } = rig(false);
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.register(OTHER, remote(40300), 3600, 'c2');
  sessions.touch(DEVICE, remote(40211), true);
  sessions.touch(OTHER, remote(40300), true);
  advance(60_000);
  sessions.touch(DEVICE, remote(40211), true);
  sessions.touch(OTHER, remote(40300), true);
  const before = writes.single;
  advance(5000);
  sessions.sweep();
  assert.equal(writes.single, before + 2);
  assert.equal(sqlite.getDevice(OTHER)?.lastKeepaliveAt, iso(now() - 5000));
  sessions.close();
});

test('a failed flush keeps the entries for the next one', () => {
  const { sqlite, sessions, advance, now } = rig();
  const errors: unknown[] = [];
  const failing = new DeviceSessions({
    store: Object.assign(Object.create(sqlite) as DeviceStore, {
      upsertDevice: sqlite.upsertDevice.bind(sqlite),
      upsertDevices: () => {
        throw new Error('SQLITE_BUSY');
      },
    }),
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
    now,
    onStoreError: (err) => errors.push(err),
  });
  failing.register(DEVICE, remote(40211), 3600, 'c1');
  failing.touch(DEVICE, remote(40211), true);
  advance(60_000);
  failing.touch(DEVICE, remote(40211), true);
  failing.flush();
  assert.equal(errors.length, 1);
  // The device goes offline: the kept entry is written with it.
  failing.unregister(DEVICE, 'unregistered');
  assert.equal(sqlite.getDevice(DEVICE)?.lastKeepaliveAt, iso(now()));
  sessions.close();
  failing.close();
});

test('a new Call-ID from a registered device is a restart; a refresh, a first registration and a return from offline are not', () => {
  const { sessions, advance } = rig();
  const restarts: string[][] = [];
  const online: string[] = [];
  sessions.events.on('restarted', (id, previous, callId) => restarts.push([id, previous, callId]));
  sessions.events.on('online', (id) => online.push(id));

  sessions.register(DEVICE, remote(40211), 3600, 'boot-1');
  advance(1_800_000);
  sessions.register(DEVICE, remote(40211), 3600, 'boot-1'); // refresh
  assert.deepEqual(restarts, [], 'a refresh keeps the Call-ID');

  sessions.register(DEVICE, remote(40211), 3600, 'boot-2'); // rebooted
  assert.deepEqual(restarts, [[DEVICE, 'boot-1', 'boot-2']]);
  assert.deepEqual(online, [DEVICE], 'still online: no second online event');

  // Offline first (its plays were closed then): back with a new Call-ID is only "online".
  advance(3 * 60_000 + 1);
  sessions.sweep();
  sessions.register(DEVICE, remote(40211), 3600, 'boot-3');
  assert.deepEqual(restarts.length, 1);
  assert.deepEqual(online, [DEVICE, DEVICE]);
});

test('a device whose every stream went silent is offline after keepalive-timeout-silent intervals, not three (issue #20 point 5)', () => {
  let now = T0;
  let silent = false;
  const seen: string[] = [];
  const offline: string[] = [];
  const sessions = new DeviceSessions({
    store: new SqliteDeviceStore(':memory:'),
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
    silentTimeoutIntervals: 1.5,
    mediaSilent: (id, lastSeenAt) => {
      seen.push(`${id} ${lastSeenAt - T0}`);
      return silent;
    },
    now: () => now,
  });
  sessions.events.on('offline', (id, reason) => offline.push(`${id} ${reason}`));
  sessions.register(DEVICE, remote(40211), 3600, 'c1');
  sessions.register(OTHER, remote(40300), 3600, 'c2');
  // Both keep alive at 60 s; DEVICE's camera is then killed at 70 s: its media stops with it.
  now = T0 + 60_000;
  sessions.touch(DEVICE, remote(40211), true);
  sessions.touch(OTHER, remote(40300), true);
  now = T0 + 70_000;
  silent = true;
  now = T0 + 60_000 + 90_000;
  sessions.sweep();
  assert.deepEqual(offline, [], 'not at exactly 1.5 intervals');
  now += 1;
  sessions.sweep();
  // 81 s after the kill: within two intervals (120 s) of it, where three intervals took 170 s.
  assert.deepEqual(offline, [`${DEVICE} keepalive-and-media-silent`, `${OTHER} keepalive-and-media-silent`]);
  assert.ok(seen.includes(`${DEVICE} 60000`), 'asked with the time it was last heard from');
});

test('a late keepalive alone does not take a device offline before three intervals, nor silence with the rule off', () => {
  for (const [intervals, silent] of [
    [1.5, false],
    [0, true],
  ] as const) {
    let now = T0;
    const offline: string[] = [];
    const sessions = new DeviceSessions({
      store: new SqliteDeviceStore(':memory:'),
      keepaliveIntervalSec: 60,
      keepaliveTimeoutCount: 3,
      silentTimeoutIntervals: intervals,
      mediaSilent: () => silent,
      now: () => now,
    });
    sessions.events.on('offline', (_id, reason) => offline.push(reason));
    sessions.register(DEVICE, remote(40211), 3600, 'c1');
    now = T0 + 179_999;
    sessions.sweep();
    assert.deepEqual(offline, [], `intervals ${intervals}, media silent ${silent}`);
    now = T0 + 180_001;
    sessions.sweep();
    assert.deepEqual(offline, ['keepalive-timeout']);
  }
});
