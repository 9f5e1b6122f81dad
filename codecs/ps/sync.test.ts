import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { findPackHeader, findSystemStartCode, startCodePrefixAtEnd } from './sync.js';
import { Route, StreamSelect } from './stream-select.js';

test('findPackHeader skips BA bytes that are not behind 00 00 01', () => {
  const b = fromHex('ba 00 ba 01 ba 00 00 01 bb 00 00 01 ba 44');
  assert.equal(findPackHeader(b, 0, b.length), 9);
  assert.equal(findPackHeader(b, 10, b.length), -1);
  assert.equal(findPackHeader(b, 0, 12), -1, 'the BA must be before end');
});

test('findSystemStartCode stops at 00 00 01 xx with xx >= B9 only', () => {
  const b = fromHex('00 00 01 65 88 00 00 01 41 9a 00 00 01 e0 00 00 01');
  assert.equal(findSystemStartCode(b, 0, b.length), 10);
  assert.equal(findSystemStartCode(b, 11, b.length), -1, 'a trailing 00 00 01 without its id byte');
});

test('startCodePrefixAtEnd: bytes that may begin a start code in the next chunk', () => {
  assert.equal(startCodePrefixAtEnd(fromHex('aa 00 00 01'), 0, 4), 3);
  assert.equal(startCodePrefixAtEnd(fromHex('aa 00 00'), 0, 3), 2);
  assert.equal(startCodePrefixAtEnd(fromHex('aa bb 00'), 0, 3), 1);
  assert.equal(startCodePrefixAtEnd(fromHex('00 01 aa'), 0, 3), 0);
  assert.equal(startCodePrefixAtEnd(fromHex('00 00 01'), 1, 3), 0, 'only within [from, end)');
});

test('StreamSelect: the PSM names the streams; unsupported stream types are skipped', () => {
  const s = new StreamSelect();
  const hints = s.apply({
    version: 0,
    length: 0,
    entries: [
      { streamType: 0x80, streamId: 0xe0 }, // SVAC video: not demuxed
      { streamType: 0x24, streamId: 0xe1 },
      { streamType: 0x91, streamId: 0xc0 },
      { streamType: 0x99, streamId: 0xc1 }, // G.729
    ],
  });
  assert.deepEqual(hints, { video: 'H265', audio: 'PCMU' });
  assert.deepEqual(
    [0xe0, 0xe1, 0xe2, 0xc0, 0xc1, 0xbd].map((id) => s.route(id)),
    [Route.NONE, Route.VIDEO, Route.NONE, Route.AUDIO, Route.NONE, Route.NONE],
  );
  const plain = new StreamSelect();
  assert.equal(plain.route(0xe2), Route.VIDEO, 'without a PSM the first video stream is taken');
  assert.equal(plain.route(0xe0), Route.NONE);
});
