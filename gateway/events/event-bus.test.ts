import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log.js';
import type { DeviceEventData, GatewayEvent } from '../views/events.js';
import { EventBus } from './event-bus.js';

const log = createLogger('test');
const device = (n: number): DeviceEventData => ({
  deviceId: `3402000000118000${String(n).padStart(4, '0')}`,
  online: true,
  reason: 'registered',
});

test('a listener that throws is contained: the others still get the event and publish returns', () => {
  const bus = new EventBus({ bootId: 'b1', log });
  const seen: string[] = [];
  bus.on('device', () => {
    throw new Error('listener bug');
  });
  bus.on('device', (e) => seen.push(`typed ${e.data.deviceId}`));
  bus.onAny(() => {
    throw new TypeError('another bug');
  });
  bus.onAny((e) => seen.push(`any ${e.id}`));
  const event = bus.publish('device', device(1));
  assert.equal(event.id, 'b1-1');
  assert.deepEqual(seen, ['typed 34020000001180000001', 'any b1-1']);
  assert.equal(bus.listenerErrors, 2);
});

test('a listener whose promise rejects is contained too (no unhandled rejection)', async () => {
  const bus = new EventBus({ bootId: 'b1', log });
  let after = 0;
  bus.on('device', async () => {
    await Promise.resolve();
    throw new Error('async bug');
  });
  bus.on('device', () => after++);
  bus.publish('device', device(1));
  await new Promise((r) => setImmediate(r));
  assert.equal(after, 1);
  assert.equal(bus.listenerErrors, 1);
});

test('on() returns the unsubscribe function', () => {
  const bus = new EventBus({ bootId: 'b1', log });
  let n = 0;
  const off = bus.on('alarm', () => n++);
  off();
  bus.publish('device', device(1));
  assert.equal(n, 0);
});

test('follow() replays what came after Last-Event-ID, filtered by type, then delivers live', () => {
  const bus = new EventBus({ bootId: 'k2', backlog: 10, log });
  bus.publish('device', device(1)); // k2-1
  bus.publish('channel', {
    deviceId: device(1).deviceId,
    channelId: '34020000001310000001',
    status: 'OFF',
    event: 'OFF',
  }); // k2-2
  bus.publish('device', device(3)); // k2-3
  const live: GatewayEvent[] = [];
  const f = bus.follow({ types: new Set(['device']), lastEventId: 'k2-1' }, (e) => live.push(e));
  assert.equal(f.gap, false);
  assert.deepEqual(
    f.backlog.map((e) => e.id),
    ['k2-3'],
  );
  bus.publish('channel', {
    deviceId: device(1).deviceId,
    channelId: '34020000001310000001',
    status: 'ON',
    event: 'ON',
  });
  bus.publish('device', device(5));
  assert.deepEqual(
    live.map((e) => e.id),
    ['k2-5'],
  );
  f.close();
  bus.publish('device', device(6));
  assert.equal(live.length, 1);
});

test('follow() reports a gap when the backlog no longer reaches back, or the ID is from another run', () => {
  const bus = new EventBus({ bootId: 'k3', backlog: 2, log });
  for (let i = 1; i <= 5; i++) {
    bus.publish('device', device(i));
  }
  const types = new Set(['device'] as const);
  const old = bus.follow({ types, lastEventId: 'k3-1' }, () => undefined);
  assert.equal(old.gap, true);
  assert.deepEqual(
    old.backlog.map((e) => e.id),
    ['k3-4', 'k3-5'],
  );
  const otherRun = bus.follow({ types, lastEventId: 'zz-4' }, () => undefined);
  assert.equal(otherRun.gap, true);
  assert.equal(otherRun.backlog.length, 2);
  const fresh = bus.follow({ types }, () => undefined);
  assert.deepEqual([fresh.gap, fresh.backlog.length], [false, 0]);
  const current = bus.follow({ types, lastEventId: 'k3-5' }, () => undefined);
  assert.deepEqual([current.gap, current.backlog.length], [false, 0]);
});
