import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochMsOf } from '../gateway/gb28181/gb-date.js';
import { generateRecords } from './records.js';

const CH = '34020000001310000001';
const at = (y: number, mo: number, d: number, h = 0, mi = 0) =>
  epochMsOf({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0, millisecond: 0 });
const now = () => at(2025, 4, 20);

test('one 10-50 min segment per local hour, deterministic per channel and day', () => {
  const a = generateRecords(CH, 'c1', at(2025, 4, 18), at(2025, 4, 18, 23, 59), { now });
  const b = generateRecords(CH, 'c1', at(2025, 4, 18), at(2025, 4, 18, 23, 59), { now });
  assert.deepEqual(a, b);
  const today = a.filter((r) => r.startMs >= at(2025, 4, 18));
  assert.equal(today.length, 24);
  for (const [i, r] of today.entries()) {
    const minutes = (r.endMs - r.startMs) / 60_000;
    assert.ok(minutes >= 10 && minutes <= 50);
    assert.ok(r.startMs >= at(2025, 4, 18, i) && r.startMs < at(2025, 4, 18, i, 11));
    assert.ok(r.fileSizeBytes! > 0);
  }
  const other = generateRecords('34020000001310000002', 'c2', at(2025, 4, 18), at(2025, 4, 18, 23, 59), {
    now,
  });
  assert.notDeepEqual(
    other.map((r) => r.startMs),
    a.map((r) => r.startMs),
  );
});

test('ranges are honoured: overlap kept, future cut at now, empty for inverted or future ranges', () => {
  const hour = generateRecords(CH, 'c1', at(2025, 4, 18, 10), at(2025, 4, 18, 11), { now });
  assert.ok(hour.length >= 1 && hour.length <= 2);
  assert.ok(hour.every((r) => r.endMs > at(2025, 4, 18, 10) && r.startMs <= at(2025, 4, 18, 11)));
  const live = generateRecords(CH, 'c1', at(2025, 4, 19, 23), at(2025, 4, 21), {
    now: () => at(2025, 4, 19, 23, 5),
  });
  assert.ok(live.every((r) => r.endMs <= at(2025, 4, 19, 23, 5)));
  assert.deepEqual(generateRecords(CH, 'c1', at(2025, 4, 18, 11), at(2025, 4, 18, 10), { now }), []);
  assert.deepEqual(generateRecords(CH, 'c1', at(2030, 1, 1), at(2030, 1, 2), { now }), []);
  assert.equal(generateRecords(CH, 'c1', at(2024, 1, 1), at(2025, 1, 1), { now, maxItems: 100 }).length, 100);
});
