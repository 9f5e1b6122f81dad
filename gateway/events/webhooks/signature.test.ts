import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signBody, verifySignature } from './signature.js';

// Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'0123456789abcdef-secret',
//   b'{\"id\":\"k1-1\",\"type\":\"alarm\"}', hashlib.sha256).hexdigest())"
const SECRET = '0123456789abcdef-secret';
const BODY = '{"id":"k1-1","type":"alarm"}';
const EXPECTED = 'sha256=a4731ad476c70e37867e6d54412e7117510a8ea43be16c1097ca23f0869c1319';

test('X-GB-Signature is sha256= and the hex HMAC-SHA256 of the body bytes', () => {
  assert.equal(signBody(SECRET, BODY), EXPECTED);
  assert.equal(signBody(SECRET, Buffer.from(BODY)), EXPECTED);
});

test('verifySignature accepts the right signature only', () => {
  assert.equal(verifySignature(SECRET, BODY, EXPECTED), true);
  assert.equal(verifySignature(SECRET, `${BODY} `, EXPECTED), false);
  assert.equal(verifySignature('another-secret-000', BODY, EXPECTED), false);
  assert.equal(verifySignature(SECRET, BODY, undefined), false);
  assert.equal(verifySignature(SECRET, BODY, EXPECTED.slice(0, -1)), false);
});
