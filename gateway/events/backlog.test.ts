import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backlog } from './backlog.js';

test('a backlog hands out consecutive sequence numbers from 1', () => {
  const b = new Backlog<string>(3);
  assert.deepEqual([b.push('a'), b.push('b')], [1, 2]);
  assert.equal(b.nextSeq, 3);
  assert.deepEqual(b.after(0), { events: ['a', 'b'], complete: true });
  assert.deepEqual(b.after(1), { events: ['b'], complete: true });
  assert.deepEqual(b.after(2), { events: [], complete: true });
});

test('a full backlog drops the oldest and says when a reader missed some', () => {
  const b = new Backlog<number>(3);
  for (let i = 1; i <= 7; i++) {
    b.push(i * 10);
  }
  // Holds 5, 6, 7 (values 50, 60, 70).
  assert.equal(b.firstSeq, 5);
  assert.deepEqual(b.after(4), { events: [50, 60, 70], complete: true });
  assert.deepEqual(b.after(5), { events: [60, 70], complete: true });
  // A reader that last saw 2 missed 3 and 4.
  assert.deepEqual(b.after(2), { events: [50, 60, 70], complete: false });
  assert.deepEqual(b.after(6), { events: [70], complete: true });
});

test('a backlog wrapped many times still returns its events in order', () => {
  const b = new Backlog<number>(5);
  for (let i = 1; i <= 1003; i++) {
    b.push(i);
  }
  assert.deepEqual(b.after(1000).events, [1001, 1002, 1003]);
  assert.deepEqual(b.after(998).events, [999, 1000, 1001, 1002, 1003]);
  assert.equal(b.after(997).complete, false);
});
