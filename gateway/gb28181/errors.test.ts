import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode, gbErrorMessages } from './errors.js';

test('GB error codes are unique, prefixed and each has a message', () => {
  const codes = Object.values(GbErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    assert.match(code, /^GB_ERR_[A-Z0-9_]+$/);
    assert.ok(gbErrorMessages[code].length > 10, code);
  }
  assert.deepEqual(Object.keys(gbErrorMessages).sort(), [...codes].sort());
});
