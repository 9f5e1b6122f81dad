import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteAlarmStore, type AlarmInput } from './alarm-store.js';
import { openEventsDb } from './events-db.js';

const HOUR = 3_600_000;
const base = Date.parse('2025-04-22T03:00:00.000Z');

function alarm(sn: string, atMs: number, over: Partial<AlarmInput> = {}): AlarmInput {
  return {
    deviceId: '34020000001180000001',
    channelId: '34020000001310000001',
    sn,
    priority: 1,
    method: 5,
    type: 2,
    time: new Date(atMs - 500).toISOString(),
    description: 'motion',
    longitude: 117.2272,
    latitude: 31.8206,
    receivedAt: new Date(atMs).toISOString(),
    ...over,
  };
}

test('the same device and SN within the window is one alarm; after the window it is a new one', () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  const first = store.insert(alarm('7', base), HOUR);
  assert.ok(first);
  assert.equal(store.insert(alarm('7', base + 10_000), HOUR), undefined, 'retransmitted with a new Call-ID');
  assert.ok(
    store.insert(alarm('7', base, { deviceId: '34020000001180000002' }), HOUR),
    'another device, same SN',
  );
  assert.ok(store.insert(alarm('8', base + 1), HOUR), 'same device, next SN');
  assert.ok(
    store.insert(alarm('7', base + HOUR + 1), HOUR),
    'the device restarted its SN counter an hour later',
  );
  assert.equal(store.count(), 4);
});

test('alarms list newest first, filter, and page with before=<alarmId>', () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  for (let i = 1; i <= 5; i++) {
    store.insert(alarm(String(i), base + i * 1000, { priority: i % 2 === 0 ? 2 : 1 }), HOUR);
  }
  store.insert(alarm('x', base, { channelId: '34020000001310000009', type: 6 }), HOUR);
  const all = store.list({ limit: 100 });
  assert.deepEqual(
    all.map((a) => a.sn),
    ['x', '5', '4', '3', '2', '1'],
  );
  assert.deepEqual(
    store.list({ limit: 2, before: all[1].alarmId }).map((a) => a.sn),
    ['4', '3'],
  );
  assert.deepEqual(
    store.list({ limit: 100, priority: 2 }).map((a) => a.sn),
    ['4', '2'],
  );
  assert.deepEqual(
    store.list({ limit: 100, channelId: '34020000001310000009' }).map((a) => a.type),
    [6],
  );
  assert.deepEqual(
    store.list({ limit: 100, since: new Date(base + 2500), until: new Date(base + 4000) }).map((a) => a.sn),
    ['4', '3'],
  );
});

test('acknowledging keeps the first time and is visible in the unacknowledged filter', () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  const a = store.insert(alarm('1', base), HOUR)!;
  store.insert(alarm('2', base + 1), HOUR);
  const acked = store.acknowledge(a.alarmId, '2025-04-22T03:05:00.000Z')!;
  assert.equal(acked.acknowledged, true);
  assert.equal(
    store.acknowledge(a.alarmId, '2025-04-22T04:00:00.000Z')!.acknowledgedAt,
    '2025-04-22T03:05:00.000Z',
  );
  assert.deepEqual(
    store.list({ limit: 10, acknowledged: false }).map((x) => x.sn),
    ['2'],
  );
  assert.equal(store.acknowledge('999', 'x'), undefined);
  assert.equal(store.get('not-a-number'), undefined);
});

test('what the device left out stays null; a 0 stays 0', () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  store.insert(
    alarm('1', base, {
      priority: null,
      method: null,
      type: null,
      time: null,
      description: null,
      longitude: null,
      latitude: null,
    }),
    HOUR,
  );
  store.insert(alarm('2', base, { longitude: 0, latitude: 0 }), HOUR);
  const [zero, empty] = store.list({ limit: 10 });
  assert.deepEqual(
    [empty.priority, empty.method, empty.type, empty.time, empty.longitude, empty.latitude],
    [null, null, null, null, null, null],
  );
  assert.deepEqual([zero.longitude, zero.latitude], [0, 0]);
});
