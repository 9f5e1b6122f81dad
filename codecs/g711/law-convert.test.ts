import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alawToLinear, ulawToLinear } from './g711.js';
import { convertLaw } from './law-convert.js';

test('each code maps to the nearest level of the other law', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const u = convertLaw(all, 'PCMA', 'PCMU');
  const a = convertLaw(all, 'PCMU', 'PCMA');
  for (let code = 0; code < 256; code++) {
    const level = alawToLinear(code);
    const best = Math.min(...Array.from({ length: 256 }, (_, c) => Math.abs(ulawToLinear(c) - level)));
    // One quantisation step of slack: encoding rounds by decision interval, not by distance.
    const got = Math.abs(ulawToLinear(u[code]) - level);
    assert.ok(got <= best + Math.max(8, Math.abs(level) / 16), `A ${code} (${level}) → µ ${u[code]}`);
    assert.equal(Math.sign(ulawToLinear(u[code])) * Math.sign(level) >= 0, true);
    const back = alawToLinear(a[code]);
    assert.ok(Math.abs(back - ulawToLinear(code)) <= Math.max(16, Math.abs(back) / 16));
  }
});

test('A-law idle (±8) becomes µ-law ±8; the same law is not copied', () => {
  assert.deepEqual([...convertLaw(Uint8Array.of(0xd5, 0x55), 'PCMA', 'PCMU')], [0xfe, 0x7e]);
  const src = Uint8Array.of(1, 2, 3);
  assert.equal(convertLaw(src, 'PCMU', 'PCMU'), src);
});
