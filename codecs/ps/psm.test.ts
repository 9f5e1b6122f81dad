import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { crc32Mpeg } from './crc32.js';
import { readPsm, writePsm } from './psm.js';
import { readSystemHeader, writeSystemHeader } from './system-header.js';

// docs/gb28181.md §10.4: H.264 + G.711A.
const PSM = fromHex(`
  00 00 01 bc   // start code
  00 12         // program_stream_map_length = 18
  e1            // current_next_indicator 1, single_extension_stream_flag 1, reserved 1, version 1
  ff            // reserved, marker
  00 00         // program_stream_info_length = 0
  00 08         // elementary_stream_map_length = 8
  1b e0 00 00   // H.264 on stream 0xE0, no descriptors
  90 c0 00 00   // G.711 A-law on stream 0xC0
  b9 28 7f 16   // CRC_32
`);

test('PSM from the reference: entries, version, and the CRC the muxer writes', () => {
  assert.deepEqual(readPsm(PSM), {
    version: 1,
    entries: [
      { streamType: 0x1b, streamId: 0xe0 },
      { streamType: 0x90, streamId: 0xc0 },
    ],
    length: 24,
  });
  assert.equal(crc32Mpeg(PSM.subarray(0, 20)), 0xb9287f16);
  assert.equal(
    toHex(
      writePsm(
        [
          { streamType: 0x1b, streamId: 0xe0 },
          { streamType: 0x90, streamId: 0xc0 },
        ],
        1,
      ),
    ),
    toHex(PSM),
  );
});

test('Huawei NVR H.265 PSM (stream_type 0x24)', () => {
  const huawei = fromHex('00 00 01 bc 00 12 e0 ff 00 00 00 08 24 e0 00 00 90 c0 00 00 00 00 00 00');
  const psm = readPsm(huawei);
  assert.ok(typeof psm === 'object');
  assert.deepEqual(psm.entries, [
    { streamType: 0x24, streamId: 0xe0 },
    { streamType: 0x90, streamId: 0xc0 },
  ]);
});

test('ireader/media-server PSM with a program descriptor (ms_ vectors)', () => {
  const ireader = fromHex(`
    00 00 01 bc 00 28
    c2 01                     // version 2, reserved bits not set (as written)
    00 16                     // program_stream_info_length = 22
    71 14 69 72 65 61 64 65 72 2f 6d 65 64 69 61 2d 73 65 72 76 65 72  // tag 0x71 "ireader/media-server"
    00 08
    1b e0 00 00
    91 c0 00 00               // G.711 mu-law
    77 83 19 5c               // CRC_32 (byte order as written, not checked)
  `);
  const psm = readPsm(ireader);
  assert.ok(typeof psm === 'object');
  assert.equal(psm.version, 2);
  assert.deepEqual(psm.entries, [
    { streamType: 0x1b, streamId: 0xe0 },
    { streamType: 0x91, streamId: 0xc0 },
  ]);
});

test('a wrong elementary_stream_map_length is ignored: entries run to the CRC (quirk #20)', () => {
  const bad = fromHex('00 00 01 bc 00 16 e0 ff 00 00 00 04 1b e0 00 04 0a 04 65 6e 90 c0 00 00 00 00 00 00');
  const psm = readPsm(bad);
  assert.ok(typeof psm === 'object');
  assert.deepEqual(psm.entries, [
    { streamType: 0x1b, streamId: 0xe0 },
    { streamType: 0x90, streamId: 0xc0 },
  ]);
});

test('PSM: short input is more, a length too small for the fixed fields is invalid', () => {
  assert.equal(readPsm(PSM, 0, 23), 'more');
  assert.equal(readPsm(fromHex('00 00 01 bc 00 02 e0 ff')), 'invalid');
  assert.equal(
    readPsm(fromHex('00 00 01 bc 00 0a e0 ff ff ff 00 00 00 00 00 00')),
    'invalid',
    'info length past the end',
  );
});

// docs/gb28181.md §10.3: one video and one audio stream.
const SYSTEM_HEADER = fromHex(`
  00 00 01 bb
  00 0c         // header_length = 12
  80 00 01      // 1, rate_bound = 0, 1
  04            // audio_bound = 1, fixed_flag 0, CSPS_flag 0
  e1            // system_audio_lock 1, system_video_lock 1, 1, video_bound = 1
  7f            // packet_rate_restriction_flag 0, reserved
  e0 e0 e8      // stream 0xE0: 11, scale 1, size bound 232
  c0 c0 20      // stream 0xC0: 11, scale 0, size bound 32
`);

test('system header from the reference', () => {
  assert.deepEqual(readSystemHeader(SYSTEM_HEADER), {
    rateBound: 0,
    audioBound: 1,
    videoBound: 1,
    streams: [
      { streamId: 0xe0, bufferBoundScale: 1, bufferSizeBound: 232 },
      { streamId: 0xc0, bufferBoundScale: 0, bufferSizeBound: 32 },
    ],
    length: 18,
  });
  const h = readSystemHeader(SYSTEM_HEADER);
  assert.ok(typeof h === 'object');
  const { length: _length, ...fields } = h;
  assert.equal(toHex(writeSystemHeader(fields)), toHex(SYSTEM_HEADER));
  assert.equal(readSystemHeader(SYSTEM_HEADER, 0, 17), 'more');
});
