import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log.js';
import { SqliteAlarmStore, type AlarmInput } from '../store/alarm-store.js';
import { openEventsDb } from '../store/events-db.js';
import { RetentionSweeper } from './retention.js';

const DAY = 86_400_000;
const now = Date.parse('2025-06-01T00:00:00.000Z');

function fill(store: SqliteAlarmStore, count: number, ageDays: number, snBase: number): void {
  for (let i = 0; i < count; i++) {
    const at = now - ageDays * DAY + i;
    const a: AlarmInput = {
      deviceId: '34020000001180000001',
      channelId: '34020000001310000001',
      sn: String(snBase + i),
      priority: 1,
      method: 5,
      type: 2,
      time: null,
      description: null,
      longitude: null,
      latitude: null,
      receivedAt: new Date(at).toISOString(),
    };
    store.insert(a, 0);
  }
}

test('a sweep deletes rows past the age limit, then beyond the row limit, oldest first, in small batches', async () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  fill(store, 250, 40, 0); // older than 30 days
  fill(store, 300, 2, 1000); // recent
  const sweeper = new RetentionSweeper({
    tables: [{ name: 'alarms', maxAgeDays: 30, maxRows: 200, sweepBatch: (o) => store.sweepBatch(o) }],
    batch: 50,
    now: () => now,
    log: createLogger('test'),
  });
  // Count the turns of the event loop the sweep yields while it runs.
  let turns = 0;
  let sweeping = true;
  const spin = (): void => {
    if (sweeping) {
      turns++;
      setImmediate(spin);
    }
  };
  setImmediate(spin);
  const deleted = await sweeper.sweep();
  sweeping = false;
  assert.equal(deleted, 250 + 100);
  assert.equal(store.count(), 200);
  const kept = store.list({ limit: 1000 }).map((a) => Number(a.sn));
  assert.equal(Math.min(...kept), 1100, 'the oldest of the recent rows went first');
  assert.ok(sweeper.batches >= 7, `${sweeper.batches} batches of at most 50`);
  assert.ok(turns >= sweeper.batches - 2, `the loop turned ${turns} times during ${sweeper.batches} batches`);
});

test('a sweep with nothing to delete does one cheap probe per table', async () => {
  const store = new SqliteAlarmStore(openEventsDb(':memory:'));
  fill(store, 10, 1, 0);
  const sweeper = new RetentionSweeper({
    tables: [{ name: 'alarms', maxAgeDays: 30, maxRows: 1000, sweepBatch: (o) => store.sweepBatch(o) }],
    now: () => now,
    log: createLogger('test'),
  });
  assert.equal(await sweeper.sweep(), 0);
  assert.equal(sweeper.batches, 1);
  assert.equal(store.count(), 10);
});
