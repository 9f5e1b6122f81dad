import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { seededRandom, randomInt } from '../../test/helpers/random.js';
import { isRtp, parseRtp, serializeRtp, type RtpPacket } from './packet.js';

// A GB28181 PS packet as the shared vector starts: PT 96, seq 65000, ts 4294000000, SSRC 200000001.
const plain = fromHex(`
  80          // V=2 P=0 X=0 CC=0
  60          // M=0 PT=96
  fd e8       // sequence 65000
  ff f1 3d 80 // timestamp 4294000000
  0b eb c2 01 // SSRC 200000001 (SDP y=0200000001)
  00 00 01 ba // payload: a PS pack_start_code
`);

// Every optional part at once (RFC 3550 §5.1, §5.3.1).
const full = fromHex(`
  b2          // V=2 P=1 X=1 CC=2
  88          // M=1 PT=8 (PCMA)
  00 07       // sequence 7
  00 00 03 20 // timestamp 800
  de ad be ef // SSRC
  00 00 00 01 // CSRC 1
  00 00 00 02 // CSRC 2
  be de 00 01 // extension profile 0xBEDE (RFC 8285 one-byte), length 1 word
  10 aa 00 00 // extension data
  d5 d5 d5    // payload: three A-law silence samples
  00 00 03    // padding: 3 octets, the last one counting them
`);

test('parses the fixed header of a GB28181 PS packet', () => {
  const p = parseRtp(plain)!;
  assert.equal(p.payloadType, 96);
  assert.equal(p.sequence, 65000);
  assert.equal(p.timestamp, 4294000000);
  assert.equal(p.ssrc, 200000001);
  assert.equal(p.marker, false);
  assert.deepEqual(p.csrcs, []);
  assert.equal(p.extension, undefined);
  assert.equal(p.paddingLength, 0);
  assert.deepEqual([...p.payload], [0, 0, 1, 0xba]);
  assert.equal(p.payload.buffer, plain.buffer, 'payload is a view, not a copy');
  assert.equal(p.payload.byteOffset, plain.byteOffset + 12);
});

test('parses CSRCs, a header extension and padding', () => {
  const p = parseRtp(full)!;
  assert.equal(p.payloadType, 8);
  assert.equal(p.marker, true);
  assert.equal(p.sequence, 7);
  assert.equal(p.timestamp, 800);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual(p.csrcs, [1, 2]);
  assert.equal(p.extension!.profile, 0xbede);
  assert.deepEqual([...p.extension!.data], [0x10, 0xaa, 0, 0]);
  assert.equal(p.paddingLength, 3);
  assert.deepEqual([...p.payload], [0xd5, 0xd5, 0xd5]);
});

test('serialize(parse(x)) is byte-equal to x', () => {
  for (const bytes of [plain, full]) {
    assert.deepEqual(serializeRtp(parseRtp(bytes)!), bytes);
  }
});

test('an empty payload with only padding round-trips', () => {
  const bytes = fromHex('a0 00 00 01 00 00 00 00 00 00 00 01 00 00 00 04'); // P=1, padding 4, no payload
  const p = parseRtp(bytes)!;
  assert.equal(p.payload.length, 0);
  assert.equal(p.paddingLength, 4);
  assert.deepEqual(serializeRtp(p), bytes);
});

test('malformed packets parse to undefined', () => {
  const cases: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    'shorter than the fixed header': plain.subarray(0, 11),
    'version 1': fromHex('40 60 00 01 00 00 00 00 00 00 00 01'),
    'version 0': fromHex('00 60 00 01 00 00 00 00 00 00 00 01'),
    'CC=3 but one CSRC': fromHex('83 60 00 01 00 00 00 00 00 00 00 01 00 00 00 09'),
    'extension header cut': fromHex('90 60 00 01 00 00 00 00 00 00 00 01 be de'),
    'extension longer than the packet': fromHex(
      '90 60 00 01 00 00 00 00 00 00 00 01 be de 00 02 00 00 00 00',
    ),
    'padding count 0': fromHex('a0 60 00 01 00 00 00 00 00 00 00 01 aa 00'),
    'padding reaching into the header': fromHex('a0 60 00 01 00 00 00 00 00 00 00 01 aa 03'),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assert.equal(parseRtp(bytes), undefined, name);
  }
});

