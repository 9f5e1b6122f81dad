import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionCaps, readOpenFileLimit } from './open-files.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96367                96367                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('the open-file limit is read from /proc/self/limits', () => {
  assert.deepEqual(readOpenFileLimit(LIMITS), { soft: 1024, hard: 524288 });
  assert.deepEqual(readOpenFileLimit(LIMITS.replace('524288', 'unlimited')), { soft: 1024, hard: null });
  assert.deepEqual(readOpenFileLimit('garbage'), { soft: null, hard: null });
  const own = readOpenFileLimit();
  assert.ok(own.soft === null || own.soft > 0, 'this process has a readable limit on Linux');
});

test('HTTP and SIP TCP caps leave 40 % of the descriptors to media and the process', () => {
  assert.deepEqual(connectionCaps({ soft: 1024, hard: 4096 }), { http: 409, sipTcp: 204 });
  assert.deepEqual(connectionCaps({ soft: null, hard: null }), { http: 409, sipTcp: 204 }, '1024 assumed');
  assert.deepEqual(connectionCaps({ soft: 65536, hard: 65536 }, { http: 5000 }), {
    http: 5000,
    sipTcp: 13107,
  });
  assert.deepEqual(connectionCaps({ soft: 20, hard: 20 }), { http: 16, sipTcp: 8 });
});
