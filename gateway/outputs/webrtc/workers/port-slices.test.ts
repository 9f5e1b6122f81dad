import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitRange } from './viewer-workers.js';

test('the WebRTC port range is cut into disjoint slices that cover it, one per thread', () => {
  for (const [min, max, n] of [
    [31000, 31999, 3],
    [40000, 40010, 4],
    [5000, 5001, 1],
    [6000, 6099, 9],
  ] as const) {
    const slices = splitRange({ min, max }, n);
    assert.equal(slices.length, n);
    let next = min;
    for (const s of slices) {
      assert.ok(s);
      assert.equal(s.min, next, 'contiguous, no overlap');
      assert.ok(s.max > s.min, 'werift needs two ports at least');
      next = s.max + 1;
    }
    assert.equal(next, max + 1, 'nothing left out');
  }
});

test('a range too small for every thread gets fewer slices; no range, no slices', () => {
  assert.deepEqual(splitRange({ min: 7000, max: 7002 }, 3), [{ min: 7000, max: 7002 }]);
  assert.deepEqual(splitRange(undefined, 2), [undefined, undefined]);
});
