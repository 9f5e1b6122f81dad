import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openEventsDb } from './events-db.js';
import { SqlitePositionStore, type PositionRecord } from './position-store.js';

const D = '34020000001180000001';
const C = '34020000001310000001';
const t0 = Date.parse('2025-04-22T03:30:00.000Z');

function fix(sec: number, over: Partial<PositionRecord> = {}): PositionRecord {
  return {
    deviceId: D,
    channelId: C,
    time: new Date(t0 + sec * 1000).toISOString(),
    longitude: 117.2272 + sec / 10_000,
    latitude: 31.8206,
    speed: 12.5,
    direction: 90,
    altitude: 30,
    receivedAt: new Date(t0 + sec * 1000 + 200).toISOString(),
    ...over,
  };
}

test('the latest position follows the device time, never back to an older report', () => {
  const store = new SqlitePositionStore(openEventsDb(':memory:'));
  store.insert(fix(0));
  store.insert(fix(10));
  store.insert(fix(5)); // a reordered datagram
  assert.equal(store.latestOf(D, C)?.time, fix(10).time);
  assert.equal(store.latest().length, 1);
  assert.equal(store.track(D, C, t0, t0 + 60_000, 100).length, 3);
});

test('a track is the channel reports in the range, oldest first, limited', () => {
  const store = new SqlitePositionStore(openEventsDb(':memory:'));
  for (const s of [30, 0, 10, 20, 40]) {
    store.insert(fix(s));
  }
  store.insert(fix(15, { channelId: '34020000001310000002' }));
  const track = store.track(D, C, t0 + 10_000, t0 + 30_000, 100);
  assert.deepEqual(
    track.map((p) => p.time),
    [fix(10).time, fix(20).time, fix(30).time],
  );
  assert.equal(store.track(D, C, t0, t0 + 60_000, 2).length, 2);
});

test('missing coordinates are stored as null and a report without a time is placed at its arrival', () => {
  const store = new SqlitePositionStore(openEventsDb(':memory:'));
  store.insert(
    fix(0, { longitude: null, latitude: null, speed: null, direction: null, altitude: null, time: null }),
  );
  store.insert(fix(1, { longitude: 0, latitude: 0 }));
  const [noFix, zero] = store.track(D, C, t0, t0 + 60_000, 10);
  assert.deepEqual([noFix.time, noFix.longitude, noFix.latitude, noFix.speed], [null, null, null, null]);
  assert.deepEqual([zero.longitude, zero.latitude], [0, 0]);
});
