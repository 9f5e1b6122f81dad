// Viewer slots (issue #20 point 6): four bounds, taken synchronously, given back exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusalMessage, ViewerSlots, type ViewerSlot } from './viewer-slots.js';

const limits = {
  maxViewers: 6,
  maxViewersPerStream: 4,
  maxPendingPerStream: 2,
  maxPendingPerClient: 3,
  connectTimeoutSec: 5,
};

function take(slots: ViewerSlots, stream: string, client: string): ViewerSlot {
  const t = slots.take(stream, client);
  assert.ok('slot' in t, `refused: ${'refused' in t ? t.refused : ''}`);
  return t.slot;
}

test('unfinished viewers are bounded per stream and per client; connected ones stop counting as pending', () => {
  const slots = new ViewerSlots(limits);
  const a1 = take(slots, 'A', 'x');
  take(slots, 'A', 'y');
  assert.deepEqual(slots.take('A', 'z'), { refused: 'pending-per-stream' });
  take(slots, 'B', 'x');
  take(slots, 'C', 'x');
  assert.deepEqual(slots.take('D', 'x'), { refused: 'pending-per-client' }, 'x has three connecting');
  a1.connected();
  assert.equal(slots.pending, 3);
  take(slots, 'D', 'x'); // one of x's viewers connected: x may start another
  take(slots, 'A', 'z'); // A has one connecting again, so room for one more
  assert.deepEqual(slots.refused, {
    total: 0,
    'per-stream': 0,
    'pending-per-stream': 1,
    'pending-per-client': 1,
    ports: 0,
  });
});

test('one stream never takes more than its share; the process total holds across streams', () => {
  const slots = new ViewerSlots({ ...limits, maxPendingPerStream: 10, maxPendingPerClient: 10 });
  const held = [1, 2, 3, 4].map((i) => take(slots, 'A', `c${i}`));
  assert.deepEqual(slots.take('A', 'c5'), { refused: 'per-stream' });
  take(slots, 'B', 'c6');
  take(slots, 'B', 'c7');
  assert.deepEqual(slots.take('C', 'c8'), { refused: 'total' });
  held[0].release();
  held[0].release(); // idempotent: gives back one slot, not two
  take(slots, 'C', 'c8');
  assert.deepEqual(slots.take('C', 'c9'), { refused: 'total' });
  assert.equal(slots.viewers, 6);
});

test('each refusal names the flag that sets its limit', () => {
  assert.match(
    refusalMessage('pending-per-stream', limits),
    /2 WebRTC viewers of this stream are still connecting \(--webrtc-max-pending-per-stream\)/,
  );
  assert.match(refusalMessage('ports', limits), /--webrtc-ports/);
});
