import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, mockClock } from '../../test/helpers/mock-clock.js';
import { FramePacer, type PacerClock } from './frame-pacer.js';

/** The pacer on node:test's mocked clock (Date and setTimeout are mocked by mockClock). */
const mocked: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function pacer(maxQueue = 1000) {
  const sent: { frame: number; at: number; skipped: number }[] = [];
  const t0 = Date.now();
  const p = new FramePacer<number>({
    frameMs: 20,
    maxQueue,
    clock: mocked,
    send: (frame, skipped) => sent.push({ frame, at: Date.now() - t0, skipped }),
  });
  return { p, sent };
}

test('a clip queued at once drains one frame every 20 ms, then drained() resolves', async (t) => {
  const timers = mockClock(t);
  const { p, sent } = pacer();
  for (let i = 0; i < 10; i++) {
    p.push(i);
  }
  let done = false;
  void p.drained().then(() => (done = true));
  advance(timers, 200);
  await Promise.resolve();
  assert.deepEqual(
    sent.map((s) => s.at),
    [0, 20, 40, 60, 80, 100, 120, 140, 160, 180],
  );
  assert.deepEqual(
    sent.map((s) => s.frame),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(done, true);
});

test('live frames that arrive on time leave at once; early ones wait for their slot', (t) => {
  const timers = mockClock(t);
  const { p, sent } = pacer();
  // Arrivals with jitter around a 20 ms cadence.
  const arrivals = [0, 25, 38, 61, 79, 100, 118, 141];
  let clock = 0;
  arrivals.forEach((at, i) => {
    advance(timers, at - clock);
    clock = at;
    p.push(i);
  });
  advance(timers, 100);
  const delays = sent.map((s, i) => s.at - arrivals[i]);
  assert.deepEqual(
    sent.map((s) => s.frame),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(Math.max(...delays) <= 20, `pacing delays ${delays.join(',')}`);
  for (let i = 1; i < sent.length; i++) {
    assert.ok(sent[i].at - sent[i - 1].at >= 0);
  }
  assert.equal(p.stats.underruns, 0);
});

test('after a pause the next frame goes out at once and the gap is reported', (t) => {
  const timers = mockClock(t);
  const { p, sent } = pacer();
  p.push(0);
  advance(timers, 1000);
  p.push(1);
  assert.equal(sent.length, 2);
  assert.equal(sent[1].at, 1000);
  assert.equal(sent[1].skipped, 49, '1000 ms after frame 0: frames 1-49 never came');
  assert.equal(p.stats.underruns, 1);
});

test('a live queue is bounded: the oldest frames go first', (t) => {
  mockClock(t);
  const { p, sent } = pacer(3);
  for (let i = 0; i < 8; i++) {
    p.push(i); // at t = 0: frame 0 leaves, the rest queue
  }
  assert.deepEqual(
    sent.map((s) => s.frame),
    [0],
  );
  assert.equal(p.queued, 3);
  assert.equal(p.stats.dropped, 4);
});

test('a stalled event loop re-anchors instead of bursting the backlog', (t) => {
  const timers = mockClock(t);
  const { p, sent } = pacer();
  for (let i = 0; i < 50; i++) {
    p.push(i);
  }
  timers.tick(500); // the loop was blocked: every due timer fires late, at once
  const burst = sent.filter((s) => s.at === 500).length;
  assert.ok(burst <= 1, `${burst} frames sent at the same instant after the stall`);
  advance(timers, 100);
  const after = sent.filter((s) => s.at > 500).map((s) => s.at);
  assert.deepEqual(after.slice(0, 4), [520, 540, 560, 580]);
  assert.equal(p.stats.underruns, 1);
});

test('close drops the queue and releases drained()', async (t) => {
  mockClock(t);
  const { p, sent } = pacer();
  p.push(0);
  p.push(1);
  const drained = p.drained();
  p.close();
  await drained;
  p.push(2);
  assert.equal(sent.length, 1);
});
