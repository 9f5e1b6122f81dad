import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsrcAllocator, isGbSsrc, ssrcKind, ssrcToUint32, uint32ToSsrc } from './ssrc.js';

test('first live SSRC for realm 3402000000 is 0200000001; history starts with 1', () => {
  assert.equal(new SsrcAllocator('3402000000').allocate('live'), '0200000001');
  assert.equal(new SsrcAllocator('3402000000').allocate('history'), '1200000001');
  const a = new SsrcAllocator('3402000000');
  // One stream-number pool for both kinds, as in docs/gb28181.md §7.1 then §7.4.
  assert.deepEqual(
    [a.allocate('live'), a.allocate('history'), a.allocate('history')],
    ['0200000001', '1200000002', '1200000003'],
  );
  assert.equal(a.domainDigits, '20000');
  assert.equal(new SsrcAllocator('4401060000').allocate('live'), '0106000001'); // digits 4-8 = 10600
  assert.equal(new SsrcAllocator('34020000').allocate('live'), '0200000001'); // 8-digit realm (field)
});

test('the RTP SSRC is the decimal value: 0200000001 → 200000001 (0x0BEBC201), 1200000001 → 0x47868C01', () => {
  assert.equal(ssrcToUint32('0200000001'), 200000001);
  assert.equal(ssrcToUint32('0200000001'), 0x0bebc201);
  assert.equal(ssrcToUint32('1200000001'), 0x47868c01);
  assert.equal(ssrcToUint32('9999999999'), undefined); // > 2^32 - 1
  assert.equal(ssrcToUint32('200000001'), undefined);
  assert.equal(ssrcToUint32('02000000a1'), undefined);
  assert.equal(uint32ToSsrc(200000001), '0200000001');
  assert.equal(uint32ToSsrc(0), '0000000000');
  assert.equal(isGbSsrc('4294967295'), true);
  assert.equal(isGbSsrc('4294967296'), false);
  assert.equal(ssrcKind('0703001718'), 'live');
  assert.equal(ssrcKind('1200000002'), 'history');
  assert.equal(ssrcKind('2200000002'), undefined);
});

test('values are unique among active sessions; release frees exactly the value issued', () => {
  const a = new SsrcAllocator('3402000000');
  const issued = new Set<string>();
  for (let i = 0; i < 500; i++) {
    issued.add(a.allocate(i % 2 ? 'history' : 'live')!);
  }
  assert.equal(issued.size, 500);
  assert.equal(a.activeCount, 500);
  assert.equal(a.isActive('0200000001'), true);
  assert.equal(a.release('1200000001'), false); // 0001 was issued as live
  assert.equal(a.release('0200000001'), true);
  assert.equal(a.release('0200000001'), false); // already released
  assert.equal(a.release('0300000002'), false); // another domain
  assert.equal(a.isActive('0200000001'), false);
  assert.equal(a.activeCount, 499);
});

test('the 4-digit sequence wraps from 9999 to 0001 and skips active numbers', () => {
  const a = new SsrcAllocator('3402000000');
  const all: string[] = [];
  for (let i = 0; i < 9999; i++) {
    all.push(a.allocate('live')!);
  }
  assert.equal(all.at(-1), '0200009999');
  assert.equal(a.allocate('live'), undefined); // exhausted, reported as data
  assert.ok(a.release('0200000003'));
  assert.ok(a.release('0200000007'));
  assert.equal(a.allocate('history'), '1200000003');
  assert.equal(a.allocate('live'), '0200000007');
  assert.equal(a.allocate('live'), undefined);
  assert.ok(a.release('0200009999'));
  assert.ok(a.release('0200000001'));
  assert.equal(a.allocate('live'), '0200009999'); // continues after the last issued (0007) and wraps
  assert.equal(a.allocate('live'), '0200000001');
});

test('a realm shorter than 8 digits is a configuration error', () => {
  assert.throws(() => new SsrcAllocator('340200'), RangeError);
});
