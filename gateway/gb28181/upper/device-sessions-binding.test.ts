// Where a device is bound, and who may move it: only register() (an authenticated REGISTER) moves
// a binding to another IP; other traffic counts only from the registered transport and IP (a new
// port is NAT rebinding, followed). Registrations in the store outlive a gateway restart until
// their expiry, under the same rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRemote } from '../../sip/index.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { DeviceSessions, type OnlineCause } from './device-sessions.js';

const DEVICE = '34020000001180000001';
const T0 = Date.parse('2025-04-18T02:23:02.000Z');
const at = (address: string, port: number, transport: 'udp' | 'tcp' = 'udp'): SipRemote => ({
  transport,
  address,
  port,
});
const DEVICE_AT = at('203.0.113.7', 40211);
const ATTACKER = at('198.51.100.9', 40211);

function rig(store = new SqliteDeviceStore(':memory:'), start = T0) {
  let now = start;
  const sessions = new DeviceSessions({
    store,
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
    now: () => now,
  });
  const online: [string, OnlineCause][] = [];
  const keepalives: string[] = [];
  const rebound: string[] = [];
  sessions.events.on('online', (id, cause) => online.push([id, cause]));
  sessions.events.on('keepalive', (id) => keepalives.push(id));
  sessions.events.on('rebound', (_id, from, to) => rebound.push(`${from.port}->${to.port}`));
  return {
    store,
    sessions,
    online,
    keepalives,
    rebound,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

test('a keepalive from another IP address changes nothing: binding, online state, keepalive time, store', () => {
  const { store, sessions, keepalives } = rig();
  sessions.register(DEVICE, DEVICE_AT, 3600, 'boot-1');
  const before = { ...sessions.get(DEVICE)! };
  const stored = store.getDevice(DEVICE);

  assert.equal(sessions.boundSession(DEVICE, ATTACKER), undefined);
  assert.equal(sessions.touch(DEVICE, ATTACKER, true), undefined);
  sessions.flush();
  assert.deepEqual(sessions.get(DEVICE), before, 'the session moved');
  assert.deepEqual(store.getDevice(DEVICE), stored, 'the store moved');
  assert.deepEqual(keepalives, [], 'a forged keepalive counted');
});

test('the same IP on another transport is another binding too', () => {
  const { sessions } = rig();
  sessions.register(DEVICE, DEVICE_AT, 3600, 'boot-1');
  assert.equal(sessions.touch(DEVICE, at('203.0.113.7', 40211, 'tcp'), true), undefined);
  assert.deepEqual(sessions.get(DEVICE)?.remote, DEVICE_AT);
});

test('a new port on the registered IP (NAT rebinding) is followed and reported', () => {
  const { store, sessions, rebound } = rig();
  sessions.register(DEVICE, DEVICE_AT, 3600, 'boot-1');
  assert.ok(sessions.touch(DEVICE, at('203.0.113.7', 40999), true));
  assert.deepEqual(sessions.get(DEVICE)?.remote, at('203.0.113.7', 40999));
  assert.deepEqual(rebound, ['40211->40999']);
  sessions.touch(DEVICE, at('203.0.113.7', 40999), true);
  assert.deepEqual(rebound, ['40211->40999'], 'no report without a change');
  sessions.flush();
  assert.equal(store.getDevice(DEVICE)?.remotePort, 40999);
});

test('only register() moves the binding to another IP', () => {
  const { sessions } = rig();
  sessions.register(DEVICE, DEVICE_AT, 3600, 'boot-1');
  sessions.register(DEVICE, ATTACKER, 3600, 'boot-1');
  assert.deepEqual(sessions.get(DEVICE)?.remote, ATTACKER);
  assert.equal(
    sessions.touch(DEVICE, DEVICE_AT, true),
    undefined,
    'the old address is no longer the binding',
  );
});

test('an expired registration is no binding, even before the sweep removes it', () => {
  const { sessions, advance } = rig();
  sessions.register(DEVICE, DEVICE_AT, 60, 'boot-1');
  advance(60_001);
  assert.equal(sessions.touch(DEVICE, DEVICE_AT, true), undefined);
});

test('after a restart: an unexpired registration is back online at its first keepalive from the stored address', () => {
  const store = new SqliteDeviceStore(':memory:');
  const first = rig(store);
  first.sessions.register(DEVICE, DEVICE_AT, 3600, 'boot-1');
  first.advance(600_000);
  // The process dies: no close(), no unregister. A new one starts on the same store.
  store.markAllOffline();
  const second = rig(store, first.now() + 5_000);
  assert.equal(second.sessions.restoreRegistrations(), 1);
  const restored = second.sessions.get(DEVICE);
  assert.equal(restored?.online, false, 'offline until the device talks');
  assert.equal(restored?.callId, 'boot-1');
  assert.equal(restored?.expiresAt, T0 + 3_600_000, 'the expiry granted before the restart');

  assert.equal(second.sessions.touch(DEVICE, ATTACKER, true), undefined, 'a forger cannot claim it');
  assert.equal(second.sessions.get(DEVICE)?.online, false);
  assert.ok(second.sessions.touch(DEVICE, at('203.0.113.7', 40500), true), 'NAT port change allowed');
  assert.deepEqual(second.online, [[DEVICE, 'restored']]);
  assert.deepEqual(second.keepalives, [DEVICE]);
  assert.equal(store.getDevice(DEVICE)?.online, true);

  // A refresh with the same Call-ID is not a restart of the device.
  const restarts: string[] = [];
  second.sessions.events.on('restarted', (id) => restarts.push(id));
  second.sessions.register(DEVICE, at('203.0.113.7', 40500), 3600, 'boot-1');
  assert.deepEqual(restarts, []);
});

test('after a restart: a registration past its expiry, or ended by an unregister, is not honoured', () => {
  const store = new SqliteDeviceStore(':memory:');
  const first = rig(store);
  first.sessions.register(DEVICE, DEVICE_AT, 600, 'boot-1');
  const other = '34020000001180000002';
  first.sessions.register(other, at('203.0.113.8', 5060), 3600, 'boot-1');
  first.sessions.unregister(other, 'unregistered');
  assert.equal(store.getDevice(other)?.expiresAt, null);

  const late = rig(store, T0 + 600_001);
  assert.equal(late.sessions.restoreRegistrations(), 0);
  assert.equal(late.sessions.touch(DEVICE, DEVICE_AT, true), undefined);
  assert.equal(late.sessions.touch(other, at('203.0.113.8', 5060), true), undefined);
  assert.deepEqual(late.online, []);
});

test('a restored registration expires at its stored time', () => {
  const store = new SqliteDeviceStore(':memory:');
  rig(store).sessions.register(DEVICE, DEVICE_AT, 600, 'boot-1');
  const second = rig(store, T0 + 1_000);
  second.sessions.restoreRegistrations();
  second.advance(599_000);
  second.sessions.sweep();
  assert.ok(second.sessions.get(DEVICE), 'kept until the expiry');
  second.advance(1);
  second.sessions.sweep();
  assert.equal(second.sessions.get(DEVICE), undefined);
});
