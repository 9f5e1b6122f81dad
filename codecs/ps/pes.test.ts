import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { readPesHeader, readTimestamp, writePesHeader, writeTimestamp } from './pes.js';

test('PTS 90000 alone is 21 00 05 BF 21 (docs/gb28181.md §10.5)', () => {
  assert.equal(readTimestamp(fromHex('21 00 05 bf 21'), 0), 90000);
  const out = new Uint8Array(5);
  writeTimestamp(out, 0, 2, 90000);
  assert.equal(toHex(out), '21 00 05 bf 21');
});

test('PTS 93600 with DTS 90000 is 31 00 05 DB 41 + 11 00 05 BF 21', () => {
  const b = fromHex('31 00 05 db 41 11 00 05 bf 21');
  assert.equal(readTimestamp(b, 0), 93600);
  assert.equal(readTimestamp(b, 5), 90000);
});

test('all 33 timestamp bits round-trip, and values are taken modulo 2^33', () => {
  const out = new Uint8Array(5);
  for (const ts of [0, 1, 0x7fff, 0x8000, 2 ** 30 - 1, 2 ** 30, 2 ** 32, 2 ** 33 - 1]) {
    writeTimestamp(out, 0, 3, ts);
    assert.equal(readTimestamp(out, 0), ts, `ts ${ts}`);
    assert.equal(out[0] >> 4, 3, 'prefix');
    assert.equal(out[0] & 1, 1, 'marker bits');
    assert.equal(out[2] & 1, 1);
    assert.equal(out[4] & 1, 1);
  }
  writeTimestamp(out, 0, 2, 2 ** 33 + 7);
  assert.equal(readTimestamp(out, 0), 7);
});

test('MPEG-2 video PES header with PTS and DTS', () => {
  const pes = fromHex(`
    00 00 01 e0       // video stream 0
    00 20             // PES_packet_length = 32
    80                // 10, not scrambled ...
    c0                // PTS_DTS_flags = 11
    0a                // PES_header_data_length = 10
    31 00 05 db 41    // PTS 93600
    11 00 05 bf 21    // DTS 90000
  `);
  assert.deepEqual(readPesHeader(pes, 0, pes.length), {
    streamId: 0xe0,
    packetLength: 32,
    headerLength: 19,
    pts: 93600,
    dts: 90000,
    mpeg1: false,
  });
  assert.equal(toHex(writePesHeader(0xe0, 32 - 13, 93600, 90000)), toHex(pes));
});

test('PES_header_data_length is skipped exactly, past extra header bytes', () => {
  const pes = fromHex('00 00 01 c0 00 0c 80 80 07 21 00 05 bf 21 ff ff aa bb');
  const h = readPesHeader(pes, 0, pes.length);
  assert.ok(typeof h === 'object');
  assert.equal(h.headerLength, 16);
  assert.equal(h.pts, 90000);
  assert.equal(h.dts, undefined);
  assert.equal(toHex(pes.subarray(h.headerLength)), 'aa bb');
});

test('the writer omits DTS when it equals PTS, and writes no timestamp when none is given', () => {
  assert.equal(toHex(writePesHeader(0xc0, 160, 90000, 90000)), '00 00 01 c0 00 a8 80 80 05 21 00 05 bf 21');
  assert.equal(toHex(writePesHeader(0xe0, 100)), '00 00 01 e0 00 67 80 00 00');
});

test('MPEG-1 PES headers (ffmpeg -f mpeg): stuffing, STD buffer, PTS', () => {
  const ff = fromHex(`
    00 00 01 e0 07 df   // stream 0xE0, length 2015
    21 00 03 5f 91      // 0010 PTS = 45000
    00 00 00 01         // payload
  `);
  assert.deepEqual(readPesHeader(ff, 0, ff.length), {
    streamId: 0xe0,
    packetLength: 0x7df,
    headerLength: 11,
    pts: 45000,
    mpeg1: true,
  });
  const std = fromHex('00 00 01 c0 00 10 ff ff 40 20 31 00 05 db 41 11 00 05 bf 21');
  assert.deepEqual(readPesHeader(std, 0, std.length), {
    streamId: 0xc0,
    packetLength: 16,
    headerLength: 20,
    pts: 93600,
    dts: 90000,
    mpeg1: true,
  });
  const none = fromHex('00 00 01 e0 00 03 0f aa bb');
  assert.deepEqual(readPesHeader(none, 0, none.length), {
    streamId: 0xe0,
    packetLength: 3,
    headerLength: 7,
    mpeg1: true,
  });
});

test('short headers are more; impossible ones are invalid', () => {
  const pes = fromHex('00 00 01 e0 00 20 80 c0 0a 31 00 05 db 41 11 00 05 bf 21');
  for (let end = 0; end < pes.length; end++) {
    assert.equal(readPesHeader(pes, 0, end), 'more', `end ${end}`);
  }
  assert.equal(
    readPesHeader(fromHex('00 00 01 e0 00 05 80 80 05 21 00 05 bf 21'), 0, 14),
    'invalid',
    'header longer than the packet',
  );
  assert.equal(
    readPesHeader(fromHex('00 00 01 e0 00 05 5f 00 00'), 0, 9),
    'invalid',
    'MPEG-1 marker byte 0x5f is no valid start',
  );
  assert.equal(
    readPesHeader(fromHex('00 00 01 e0 00 02 ff ff'), 0, 8),
    'invalid',
    'MPEG-1 header cut by its own length',
  );
  assert.equal(readPesHeader(fromHex('00 00 01 ba 00 02 ff ff'), 0, 8), 'invalid', 'not a PES stream id');
});
