// Literal RFC 7798 packets from packetizeH265; the properties shared with the other codec
// (round trips, random MTUs, loss, corruption) are in codecs/rtp/nal-packetization.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { randomInt, seededRandom } from '../../test/helpers/random.js';
import { packetizeH265 } from './rtp-packetizer.js';
import { H265Depacketizer } from './rtp-depacketizer.js';

// Short stand-ins for parameter sets: only the 2-byte headers matter here.
const vps = fromHex('40 01 0c 01 ff ff 01 60 00 00 03 00 00 03 00 00 03 00 00 03 00 5d ac 09'); // type 32
const sps = fromHex('42 01 01 01 60 00 00 03 00 00 03 00 00 03 00 00 03 00 5d a0 02 80 80 2d'); // type 33
const pps = fromHex('44 01 c1 72 b4 62 40'); // type 34
const sei = fromHex('4e 01 05 04 00 00 00 00 80'); // type 39, prefix SEI

/** A synthetic NAL unit: type, LayerId 0, TID 1, then seeded bytes. */
function nal(type: number, size: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = type << 1;
  out[1] = 0x01;
  for (let i = 2; i < size; i++) {
    out[i] = randomInt(rand, 0, 255);
  }
  return out;
}

/** The access units a fresh depacketizer rebuilds from one access unit's payloads. */
function depacketize(payloads: readonly Uint8Array[]): Uint8Array[][] {
  const d = new H265Depacketizer();
  return payloads.flatMap((p, i) => d.push(p, i === payloads.length - 1));
}

const hex = (units: readonly Uint8Array[]): string[] => units.map((u) => toHex(u, ''));

test('VPS + SPS + PPS + SEI share one aggregation packet (RFC 7798 §4.4.2)', () => {
  const payloads = packetizeH265([vps, sps, pps, sei], 1200);
  assert.equal(payloads.length, 1);
  const expected = fromHex(`
    60 01                  // PayloadHdr: F=0, Type=48 (AP), LayerId=0, TID=1
    00 18 ${toHex(vps)}    // size 24, VPS
    00 18 ${toHex(sps)}    // size 24, SPS
    00 07 ${toHex(pps)}    // size 7, PPS
    00 09 ${toHex(sei)}    // size 9, prefix SEI
  `);
  assert.deepEqual(payloads[0], expected);
});

test('the AP header takes the lowest LayerId and TID and ORs F (§4.4.2)', () => {
  const a = fromHex('02 1a 11'); // F=0 type 1, LayerId 3, TID 2
  const b = fromHex('83 0b 22'); // F=1 type 1, LayerId 33, TID 3
  assert.deepEqual(packetizeH265([a, b], 100), [fromHex('e0 1a 00 03 02 1a 11 00 03 83 0b 22')]); // F=1 Type=48, LayerId 3, TID 2
});

test('a NAL unit above the mtu becomes FUs (§4.4.3)', () => {
  const idr = fromHex('26 01 01 02 03 04 05 06 07 08 09 0a'); // IDR_W_RADL (19), TID 1, 10 bytes after the header
  const payloads = packetizeH265([idr], 7);
  assert.deepEqual(payloads, [
    fromHex('62 01 93 01 02 03 04'), // PayloadHdr Type=49, LayerId 0, TID 1; FU header S=1 FuType=19
    fromHex('62 01 13 05 06 07 08'), // middle
    fromHex('62 01 53 09 0a'), //       E=1
  ]);
  assert.deepEqual(hex(depacketize(payloads)[0]), hex([idr]));
});

test('a NAL unit that fits alone is sent as itself, without a copy (§4.4.1)', () => {
  const slice = nal(1, 1150, seededRandom(1));
  const payloads = packetizeH265([vps, sps, pps, slice], 1150);
  assert.equal(payloads.length, 2);
  assert.equal(payloads[1], slice);
});

test('every payload stays within small mtus too; EOS (header only) survives', () => {
  const rand = seededRandom(5);
  const eos = fromHex('48 01'); // EOS_NUT (36): just the NAL header
  for (const mtu of [4, 5, 17, 100]) {
    const au = [vps, nal(19, 1000, rand), eos];
    const payloads = packetizeH265(au, mtu);
    for (const p of payloads) {
      assert.ok(p.length <= mtu);
    }
    assert.deepEqual(depacketize(payloads).map(hex), [hex(au)]);
  }
  assert.throws(() => packetizeH265([vps], 3), RangeError);
});
