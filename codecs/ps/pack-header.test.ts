import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { packHeaderLength, readPackHeader, writePackHeader } from './pack-header.js';

// docs/gb28181.md §10.2: SCR = 86400, program_mux_rate = 6106, no stuffing.
const MPEG2_PACK = fromHex(`
  00 00 01 ba     // pack_start_code
  44              // 01 SCR[32..30]=000 1 SCR[29..28]=00
  00              // SCR[27..20]
  16              // SCR[19..15]=00010 1 SCR[14..13]=10
  8c              // SCR[12..5]=10001100
  04              // SCR[4..0]=00000 1 SCR_ext[8..7]=00
  01              // SCR_ext[6..0]=0 1
  00 5f 6b        // program_mux_rate=6106, 11
  f8              // reserved 11111, pack_stuffing_length=0
`);

test('MPEG-2 pack header from the reference (SCR 86400, mux rate 6106)', () => {
  assert.deepEqual(readPackHeader(MPEG2_PACK), {
    mpeg1: false,
    scr: 86400,
    scrExtension: 0,
    muxRate: 6106,
    stuffingLength: 0,
    length: 14,
  });
  assert.equal(toHex(writePackHeader(86400, 6106)), toHex(MPEG2_PACK));
});

test('pack_stuffing_length bytes are skipped: FA = 2 stuffing bytes', () => {
  const stuffed = fromHex('00 00 01 ba 44 00 16 8c 04 01 00 5f 6b fa ff ff');
  const h = readPackHeader(stuffed);
  assert.ok(typeof h === 'object');
  assert.equal(h.stuffingLength, 2);
  assert.equal(h.length, 16);
  assert.equal(toHex(writePackHeader(86400, 6106, 2)), toHex(stuffed));
  assert.equal(packHeaderLength(stuffed, 0, 13), 'more', 'the stuffing length byte is not in yet');
  assert.equal(packHeaderLength(stuffed, 0, 15), 'more', 'the stuffing is not all in yet');
});

test('MPEG-1 pack header (ffmpeg -f mpeg) is 12 bytes', () => {
  const mpeg1 = fromHex(`
    00 00 01 ba
    21             // 0010 SCR[32..30]=000 1
    00 01          // SCR[29..15]=0 1
    00 01          // SCR[14..0]=0 1
    c3 33 67       // 1 mux_rate=0x21b3 (ffmpeg's value) 1
  `);
  const h = readPackHeader(mpeg1);
  assert.ok(typeof h === 'object');
  assert.deepEqual(h, {
    mpeg1: true,
    scr: 0,
    scrExtension: 0,
    muxRate: (0x43 << 15) | (0x33 << 7) | (0x67 >> 1),
    stuffingLength: 0,
    length: 12,
  });
  const later = fromHex('00 00 01 ba 2f ff ff ff ff c3 33 67');
  assert.equal((readPackHeader(later) as { scr: number }).scr, 2 ** 33 - 1, 'all 33 SCR bits');
});

test('33-bit SCR round-trips through writePackHeader', () => {
  for (const scr of [0, 1, 3600, 2 ** 30, 2 ** 32 + 12345, 2 ** 33 - 1]) {
    const h = readPackHeader(writePackHeader(scr, 1, 0, 299));
    assert.ok(typeof h === 'object');
    assert.equal(h.scr, scr);
    assert.equal(h.scrExtension, 299);
  }
  assert.equal(
    (readPackHeader(writePackHeader(2 ** 33 + 5, 1)) as { scr: number }).scr,
    5,
    'taken modulo 2^33',
  );
});

test('Hikvision empty pack 00 00 01 BA 00 00 01 E0 counts as a 4-byte header', () => {
  assert.equal(packHeaderLength(fromHex('00 00 01 ba 00 00 01 e0'), 0, 8), 4);
});

test('short and wrong bytes: more, then invalid', () => {
  assert.equal(packHeaderLength(MPEG2_PACK, 0, 4), 'more');
  assert.equal(packHeaderLength(MPEG2_PACK, 0, 13), 'more');
  assert.equal(packHeaderLength(fromHex('00 00 01 bb 44 00 00'), 0, 7), 'invalid');
  assert.equal(packHeaderLength(fromHex('00 00 01 ba c4 00 00'), 0, 7), 'invalid', "neither '01' nor '0010'");
});
