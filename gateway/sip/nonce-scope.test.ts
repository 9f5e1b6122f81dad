// A nonce issued for a scope (the registrar: the IP the challenge went to) checks only there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceSigner } from './nonce.js';

test('a scoped nonce is valid in its scope only; an unscoped one only without a scope', () => {
  const signer = new NonceSigner();
  const scoped = signer.issue('192.0.2.10');
  assert.equal(signer.check(scoped, '192.0.2.10'), 'valid');
  assert.equal(signer.check(scoped, '192.0.2.11'), 'invalid');
  assert.equal(signer.check(scoped), 'invalid');
  const plain = signer.issue();
  assert.equal(signer.check(plain), 'valid');
  assert.equal(signer.check(plain, '192.0.2.10'), 'invalid');
  assert.equal(scoped.length, plain.length, 'the scope is under the MAC, not in the nonce');
});

test('an expired scoped nonce is still told apart from a foreign one (stale=true needs it)', () => {
  let now = 1_000_000;
  const signer = new NonceSigner({ ttlMs: 1_000, now: () => now });
  const n = signer.issue('192.0.2.10');
  now += 5_000;
  assert.equal(signer.check(n, '192.0.2.10'), 'expired');
  assert.equal(signer.check(n, '192.0.2.11'), 'invalid');
});
