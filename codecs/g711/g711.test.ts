import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from './g711.js';

test('A-law table values (G.711 Table 1, ×8 to 16 bits)', () => {
  assert.equal(alawToLinear(0xd5), 8, 'the smallest positive level; 0xD5 is A-law "silence"');
  assert.equal(alawToLinear(0x55), -8, 'its negative twin');
  assert.equal(alawToLinear(0xaa), 32256, 'largest positive: segment 7, step 15');
  assert.equal(alawToLinear(0x2a), -32256);
  assert.equal(alawToLinear(0xd4), 24, 'segment 0 step 1 (even bits inverted: 0xD4 ^ 0x55 = 0x81)');
  assert.equal(alawToLinear(0xc5), 264, 'segment 1 starts at 256 (13-bit 32) with step 16');
  assert.equal(alawToLinear(0xf5), 528, 'segment 2 step 0 (0xF5 ^ 0x55 = 0xA0): (33 << 1) × 8');
  assert.equal(alawToLinear(0xe5), 1056, 'segment 3 step 0 (0xE5 ^ 0x55 = 0xB0): (33 << 2) × 8');
});

test('µ-law table values (G.711 Table 2, ×4 to 16 bits)', () => {
  assert.equal(ulawToLinear(0xff), 0, 'positive zero');
  assert.equal(ulawToLinear(0x7f), 0, 'negative zero');
  assert.equal(ulawToLinear(0x00), -32124, 'most negative');
  assert.equal(ulawToLinear(0x80), 32124, 'most positive');
  assert.equal(ulawToLinear(0xfe), 8);
  assert.equal(ulawToLinear(0xef), 132, 'segment 1 step 0: ((33 << 1) - 33) × 4');
});

test('decoded levels agree with an independent decoder (CPython audioop.alaw2lin/ulaw2lin)', () => {
  const reference: [code: number, alaw: number, ulaw: number][] = [
    [0x00, -5504, -32124],
    [0x80, 5504, 32124],
    [0x13, -2880, -14460],
    [0xe5, 1056, 292],
    [0x3c, -13056, -2364],
  ];
  for (const [code, a, u] of reference) {
    assert.equal(alawToLinear(code), a, `A-law 0x${code.toString(16)}`);
    assert.equal(ulawToLinear(code), u, `µ-law 0x${code.toString(16)}`);
  }
});

test('encoder picks the documented codes', () => {
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToUlaw(32767), 0x80, 'clips to the top of segment 7');
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(linearToAlaw(100000), 0xaa, 'out-of-range input is clamped, not wrapped');
  assert.equal(linearToUlaw(-100000), 0x00);
});

test('law → linear → law is the identity for all 256 A-law codes', () => {
  for (let code = 0; code < 256; code++) {
    assert.equal(linearToAlaw(alawToLinear(code)), code, `0x${code.toString(16)}`);
  }
});

test('law → linear → law is the identity for all µ-law codes except negative zero', () => {
  // 0x7F and 0xFF both decode to 0 (µ-law has a +0 and a −0); 0 encodes as +0, so 0x7F → 0xFF.
  // A-law has no zero code (its smallest levels are ±8), so it has no such pair.
  for (let code = 0; code < 256; code++) {
    assert.equal(linearToUlaw(ulawToLinear(code)), code === 0x7f ? 0xff : code, `0x${code.toString(16)}`);
  }
});

// Quantization step per segment on the 16-bit scale: G.711 Table 1 (A-law, 13-bit steps 2, 2, 4 … 128,
// ×8) and Table 2 (µ-law, 14-bit steps 2, 4 … 256, ×4).
const ALAW_STEP = [16, 16, 32, 64, 128, 256, 512, 1024];
const ULAW_STEP = [8, 16, 32, 64, 128, 256, 512, 1024];

for (const [name, encode, decode, top, stepOf] of [
  ['A-law', linearToAlaw, alawToLinear, 32256, (code: number) => ALAW_STEP[((code ^ 0x55) >> 4) & 7]],
  ['µ-law', linearToUlaw, ulawToLinear, 32124, (code: number) => ULAW_STEP[(~code >> 4) & 7]],
] as const) {
  test(`${name}: linear → law → linear stays within half a step for all 16-bit inputs (one step when clipping)`, () => {
    for (let x = -32768; x <= 32767; x++) {
      const code = encode(x);
      const y = decode(code);
      const error = Math.abs(y - x);
      // Beyond the top level the input clips; the error is then bounded by one step.
      const bound = Math.abs(x) > top ? stepOf(code) : stepOf(code) / 2;
      if (error > bound) {
        assert.fail(`${x} → 0x${code.toString(16)} → ${y}: error ${error} > ${bound}`);
      }
    }
  });

  test(`${name}: the encoder is monotonic`, () => {
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const y = decode(encode(x));
      if (y < previous) {
        assert.fail(`${x} decodes to ${y} < ${previous}`);
      }
      previous = y;
    }
  });
}

test('block decode and encode match the per-sample functions and reuse dst', () => {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const a = decodeAlaw(codes);
  const u = decodeUlaw(codes);
  for (let i = 0; i < 256; i++) {
    assert.equal(a[i], alawToLinear(i));
    assert.equal(u[i], ulawToLinear(i));
  }
  const dst = new Int16Array(300);
  const view = decodeAlaw(codes, dst);
  assert.equal(view.buffer, dst.buffer);
  assert.equal(view.length, 256);
  assert.deepEqual(encodeAlaw(a), codes);
  const back = encodeUlaw(u);
  assert.equal(back[0x7f], 0xff);
  assert.throws(() => decodeUlaw(codes, new Int16Array(10)), RangeError);
});
