import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { parseAudioBasic } from './au.js';

const snd = fromHex(`
  2e 73 6e 64  // ".snd"
  00 00 00 20  // data offset 32
  00 00 00 03  // data size 3
  00 00 00 1b  // encoding 27: 8-bit A-law
  00 00 1f 40  // 8000 Hz
  00 00 00 01  // one channel
  41 42 43 00 00 00 00 00  // annotation, padded to the offset
  d5 d5 55     // three samples
  99           // beyond the declared size: ignored
`);

test('a .snd header names the law and bounds the samples', () => {
  const r = parseAudioBasic(snd);
  assert.ok(r.ok);
  assert.equal(r.value.law, 'PCMA');
  assert.deepEqual([...r.value.samples], [0xd5, 0xd5, 0x55]);
});

test('bare bytes are µ-law at 8 kHz (RFC 2046 §4.3.3); an empty body is an error', () => {
  const r = parseAudioBasic(fromHex('ff 7f 00 80'));
  assert.ok(r.ok);
  assert.equal(r.value.law, 'PCMU');
  assert.equal(r.value.samples.length, 4);
  assert.equal(parseAudioBasic(new Uint8Array(0)).ok, false);
});

test('a .snd that needs a decoder or a resampler is refused with the reason', () => {
  const with16Bit = snd.slice();
  with16Bit[15] = 3; // 16-bit linear
  const r1 = parseAudioBasic(with16Bit);
  assert.ok(!r1.ok && /encoding 3/.test(r1.detail));
  const stereo = snd.slice();
  stereo[23] = 2;
  const r2 = parseAudioBasic(stereo);
  assert.ok(!r2.ok && /2 channel/.test(r2.detail));
  const badOffset = snd.slice();
  badOffset[7] = 0xff;
  assert.equal(parseAudioBasic(badOffset).ok, false);
  for (let n = 0; n <= snd.length; n++) {
    assert.equal(typeof parseAudioBasic(snd.subarray(0, n)).ok, 'boolean');
  }
});
