import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBackoff } from './auth-backoff.js';

const ADDR = '198.51.100.9';

function rig(opts: ConstructorParameters<typeof AuthBackoff>[0] = {}) {
  let now = 1_000_000;
  const backoff = new AuthBackoff({ ...opts, now: () => now });
  return { backoff, advance: (ms: number) => (now += ms) };
}

test('free failures cost nothing; each one past them doubles the wait, up to the cap', () => {
  const { backoff } = rig({ freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, leakMs: Infinity });
  assert.deepEqual(
    Array.from({ length: 3 }, () => backoff.recordFailure(ADDR)),
    [0, 0, 0],
  );
  assert.equal(backoff.waitMs(ADDR), 0);
  assert.deepEqual(
    Array.from({ length: 6 }, () => backoff.recordFailure(ADDR)),
    [1_000, 2_000, 4_000, 8_000, 8_000, 8_000],
  );
  assert.equal(backoff.waitMs(ADDR), 8_000);
  assert.equal(backoff.waitMs('192.0.2.1'), 0, 'other addresses are not affected');
});

test('the wait runs out with time; the failure count leaks away at one per leakMs', () => {
  const { backoff, advance } = rig({ freeFailures: 2, baseDelayMs: 1_000, leakMs: 60_000 });
  backoff.recordFailure(ADDR);
  backoff.recordFailure(ADDR);
  assert.equal(backoff.recordFailure(ADDR), 1_000);
  advance(999);
  assert.equal(backoff.waitMs(ADDR), 1);
  advance(1);
  assert.equal(backoff.waitMs(ADDR), 0);
  // Three minutes later three failures have leaked away: the next one is free again.
  advance(180_000);
  assert.equal(backoff.recordFailure(ADDR), 0);
});

test('a misconfigured device held to 5 failures per 10 min by the device lockout never builds a wait', () => {
  const { backoff, advance } = rig();
  for (let cycle = 0; cycle < 50; cycle++) {
    for (let i = 0; i < 5; i++) {
      assert.equal(backoff.recordFailure(ADDR), 0, `cycle ${cycle}, failure ${i}`);
      advance(60_000);
    }
    advance(5 * 60_000); // the rest of its 10-minute lock
  }
});

test('memory is bounded: the least recently used address is forgotten first', () => {
  const { backoff } = rig({ freeFailures: 0, maxKeys: 2 });
  backoff.recordFailure('a');
  backoff.recordFailure('b');
  backoff.recordFailure('a');
  backoff.recordFailure('c');
  assert.equal(backoff.size, 2);
  assert.equal(backoff.waitMs('b'), 0, 'b was the least recently used');
  assert.ok(backoff.waitMs('a') > 0);
});
