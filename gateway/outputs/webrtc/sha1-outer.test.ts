import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Sha1Outer } from './sha1-outer.js';

/** K ⊕ ipad and K ⊕ opad for a key of at most 64 bytes (RFC 2104 §2). */
function pads(key: Buffer): { ipad: Buffer; opad: Buffer } {
  const ipad = Buffer.alloc(64, 0x36);
  const opad = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i] ^= key[i];
    opad[i] ^= key[i];
  }
  return { ipad, opad };
}

/** HMAC-SHA1 as the SRTP protector computes it: OpenSSL's inner hash, our outer compression. */
function hmac(key: Buffer, message: Buffer): Buffer {
  const { ipad, opad } = pads(key);
  const inner = createHash('sha1').update(ipad).update(message).digest();
  const out = Buffer.alloc(20);
  new Sha1Outer(opad).digest(inner, out, 0, 20);
  return out;
}

test('RFC 2202 test case 1: HMAC-SHA1 with key 0x0b × 20 of "Hi There"', () => {
  assert.equal(
    hmac(Buffer.alloc(20, 0x0b), Buffer.from('Hi There')).toString('hex'),
    'b617318655057264e28bc0b6fb378c8ef146be00',
  );
});

test('equals OpenSSL HMAC-SHA1 for random 20-byte keys (SRTP k_a) and messages; a truncated tag is written in place', () => {
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(20);
    const message = randomBytes(i * 7);
    const want = createHmac('sha1', key).update(message).digest();
    assert.deepEqual(hmac(key, message), want, `case ${i}`);
    const { ipad, opad } = pads(key);
    const out = Buffer.alloc(12, 0xee);
    new Sha1Outer(opad).digest(createHash('sha1').update(ipad).update(message).digest(), out, 1, 10);
    assert.deepEqual(out.subarray(1, 11), want.subarray(0, 10), 'the 80-bit SRTP tag (RFC 3711 §5.2)');
    assert.equal(out[0], 0xee);
    assert.equal(out[11], 0xee);
  }
});
