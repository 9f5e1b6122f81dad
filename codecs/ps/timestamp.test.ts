import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMESTAMP_WRAP, TimestampUnwrapper, unwrapTimestamp, wrapTimestamp } from './timestamp.js';

test('unwrapTimestamp picks the value nearest the reference', () => {
  assert.equal(unwrapTimestamp(100, 0), 100);
  assert.equal(unwrapTimestamp(100, TIMESTAMP_WRAP - 3600), TIMESTAMP_WRAP + 100, 'just after the wrap');
  assert.equal(
    unwrapTimestamp(TIMESTAMP_WRAP - 100, TIMESTAMP_WRAP + 50),
    TIMESTAMP_WRAP - 100,
    'a late packet just before it',
  );
  assert.equal(unwrapTimestamp(5, 3 * TIMESTAMP_WRAP + 10), 3 * TIMESTAMP_WRAP + 5, 'several wraps in');
});

test('TimestampUnwrapper stays monotonic across the 33-bit wrap (~26.5 h)', () => {
  const u = new TimestampUnwrapper();
  const start = TIMESTAMP_WRAP - 5 * 3600;
  const out: number[] = [];
  for (let i = 0; i < 10; i++) {
    out.push(u.unwrap(wrapTimestamp(start + i * 3600)));
  }
  assert.deepEqual(
    out,
    Array.from({ length: 10 }, (_, i) => start + i * 3600),
  );
  // A PTS just past the wrap while its DTS is just before it.
  assert.equal(u.unwrapNear(1800, TIMESTAMP_WRAP - 1800), TIMESTAMP_WRAP + 1800);
  u.reset();
  assert.equal(u.unwrap(42), 42, 'after reset the first value is taken as is');
});

test('wrapTimestamp folds into 0 .. 2^33-1', () => {
  assert.equal(wrapTimestamp(TIMESTAMP_WRAP + 9), 9);
  assert.equal(wrapTimestamp(-1), TIMESTAMP_WRAP - 1);
  assert.equal(wrapTimestamp(12345), 12345);
});
