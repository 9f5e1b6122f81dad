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

/** Depacketizes payloads of one or more access units (marker on the last payload of each). */
function depacketize(aus: readonly Uint8Array[][]): Uint8Array[][] {
  const d = new H264Depacketizer();
  const out: Uint8Array[][] = [];
  let seq = 65530;
  for (const payloads of aus) {
    payloads.forEach((p, i) => out.push(...d.push(p, i === payloads.length - 1, seq++ & 0xffff)));
  }
  return out;
}

const hex = (units: readonly Uint8Array[]): string[] => units.map((u) => toHex(u, ''));

/** Byte-exact comparison of access units, fast enough for megabytes (deepEqual on hex is not). */
function assertSameAccessUnits(actual: readonly Uint8Array[][], expected: readonly Uint8Array[][]): void {
  assert.equal(actual.length, expected.length, 'access unit count');
  actual.forEach((au, i) => {
    assert.equal(au.length, expected[i].length, `NAL count of access unit ${i}`);
    au.forEach((unit, j) => {
      const want = expected[i][j];
      const same = unit.length === want.length && unit.every((b, k) => b === want[k]);
      assert.ok(same, `access unit ${i} NAL ${j}: ${unit.length} bytes, expected ${want.length}`);
    });
  });
}

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
  assert.deepEqual(hex(depacketize([payloads])[0]), hex([idr]));
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

test('depacketize(packetize(au)) = au at MTU 1200 for many sizes up to 200 KB; every payload ≤ 1200 (seeded)', () => {
  const rand = seededRandom(6184);
  const aus: Uint8Array[][] = [];
  for (let i = 0; i < 150; i++) {
    const units: Uint8Array[] = [];
    if (i % 10 === 0) {
      units.push(sps, pps, sei);
    }
    for (let n = randomInt(rand, 1, 4); n > 0; n--) {
      const r = rand();
      const size =
        r < 0.3
          ? randomInt(rand, 1, 60)
          : r < 0.6
            ? randomInt(rand, 1100, 1300)
            : r < 0.9
              ? randomInt(rand, 1, 20000)
              : randomInt(rand, 65000, 200000);
      units.push(nal((randomInt(rand, 0, 3) << 5) | randomInt(rand, 1, 23), size, rand));
    }
    aus.push(units);
  }
  // Edge sizes around the mtu and the 16-bit STAP-A size field.
  aus.push([1197, 1198, 1199, 1200, 1201, 1202, 65535, 65536, 65537].map((s) => nal(0x65, s, rand)));
  const packetized = aus.map((au) => packetizeH264(au, 1200));
  for (const payloads of packetized) {
    for (const p of payloads) {
      assert.ok(p.length <= 1200, `payload of ${p.length}`);
    }
  }
  assertSameAccessUnits(depacketize(packetized), aus);
});

test('every payload stays within small mtus too', () => {
  const rand = seededRandom(5);
  for (const mtu of [3, 4, 17, 100]) {
    const au = [sps, pps, nal(0x65, 1000, rand), nal(0x01, 2, rand)];
    const payloads = packetizeH264(au, mtu);
    for (const p of payloads) {
      assert.ok(p.length <= mtu);
    }
    assert.deepEqual(depacketize([payloads]).map(hex), [hex(au)]);
  }
  assert.throws(() => packetizeH264([sps], 2), RangeError);
});

test('losing one FU-A fragment drops that NAL unit only', () => {
  const rand = seededRandom(9);
  const big = nal(0x65, 5000, rand);
  const after = nal(0x41, 100, rand);
  const payloads = packetizeH264([sps, pps, big, after], 1200);
  // payloads: STAP-A(SPS+PPS), 5 FU-A fragments, the slice. Drop the 3rd fragment (index 3).
  const d = new H264Depacketizer();
  const out: Uint8Array[][] = [];
  payloads.forEach((p, i) => {
    if (i !== 3) {
      out.push(...d.push(p, i === payloads.length - 1, 100 + i));
    }
  });
  assert.deepEqual(out.map(hex), [hex([sps, pps, after])]);
  assert.equal(d.stats.droppedNals, 1);
});

test('a fragment whose start was lost is dropped without a sequence number', () => {
  const big = nal(0x65, 3000, seededRandom(10));
  const payloads = packetizeH264([big], 1200);
  const d = new H264Depacketizer();
  assert.deepEqual(d.push(payloads[1], false), []);
  assert.deepEqual(d.push(payloads[2], true), []);
  assert.equal(d.stats.droppedFragments, 2);
  const again = payloads.flatMap((p, i) => d.push(p, i === payloads.length - 1));
  assert.deepEqual(again.map(hex), [hex([big])]);
});

test('malformed payloads never throw (seeded corruption)', () => {
  const rand = seededRandom(0xdead);
  const payloads = packetizeH264([sps, pps, nal(0x65, 4000, rand), nal(0x41, 300, rand)], 500);
  const d = new H264Depacketizer();
  for (let i = 0; i < 20000; i++) {
    const p = payloads[randomInt(rand, 0, payloads.length - 1)].slice(0, randomInt(rand, 0, 600));
    for (let k = randomInt(rand, 0, 3); k > 0 && p.length > 0; k--) {
      p[randomInt(rand, 0, p.length - 1)] = randomInt(rand, 0, 255);
    }
    for (const au of d.push(p, rand() < 0.2, rand() < 0.5 ? randomInt(rand, 0, 0xffff) : undefined)) {
      for (const unit of au) {
        assert.ok(unit.length > 0);
      }
    }
  }
  d.flush();
  assert.ok(d.stats.malformed + d.stats.unsupported + d.stats.droppedFragments > 0);
});
