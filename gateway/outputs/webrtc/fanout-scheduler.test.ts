import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FanoutScheduler } from './fanout-scheduler.js';

const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
};

test('jobs run in FIFO order, after the current tick', async () => {
  const s = new FanoutScheduler();
  const order: number[] = [];
  for (let i = 0; i < 5; i++) {
    s.enqueue({ run: () => order.push(i) });
  }
  assert.deepEqual(order, []);
  assert.equal(s.pending, 5);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(s.pending, 0);
});

test('a long queue is cut into slices with the event loop turning in between', async () => {
  const s = new FanoutScheduler({ sliceMs: 2 });
  const ran: number[] = [];
  let timerFired = -1;
  // Armed by the first job: it can only fire if the loop turns before the queue is done.
  s.enqueue({ run: () => void setTimeout(() => (timerFired = ran.length), 0) });
  for (let i = 0; i < 20; i++) {
    s.enqueue({ run: () => (spin(1), ran.push(i)) });
  }
  while (s.pending > 0) {
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(ran.length, 20);
  assert.ok(s.stats.slices >= 5, `slices ${s.stats.slices}`);
  assert.ok(timerFired > 0 && timerFired < 20, `a timer ran mid-queue (after ${timerFired} jobs)`);
});

test('a throwing job does not stop the queue; flush() runs everything now', () => {
  const s = new FanoutScheduler();
  const ran: string[] = [];
  s.enqueue({ run: () => ran.push('a') });
  s.enqueue({
    run: () => {
      throw new Error('boom');
    },
  });
  s.enqueue({ run: () => ran.push('c') });
  s.flush();
  assert.deepEqual(ran, ['a', 'c']);
  assert.equal(s.pending, 0);
});
