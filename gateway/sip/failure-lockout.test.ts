import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLockout } from './failure-lockout.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('N failures within the window lock the key for lockMs; then it is free again', () => {
  const c = clock();
  const lock = new FailureLockout({ maxFailures: 3, windowMs: 60_000, lockMs: 600_000, now: c.now });
  assert.equal(lock.recordFailure('dev'), false);
  assert.equal(lock.recordFailure('dev'), false);
  assert.equal(lock.isLocked('dev'), false);
  assert.equal(lock.recordFailure('dev'), true);
  assert.equal(lock.isLocked('dev'), true);
  assert.equal(lock.lockedUntil('dev'), 1_600_000);
  assert.equal(lock.isLocked('other'), false);
  lock.recordSuccess('dev'); // does not lift an active lock
  c.advance(599_999);
  assert.equal(lock.isLocked('dev'), true);
  c.advance(1);
  assert.equal(lock.isLocked('dev'), false);
  assert.equal(lock.recordFailure('dev'), false); // counting starts afresh
});

test('failures older than the window do not count; success clears them', () => {
  const c = clock();
  const lock = new FailureLockout({ maxFailures: 3, windowMs: 60_000, lockMs: 1_000, now: c.now });
  lock.recordFailure('a');
  lock.recordFailure('a');
  c.advance(60_000);
  assert.equal(lock.recordFailure('a'), false);
  lock.recordFailure('b');
  lock.recordFailure('b');
  lock.recordSuccess('b');
  assert.equal(lock.recordFailure('b'), false);
  lock.clear('a');
  assert.equal(lock.isLocked('a'), false);
});

test('memory is bounded: the least recently touched keys are forgotten', () => {
  const lock = new FailureLockout({ maxFailures: 2, maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) {
    lock.recordFailure(`ip-${i}`);
  }
  assert.equal(lock.size, 100);
  assert.equal(lock.recordFailure('ip-9999'), true); // the most recent key survived
});
