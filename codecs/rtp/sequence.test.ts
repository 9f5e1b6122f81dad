import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../test/helpers/random.js';
import { isSeqNewer, seqDiff, SequenceUnwrapper, timestampDiff, TimestampUnwrapper } from './sequence.js';

test('seqDiff is the signed 16-bit distance a − b', () => {
  assert.equal(seqDiff(5, 3), 2);
  assert.equal(seqDiff(3, 5), -2);
  assert.equal(seqDiff(0, 65535), 1, '0 follows 65535');
  assert.equal(seqDiff(65535, 0), -1);
  assert.equal(seqDiff(100, 65000), 636);
  assert.equal(seqDiff(32767, 0), 32767);
  assert.equal(seqDiff(32768, 0), -32768, 'half the circle away counts as older');
  assert.equal(seqDiff(7, 7), 0);
});

test('isSeqNewer follows the wrap', () => {
  assert.equal(isSeqNewer(0, 65535), true);
  assert.equal(isSeqNewer(65535, 0), false);
  assert.equal(isSeqNewer(10, 10), false);
  assert.equal(isSeqNewer(1000, 64000), true);
});

test('timestampDiff is the signed 32-bit distance', () => {
  assert.equal(timestampDiff(100, 0xffffff00), 356);
  assert.equal(timestampDiff(0xffffff00, 100), -356);
  assert.equal(timestampDiff(3600, 0), 3600);
});

test('SequenceUnwrapper counts cycles across 65535 → 0, also with reordering', () => {
  const u = new SequenceUnwrapper();
  const rand = seededRandom(1);
  // 65000 … 65000 + 200000 (three wraps), each packet swapped with its neighbour now and then.
  const order: number[] = [];
  for (let i = 0; i < 200000; i++) {
    order.push(65000 + i);
  }
  for (let i = 0; i + 1 < order.length; i++) {
    if (rand() < 0.1) {
      [order[i], order[i + 1]] = [order[i + 1], order[i]];
    }
  }
  for (const ext of order) {
    assert.equal(u.unwrap(ext & 0xffff), ext);
  }
});

test('SequenceUnwrapper maps a late packet from before the wrap below 65536', () => {
  const u = new SequenceUnwrapper();
  assert.equal(u.unwrap(65534), 65534);
  assert.equal(u.unwrap(1), 65537);
  assert.equal(u.unwrap(65535), 65535);
  assert.equal(u.unwrap(2), 65538);
  u.reset();
  assert.equal(u.unwrap(2), 2);
});

test('TimestampUnwrapper is monotonic across the 32-bit wrap of the shared vector (starts at 4294000000)', () => {
  const u = new TimestampUnwrapper();
  let previous = -1;
  for (let i = 0; i < 1000; i++) {
    const ext = 4294000000 + 3600 * i; // 25 fps at 90 kHz; wraps after 268 frames
    const value = u.unwrap(ext >>> 0);
    assert.equal(value, ext);
    assert.ok(value > previous);
    previous = value;
  }
  // A B-frame style step back across the wrap.
  const v = new TimestampUnwrapper();
  assert.equal(v.unwrap(0xfffffff0), 0xfffffff0);
  assert.equal(v.unwrap(0x10), 0x100000010);
  assert.equal(v.unwrap(0xfffffff8), 0xfffffff8);
});
