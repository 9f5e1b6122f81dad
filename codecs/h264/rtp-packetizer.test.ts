// Literal RFC 6184 packets from packetizeH264; the properties shared with the other codec
// (round trips, random MTUs, loss, corruption) are in codecs/rtp/nal-packetization.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { randomInt, seededRandom } from '../../test/helpers/random.js';
import { packetizeH264 } from './rtp-packetizer.js';
import { H264Depacketizer } from './rtp-depacketizer.js';

const sps = fromHex('67 42 c0 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c a3 c6 0c a8'); // NRI=3, type 7
const pps = fromHex('68 ce 3c 80'); // NRI=3, type 8
const sei = fromHex('06 05 01 00 80'); // NRI=0, type 6

/** A synthetic NAL unit: header byte, then `size - 1` seeded bytes. */
function nal(header: number, size: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = header;
  for (let i = 1; i < size; i++) {
    out[i] = randomInt(rand, 0, 255);
  }
  return out;
}

/** The access units a fresh depacketizer rebuilds from one access unit's payloads. */
function depacketize(payloads: readonly Uint8Array[]): Uint8Array[][] {
  const d = new H264Depacketizer();
  return payloads.flatMap((p, i) => d.push(p, i === payloads.length - 1));
}

const hex = (units: readonly Uint8Array[]): string[] => units.map((u) => toHex(u, ''));

test('SPS + PPS + SEI share one STAP-A (RFC 6184 §5.7.1)', () => {
  const payloads = packetizeH264([sps, pps, sei], 1200);
  assert.equal(payloads.length, 1);
  const expected = fromHex(`
    78                        // STAP-A header: F=0, NRI=3 (the highest of the three), type 24
    00 17 ${toHex(sps)}       // size 23, SPS
    00 04 ${toHex(pps)}       // size 4, PPS
    00 05 ${toHex(sei)}       // size 5, SEI
  `);
  assert.deepEqual(payloads[0], expected);
});

test('a NAL unit above the mtu becomes FU-A fragments of near-equal size (§5.8)', () => {
  const idr = fromHex('65 01 02 03 04 05 06 07 08 09 0a'); // NRI=3, type 5 (IDR), 10 bytes after the header
  const payloads = packetizeH264([idr], 6);
  assert.deepEqual(payloads, [
    fromHex('7c 85 01 02 03 04'), // FU indicator F=0 NRI=3 type 28; FU header S=1 type 5
    fromHex('7c 05 05 06 07 08'), // middle: S=0 E=0
    fromHex('7c 45 09 0a'), //       end: E=1
  ]);
  assert.deepEqual(hex(depacketize(payloads)[0]), hex([idr]));
});

test('a NAL unit that fits alone is sent as itself, without a copy (§5.6)', () => {
  const slice = nal(0x41, 1100, seededRandom(1));
  const payloads = packetizeH264([sps, pps, slice], 1100);
  assert.equal(payloads.length, 2);
  assert.equal(payloads[1], slice);
  assert.equal(payloads[0][0] & 0x1f, 24);
});

test('a STAP-A is filled up to exactly the mtu and no further', () => {
  const a = nal(0x41, 500, seededRandom(2));
  const b = nal(0x41, 495, seededRandom(3));
  // 1 + (2 + 500) + (2 + 495) = 1000
  assert.equal(packetizeH264([a, b], 1000).length, 1);
  assert.equal(packetizeH264([a, b], 1000)[0].length, 1000);
  assert.equal(packetizeH264([a, b], 999).length, 2);
});
