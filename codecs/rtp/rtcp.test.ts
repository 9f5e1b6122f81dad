import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { randomInt, seededRandom } from '../../test/helpers/random.js';
import { isRtp } from './packet.js';
import { isRtcp, parseRtcp, serializeRtcp, type RtcpPacket } from './rtcp.js';

// A compound packet as a device might send it: SR with one report block, SDES, BYE with a reason.
const compound = fromHex(`
  81 c8 00 0c             // V=2 RC=1 PT=200 (SR), length 12 words
  0b eb c2 01             // sender SSRC 200000001
  e9 2f 4a 00 80 00 00 00 // NTP timestamp 0xE92F4A00.80000000
  ff f1 3d 80             // RTP timestamp 4294000000
  00 00 09 a2             // sender's packet count 2466
  00 28 e2 6b             // sender's octet count 2679403
  00 00 00 07             // report block: SSRC 7
  40 ff ff fe             //   fraction lost 64/256, cumulative lost −2 (24-bit signed)
  00 01 07 89             //   extended highest sequence: 1 cycle, seq 1929
  00 00 00 20             //   interarrival jitter 32
  4a 00 80 00             //   LSR
  00 01 00 00             //   DLSR 1 s
  81 ca 00 02             // V=2 SC=1 PT=202 (SDES), length 2 words
  0b eb c2 01 01 00 00 00 //   chunk: SSRC, CNAME item of length 0, end
  81 cb 00 03             // V=2 SC=1 PT=203 (BYE), length 3 words
  0b eb c2 01             //   SSRC
  04 62 79 65 21 00 00 00 //   reason length 4, "bye!", padding to the word
`);

test('parses SR, SDES (opaque) and BYE from a compound packet', () => {
  const packets = parseRtcp(compound)!;
  assert.equal(packets.length, 3);
  const [sr, sdes, bye] = packets;
  assert.deepEqual(sr, {
    type: 'sr',
    ssrc: 200000001,
    ntpSeconds: 0xe92f4a00,
    ntpFraction: 0x80000000,
    rtpTimestamp: 4294000000,
    packetCount: 2466,
    octetCount: 2679403,
    reports: [
      {
        ssrc: 7,
        fractionLost: 64,
        cumulativeLost: -2,
        highestSequence: 0x10789,
        jitter: 32,
        lastSr: 0x4a008000,
        delaySinceLastSr: 0x10000,
      },
    ],
  });
  assert.equal(sdes.type, 'other');
  assert.equal(sdes.type === 'other' && sdes.packetType, 202);
  assert.equal(bye.type, 'bye');
  if (bye.type === 'bye') {
    assert.deepEqual(bye.ssrcs, [200000001]);
    assert.equal(String.fromCharCode(...bye.reason!), 'bye!');
  }
});

test('serialize(parse(x)) is byte-equal to x', () => {
  assert.deepEqual(serializeRtcp(parseRtcp(compound)!), compound);
  const rr = fromHex('80 c9 00 01 0b eb c2 01'); // an empty RR: the smallest RTCP packet
  assert.deepEqual(parseRtcp(rr), [{ type: 'rr', ssrc: 200000001, reports: [] }]);
  assert.deepEqual(serializeRtcp(parseRtcp(rr)!), rr);
});

test('isRtcp and isRtp tell the two apart (RFC 5761 §4)', () => {
  assert.equal(isRtcp(compound), true);
  assert.equal(isRtp(compound), false);
  const rtp = fromHex('80 60 00 01 00 00 00 00 00 00 00 01');
  assert.equal(isRtcp(rtp), false);
  assert.equal(isRtp(rtp), true);
});

test('malformed compound packets parse to undefined', () => {
  const cases: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    'length beyond the bytes': fromHex('80 c9 00 05 0b eb c2 01'),
    'version 1': fromHex('40 c9 00 01 0b eb c2 01'),
    'RC=1 without a report block': fromHex('81 c9 00 01 0b eb c2 01'),
    'trailing garbage': fromHex('80 c9 00 01 0b eb c2 01 00'),
    'padding on a packet that is not last': fromHex('a0 c9 00 01 0b eb c2 01 80 c9 00 01 0b eb c2 01'),
    'BYE reason longer than the packet': fromHex('81 cb 00 02 0b eb c2 01 09 62 79 65'),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assert.equal(parseRtcp(bytes), undefined, name);
  }
});

test('padding on the last packet is honoured', () => {
  const padded = fromHex('a0 c9 00 02 0b eb c2 01 00 00 00 04'); // P=1, 4 octets of padding
  assert.deepEqual(parseRtcp(padded), [{ type: 'rr', ssrc: 200000001, reports: [] }]);
});

test('random reports round-trip and corruption never throws (seeded)', () => {
  const rand = seededRandom(3550);
  const block = () => ({
    ssrc: randomInt(rand, 0, 0xffffffff),
    fractionLost: randomInt(rand, 0, 255),
    cumulativeLost: randomInt(rand, -0x800000, 0x7fffff),
    highestSequence: randomInt(rand, 0, 0xffffffff),
    jitter: randomInt(rand, 0, 0xffffffff),
    lastSr: randomInt(rand, 0, 0xffffffff),
    delaySinceLastSr: randomInt(rand, 0, 0xffffffff),
  });
  for (let i = 0; i < 500; i++) {
    const packets: RtcpPacket[] = [
      {
        type: 'rr',
        ssrc: randomInt(rand, 0, 0xffffffff),
        reports: Array.from({ length: randomInt(rand, 0, 31) }, block),
      },
      { type: 'bye', ssrcs: [randomInt(rand, 0, 0xffffffff)] },
    ];
    const bytes = serializeRtcp(packets);
    assert.deepEqual(parseRtcp(bytes), packets);
    for (let k = 0; k < 20; k++) {
      const bad = bytes.slice(0, randomInt(rand, 0, bytes.length));
      if (bad.length > 0) {
        bad[randomInt(rand, 0, bad.length - 1)] = randomInt(rand, 0, 255);
      }
      parseRtcp(bad);
    }
  }
});
