import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryTimeoutError, QueryTracker } from './query-tracker.js';

interface Page {
  sumNum: number;
  items: { id: string; name: string }[];
}

const DEVICE = '34020000001320000001';
const item = (id: string, name = id) => ({ id, name });

function pagedQuery(tracker: QueryTracker, sn: string, quietMs = 1_000, timeoutMs = 5_000) {
  return tracker.paged<Page, Page['items'][number]>(DEVICE, 'Catalog', sn, {
    pageOf: (m) => m,
    itemKey: (i) => i.id,
    timeoutMs,
    quietMs,
  });
}

test('pages out of order and duplicated (wvp #464) complete at SumNum unique items', async () => {
  const tracker = new QueryTracker();
  const answer = pagedQuery(tracker, '100');
  assert.equal(tracker.deliver(DEVICE, 'Catalog', '100', { sumNum: 3, items: [item('c')] }), true);
  assert.equal(tracker.deliver(DEVICE, 'catalog', '100', { sumNum: 3, items: [item('c')] }), true);
  assert.equal(tracker.deliver(DEVICE, 'Catalog', '100', { sumNum: 3, items: [item('a'), item('b')] }), true);
  const result = await answer;
  assert.equal(result.complete, true);
  assert.equal(result.sumNum, 3);
  assert.deepEqual(
    result.items.map((i) => i.id),
    ['c', 'a', 'b'],
  );
  // Completed: a late duplicate finds nobody waiting.
  assert.equal(tracker.deliver(DEVICE, 'Catalog', '100', { sumNum: 3, items: [item('a')] }), false);
  assert.equal(tracker.pendingCount, 0);
});

test('the first copy of a duplicated item wins', async () => {
  const tracker = new QueryTracker();
  const answer = pagedQuery(tracker, '101');
  tracker.deliver(DEVICE, 'Catalog', '101', { sumNum: 2, items: [item('a', 'first')] });
  tracker.deliver(DEVICE, 'Catalog', '101', { sumNum: 2, items: [item('a', 'second'), item('b')] });
  const result = await answer;
  assert.deepEqual(result.items, [item('a', 'first'), item('b')]);
});

test('a quiet gap after some pages ends the answer as partial, never as complete', async () => {
  const tracker = new QueryTracker();
  const answer = pagedQuery(tracker, '102', 20);
  tracker.deliver(DEVICE, 'Catalog', '102', { sumNum: 5, items: [item('a'), item('b')] });
  const result = await answer;
  assert.equal(result.complete, false);
  assert.equal(result.sumNum, 5);
  assert.deepEqual(
    result.items.map((i) => i.id),
    ['a', 'b'],
  );
  assert.equal(tracker.pendingCount, 0);
});

test('SumNum 0 with no list completes at once with no items (wvp #401)', async () => {
  const tracker = new QueryTracker();
  const answer = pagedQuery(tracker, '103');
  tracker.deliver(DEVICE, 'Catalog', '103', { sumNum: 0, items: [] });
  assert.deepEqual(await answer, { items: [], sumNum: 0, complete: true });
});

test('no page at all rejects with QueryTimeoutError; cancel rejects with its reason', async () => {
  const tracker = new QueryTracker();
  await assert.rejects(pagedQuery(tracker, '104', 1_000, 20), QueryTimeoutError);
  const cancelled = pagedQuery(tracker, '105');
  tracker.deliver(DEVICE, 'Catalog', '105', { sumNum: 2, items: [item('a')] });
  tracker.cancel(DEVICE, 'Catalog', '105', new Error('request failed'));
  await assert.rejects(cancelled, /request failed/);
  assert.equal(tracker.pendingCount, 0);
});