test('isRtp accepts RTP v2 and rejects RTCP sharing the port (RFC 5761 §4) and short input', () => {
  assert.equal(isRtp(plain), true);
  assert.equal(isRtp(full), true);
  assert.equal(isRtp(fromHex('80 c8 00 06 0b eb c2 01 00 00 00 00')), false, 'RTCP SR (PT 200)');
  assert.equal(isRtp(fromHex('81 c9 00 01 0b eb c2 01 00 00 00 00')), false, 'RTCP RR (PT 201)');
  assert.equal(isRtp(plain.subarray(0, 11)), false);
  assert.equal(isRtp(fromHex('40 60 00 01 00 00 00 00 00 00 00 01')), false);
});

test('random packets round-trip through serialize and parse (seeded)', () => {
  const rand = seededRandom(3550);
  for (let i = 0; i < 2000; i++) {
    const ext = rand() < 0.3;
    const packet: RtpPacket = {
      payloadType: randomInt(rand, 0, 127),
      sequence: randomInt(rand, 0, 0xffff),
      timestamp: randomInt(rand, 0, 0xffffffff),
      ssrc: randomInt(rand, 0, 0xffffffff),
      marker: rand() < 0.5,
      csrcs: Array.from({ length: randomInt(rand, 0, 15) }, () => randomInt(rand, 0, 0xffffffff)),
      paddingLength: rand() < 0.3 ? randomInt(rand, 1, 255) : 0,
      payload: Uint8Array.from({ length: randomInt(rand, 0, 300) }, () => randomInt(rand, 0, 255)),
    };
    if (ext) {
      packet.extension = {
        profile: randomInt(rand, 0, 0xffff),
        data: Uint8Array.from({ length: 4 * randomInt(rand, 0, 4) }, () => randomInt(rand, 0, 255)),
      };
    }
    const bytes = serializeRtp(packet);
    const parsed = parseRtp(bytes)!;
    assert.ok(parsed, `packet ${i}`);
    assert.deepEqual(
      {
        ...parsed,
        payload: [...parsed.payload],
        extension: parsed.extension && { ...parsed.extension, data: [...parsed.extension.data] },
      },
      {
        ...packet,
        payload: [...packet.payload],
        extension: packet.extension && { ...packet.extension, data: [...packet.extension.data] },
      },
    );
    assert.deepEqual(serializeRtp(parsed), bytes);
  }
});

test('seeded corruption never throws and never yields a payload outside the input', () => {
  const rand = seededRandom(0xbad);
  for (let i = 0; i < 20000; i++) {
    const src = rand() < 0.5 ? full : plain;
    const bytes = src.slice(0, randomInt(rand, 0, src.length));
    for (let k = randomInt(rand, 1, 4); k > 0 && bytes.length > 0; k--) {
      bytes[randomInt(rand, 0, bytes.length - 1)] = randomInt(rand, 0, 255);
    }
    const p = parseRtp(bytes);
    if (!p) {
      continue;
    }
    const start = p.payload.byteOffset - bytes.byteOffset;
    assert.ok(start >= 12 && start + p.payload.length + p.paddingLength === bytes.length);
    assert.equal(serializeRtp(p).length, bytes.length);
  }
});

test('serializeRtp rejects fields no packet can carry', () => {
  const base = parseRtp(plain)!;
  assert.throws(() => serializeRtp({ ...base, csrcs: new Array<number>(16).fill(1) }), RangeError);
  assert.throws(() => serializeRtp({ ...base, paddingLength: 256 }), RangeError);
  assert.throws(
    () => serializeRtp({ ...base, extension: { profile: 1, data: new Uint8Array(3) } }),
    RangeError,
  );
});
