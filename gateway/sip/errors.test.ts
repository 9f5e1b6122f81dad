import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipErrorCode, sipErrorMessages } from './errors.js';

test('SIP error codes are unique, prefixed, and each has a message', () => {
  const codes = Object.values(SipErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    assert.match(code, /^SIP_ERR_[A-Z_]+$/);
    assert.ok(sipErrorMessages[code]?.length > 10, code);
  }
  assert.deepEqual(Object.keys(sipErrorMessages).sort(), [...codes].sort());
});
