import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader } from './byte-reader.js';
import { BitReader } from './bit-reader.js';
import { ByteWriter } from './byte-writer.js';
import {
  addEmulationPrevention,
  findStartCode,
  splitAnnexB,
  stripEmulationPrevention,
} from './start-codes.js';
import { fromHex, toHex } from './hex.js';
import { concatBytes, joinBytes } from './concat.js';

test('fromHex ignores spaces and per-field comments; toHex round-trips', () => {
  const b = fromHex(`
    00 00 01 ba // pack_start_code
    44 00       # SCR (start)
  `);
  assert.deepEqual([...b], [0, 0, 1, 0xba, 0x44, 0]);
  assert.equal(toHex(b), '00 00 01 ba 44 00');
  assert.throws(() => fromHex('0'), /hex/);
});

test('ByteReader reads big-endian fields and returns undefined past the end', () => {
  const r = new ByteReader(fromHex('01 02 03 04 05 06 07 08 09 0a 0b'));
  assert.equal(r.u8(), 0x01);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u24(), 0x040506);
  assert.equal(r.u32(), 0x0708090a);
  assert.equal(r.remaining, 1);
  assert.equal(r.u16(), undefined, 'a short read returns undefined');
  assert.equal(r.offset, 10, 'and does not move');
  assert.equal(r.skip(2), false);
  assert.deepEqual([...r.bytesView(1)!], [0x0b]);
  assert.equal(new ByteReader(fromHex('ff ff ff ff ff ff ff ff')).u32(), 0xffffffff);
  assert.equal(new ByteReader(fromHex('00 00 00 01 00 00 00 02')).u64(), 2 ** 32 + 2);
});

test('BitReader: u(n), ue(v) and se(v) per H.264 §9.1 Table 9-2', () => {
  // 1 | 010 | 011 | 00100 | 00101 | 00110 | 00111 | 0001000 -> ue 0,1,2,3,4,5,6,7
  // then se from ue 1,2,3,4 -> 1,-1,2,-2 : 010 011 00100 00101
  const bits =
    '1' +
    '010' +
    '011' +
    '00100' +
    '00101' +
    '00110' +
    '00111' +
    '0001000' +
    '010' +
    '011' +
    '00100' +
    '00101';
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] === '1') {
      bytes[i >> 3] |= 0x80 >> (i & 7);
    }
  }
  const r = new BitReader(bytes);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map(() => r.ue()),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual([r.se(), r.se(), r.se(), r.se()], [1, -1, 2, -2]);
  assert.equal(r.overrun, false);
  const f = new BitReader(fromHex('a5 ff 00 01'));
  assert.equal(f.u(4), 0xa);
  assert.equal(f.u(12), 0x5ff);
  assert.equal(f.u(16), 1);
  assert.equal(f.u1(), 0, 'past the end reads zero');
  assert.equal(f.overrun, true);
});

test('BitReader: a 32-bit field and a run of zeros that never ends', () => {
  const r = new BitReader(fromHex('7f ff ff ff 80'));
  r.skip(1);
  assert.equal(r.u(32), 0xffffffff, 'unaligned 32-bit field stays unsigned');
  const z = new BitReader(new Uint8Array(8));
  assert.equal(z.ue(), 0);
  assert.equal(z.overrun, true, 'more than 31 leading zeros is an overrun, not a huge number');
});

test('findStartCode finds 00 00 01 only within [from, end)', () => {
  const b = fromHex('11 00 00 01 65 00 00 00 01 41 00 00');
  assert.equal(findStartCode(b), 1);
  assert.equal(findStartCode(b, 2), 6, 'a 4-byte start code is found at its 00 00 01');
  assert.equal(findStartCode(b, 7), -1);
  assert.equal(findStartCode(b, 0, 3), -1, 'the 01 must be before end');
});

test('splitAnnexB returns NAL units as views without start codes or trailing zeros', () => {
  const b = fromHex('ff 00 00 00 01 67 42 00 00 01 68 ce 00 00 00 00 01 65 88 80');
  const units = splitAnnexB(b);
  assert.deepEqual(
    units.map((u) => toHex(u)),
    ['67 42', '68 ce', '65 88 80'],
  );
  assert.equal(units[0].buffer, b.buffer, 'views, not copies');
});

test('emulation prevention: 00 00 03 xx loses the 03, and adding it back round-trips', () => {
  const nal = fromHex('67 00 00 03 01 00 00 03 00 00 00 03 03 aa');
  assert.equal(toHex(stripEmulationPrevention(nal)), '67 00 00 01 00 00 00 00 00 03 aa');
  const plain = fromHex('67 42 c0 1f');
  assert.equal(stripEmulationPrevention(plain), plain, 'no copy when there is nothing to strip');
  const rbsp = fromHex('00 00 00 00 00 01 00 00 02 00 00 03 ff 00 00');
  const escaped = addEmulationPrevention(rbsp);
  assert.equal(toHex(escaped), '00 00 03 00 00 03 00 01 00 00 03 02 00 00 03 03 ff 00 00');
  assert.deepEqual(stripEmulationPrevention(escaped), rbsp);
});

test('ByteWriter grows and patches 16-bit fields', () => {
  const w = new ByteWriter(16);
  w.u32(0x000001bc).u16(0).u8(0xe1).u24(0x010203);
  for (let i = 0; i < 40; i++) {
    w.u8(i);
  }
  w.patchU16(4, w.length - 6);
  const out = w.finish();
  assert.equal(out.length, 50);
  assert.equal(toHex(out.subarray(0, 10)), '00 00 01 bc 00 2c e1 01 02 03');
});

test('concatBytes copies the parts back to back; joinBytes passes a single part through', () => {
  const a = Uint8Array.of(1, 2);
  const b = Uint8Array.of(3);
  const joined = concatBytes([a, b]);
  assert.deepEqual([...joined], [1, 2, 3]);
  a[0] = 9;
  assert.equal(joined[0], 1, 'concatBytes must copy');
  assert.deepEqual([...concatBytes([a, b], 3)], [9, 2, 3]);
  assert.equal(concatBytes([]).byteLength, 0);
  assert.equal(joinBytes([b]), b, 'a single part is passed through');
  assert.notEqual(concatBytes([b]), b, 'concatBytes always allocates');
  assert.deepEqual([...joinBytes([b, a])], [3, 9, 2]);
});
