// Sealed secrets: AES-256-GCM under the storage key, bound to where they are stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecretBox } from './secret-box.js';

const box = new SecretBox(randomBytes(32));
const AT = 'cascade_uppers.password:34020000002000000099';

test('a sealed value opens to itself and does not contain it', () => {
  const sealed = box.seal('upper-pw-12345', AT);
  assert.ok(SecretBox.isSealed(sealed));
  assert.ok(!sealed.includes('upper-pw-12345'));
  assert.equal(box.open(sealed, AT), 'upper-pw-12345');
  assert.equal(box.open(box.seal('', AT), AT), '', 'an empty value round-trips');
  assert.equal(box.open(box.seal('密码', AT), AT), '密码', 'UTF-8 round-trips');
});

test('each seal uses a fresh IV: the same password twice gives two different stored values', () => {
  assert.notEqual(box.seal('same', AT), box.seal('same', AT));
});

test('a value sealed for one row does not open at another, nor under another key, nor altered', () => {
  const sealed = box.seal('upper-pw', AT);
  assert.throws(() => box.open(sealed, 'cascade_uppers.password:34020000002000000098'), /does not open/);
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, AT), /does not open/);
  const raw = Buffer.from(sealed.slice('enc:v1:'.length), 'base64');
  raw[raw.length - 1] ^= 1; // one bit of the ciphertext
  assert.throws(() => box.open(`enc:v1:${raw.toString('base64')}`, AT), /does not open/);
  assert.throws(() => box.open('enc:v1:AAAA', AT), /truncated/);
});

test('a plaintext value from before sealing is returned as it is (for the migration)', () => {
  assert.equal(SecretBox.isSealed('plain-old'), false);
  assert.equal(box.open('plain-old', AT), 'plain-old');
});

test('the key must be 256 bits', () => {
  assert.throws(() => new SecretBox(randomBytes(16)), /32/);
});
