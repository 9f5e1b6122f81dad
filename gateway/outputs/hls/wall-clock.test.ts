import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WallClockMap } from './wall-clock.js';

test('a GOP replayed in a burst maps to the arrival of its newest unit', () => {
  const m = new WallClockMap();
  assert.equal(m.zeroMs, undefined);
  // 2 s of cached media arrive at once at wall 1_000_000 ms; then live units arrive on time
  for (let t = 0; t <= 2000; t += 40) {
    m.observe(1_000_000, t);
  }
  assert.equal(m.zeroMs, 1_000_000 - 2000);
  for (let t = 2040; t <= 6000; t += 40) {
    m.observe(1_000_000 - 2000 + t + (t % 120), t);
  } // jitter only delays
  assert.equal(m.zeroMs, 998_000);
});

test('a camera clock running slow is followed within two buckets', () => {
  const m = new WallClockMap(10_000);
  // media advances 0.1 % slower than the wall: the estimate grows by 1 ms per second
  for (let wall = 0; wall <= 60_000; wall += 40) {
    m.observe(wall, wall * 0.999);
  }
  assert.ok(m.zeroMs! >= 40 && m.zeroMs! <= 60, String(m.zeroMs));
});
