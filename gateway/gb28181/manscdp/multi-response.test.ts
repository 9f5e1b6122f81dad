import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogItem } from './catalog.js';
import type { RecordItem } from './record.js';
import { MultiResponseCollector, catalogItemKey, recordItemKey } from './multi-response.js';

const DEV = '34020000001180000001';
const ch = (n: number): CatalogItem => ({ deviceId: `3402000000131000000${n}`, name: `ch${n}` });

test('catalog pages out of order and duplicated complete at unique count ≥ SumNum', () => {
  const c = new MultiResponseCollector(catalogItemKey);
  c.start(DEV, '120417');
  assert.deepEqual(c.addPage(DEV, '120417', 3, [ch(3)]), {
    state: 'progress',
    received: 1,
    sumNum: 3,
    newItems: 1,
  });
  assert.deepEqual(c.addPage(DEV, '120417', 3, [ch(3)]), {
    state: 'progress',
    received: 1,
    sumNum: 3,
    newItems: 0,
  });
  assert.deepEqual(c.addPage(DEV, '120417', 3, [ch(1)]), {
    state: 'progress',
    received: 2,
    sumNum: 3,
    newItems: 1,
  });
  const done = c.addPage(DEV, '120417', 3, [ch(2), ch(1)]);
  assert.deepEqual(done, {
    state: 'complete',
    result: { items: [ch(3), ch(1), ch(2)], sumNum: 3, partial: false, pages: 4, duplicates: 2 },
  });
  // Retransmissions after completion are no longer collected.
  assert.deepEqual(c.addPage(DEV, '120417', 3, [ch(2)]), { state: 'unknown' });
  assert.equal(c.size, 0);
});

test('pages for an SN we did not issue are unknown (Tiandy unsolicited response, wvp #1425)', () => {
  const c = new MultiResponseCollector(catalogItemKey);
  c.start(DEV, '1');
  assert.deepEqual(c.addPage(DEV, '2', 1, [ch(1)]), { state: 'unknown' });
  assert.deepEqual(c.addPage('34020000001180000002', '1', 1, [ch(1)]), { state: 'unknown' });
});

test('the quiet timeout yields a partial result; never-answered requests are partial and empty', () => {
  const c = new MultiResponseCollector(catalogItemKey);
  c.start(DEV, '7');
  c.addPage(DEV, '7', 53, [ch(1)]);
  c.addPage(DEV, '7', 53, [ch(2)]);
  assert.deepEqual(c.finish(DEV, '7'), {
    items: [ch(1), ch(2)],
    sumNum: 53,
    partial: true,
    pages: 2,
    duplicates: 0,
  });
  assert.equal(c.finish(DEV, '7'), undefined);
  c.start(DEV, '8');
  assert.deepEqual(c.finish(DEV, '8'), { items: [], sumNum: 0, partial: true, pages: 0, duplicates: 0 });
});

test('SumNum 0 completes at once with no items', () => {
  const c = new MultiResponseCollector(recordItemKey);
  c.start('34020000001310000001', '9');
  assert.deepEqual(c.addPage('34020000001310000001', '9', 0, []), {
    state: 'complete',
    result: { items: [], sumNum: 0, partial: false, pages: 1, duplicates: 0 },
  });
});

test('records are unique by StartTime + EndTime + FilePath', () => {
  const rec = (start: string, end: string, filePath?: string): RecordItem =>
    filePath === undefined
      ? { deviceId: 'c', startTime: start, endTime: end }
      : { deviceId: 'c', startTime: start, endTime: end, filePath };
  const c = new MultiResponseCollector(recordItemKey);
  c.start('c', '1');
  c.addPage('c', '1', 4, [
    rec('2025-04-18T10:23:02', '2025-04-18T10:40:20', 'a'),
    rec('2025-04-18T10:23:02', '2025-04-18T10:40:20', 'b'),
  ]);
  const r = c.addPage('c', '1', 4, [
    rec('2025-04-18T10:23:02', '2025-04-18T10:40:20', 'a'),
    rec('2025-04-18T10:40:20', '2025-04-18T10:57:36'),
  ]);
  assert.deepEqual(r, { state: 'progress', received: 3, sumNum: 4, newItems: 1 });
});

test("item cap bounds memory; clear drops a device's collections", () => {
  const c = new MultiResponseCollector(catalogItemKey, { maxItems: 2 });
  c.start(DEV, '1');
  c.start(DEV, '2');
  c.start('other', '1');
  assert.deepEqual(c.addPage(DEV, '1', 5, [ch(1), ch(2), ch(3)]), {
    state: 'progress',
    received: 2,
    sumNum: 5,
    newItems: 2,
  });
  assert.equal(c.clear(DEV), 2);
  assert.equal(c.isOpen('other', '1'), true);
});
