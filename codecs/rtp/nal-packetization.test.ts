// The NAL-unit RTP core (nal-packetizer.ts, nal-depacketizer.ts) under both header profiles:
// header arithmetic on literal bytes, then seeded properties through the public H.264 and
// H.265 wrappers: round trips at the WebRTC MTU and at random MTUs, payload structure, and
// loss that drops whole NAL units only. The codecs' own test files keep the literal packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { randomInt, seededRandom } from '../../test/helpers/random.js';
import { packetizeH264 } from '../h264/rtp-packetizer.js';
import { H264Depacketizer } from '../h264/rtp-depacketizer.js';
import { H264_NAL_PROFILE } from '../h264/rtp-nal-profile.js';
import { packetizeH265 } from '../h265/rtp-packetizer.js';
import { H265Depacketizer } from '../h265/rtp-depacketizer.js';
import { H265_NAL_PROFILE } from '../h265/rtp-nal-profile.js';
import {
  nalType,
  readNalHeader,
  withNalType,
  writeNalHeader,
  type NalHeaderProfile,
} from './nal-header-profile.js';
import type { NalDepacketizer } from './nal-depacketizer.js';
import { minimumMtu } from './nal-packetizer.js';

interface CodecCase {
  readonly name: string;
  readonly profile: NalHeaderProfile;
  readonly packetize: (units: readonly Uint8Array[], mtu: number) => Uint8Array[];
  readonly depacketizer: () => NalDepacketizer;
  /** Seeds of the round-trip and corruption tests, as they were in the per-codec files. */
  readonly seeds: { readonly roundTrip: number; readonly corruption: number };
  readonly parameterSets: readonly Uint8Array[];
  /** A keyframe NAL unit (IDR) and a non-key slice of `size` bytes. */
  readonly idr: (size: number, rand: () => number) => Uint8Array;
  readonly slice: (size: number, rand: () => number) => Uint8Array;
  /** A NAL unit of a random single-NAL type (and, for H.264, random NRI). */
  readonly anyNal: (size: number, rand: () => number) => Uint8Array;
}

/** `header`, then seeded bytes up to `size`. */
function withBody(header: readonly number[], size: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(header.slice(0, size));
  for (let i = header.length; i < size; i++) {
    out[i] = randomInt(rand, 0, 255);
  }
  return out;
}

const CASES: readonly CodecCase[] = [
  {
    name: 'H.264 (RFC 6184)',
    profile: H264_NAL_PROFILE,
    packetize: packetizeH264,
    depacketizer: () => new H264Depacketizer(),
    seeds: { roundTrip: 6184, corruption: 0xdead },
    parameterSets: [
      fromHex('67 42 c0 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c a3 c6 0c a8'), // SPS, NRI=3
      fromHex('68 ce 3c 80'), // PPS, NRI=3
      fromHex('06 05 01 00 80'), // SEI, NRI=0
    ],
    idr: (size, rand) => withBody([0x65], size, rand), // NRI=3, type 5
    slice: (size, rand) => withBody([0x41], size, rand), // NRI=2, type 1
    anyNal: (size, rand) => withBody([(randomInt(rand, 0, 3) << 5) | randomInt(rand, 1, 23)], size, rand),
  },
  {
    name: 'H.265 (RFC 7798)',
    profile: H265_NAL_PROFILE,
    packetize: packetizeH265,
    depacketizer: () => new H265Depacketizer(),
    seeds: { roundTrip: 7798, corruption: 0xbeef },
    parameterSets: [
      fromHex('40 01 0c 01 ff ff 01 60 00 00 03 00 00 03 00 00 03 00 00 03 00 5d ac 09'), // VPS (32)
      fromHex('42 01 01 01 60 00 00 03 00 00 03 00 00 03 00 00 03 00 5d a0 02 80 80 2d'), // SPS (33)
      fromHex('44 01 c1 72 b4 62 40'), // PPS (34)
      fromHex('4e 01 05 04 00 00 00 00 80'), // prefix SEI (39)
    ],
    idr: (size, rand) => withBody([19 << 1, 0x01], size, rand), // IDR_W_RADL, LayerId 0, TID 1
    slice: (size, rand) => withBody([1 << 1, 0x01], size, rand), // TRAIL_R
    anyNal: (size, rand) => withBody([randomInt(rand, 0, 40) << 1, 0x01], size, rand),
  },
];

const hex = (units: readonly Uint8Array[]): string[] => units.map((u) => toHex(u, ''));

/** Byte-exact comparison of access units, fast enough for megabytes (deepEqual on hex is not). */
function assertSameAccessUnits(actual: readonly Uint8Array[][], expected: readonly Uint8Array[][]): void {
  assert.equal(actual.length, expected.length, 'access unit count');
  actual.forEach((au, i) => {
    assert.equal(au.length, expected[i].length, `NAL count of access unit ${i}`);
    au.forEach((unit, j) => assertSameBytes(unit, expected[i][j], `access unit ${i} NAL ${j}`));
  });
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const same = actual.length === expected.length && actual.every((b, k) => b === expected[k]);
  assert.ok(same, `${what}: ${actual.length} bytes, expected ${expected.length}`);
}

/** Depacketizes the payloads of consecutive access units (marker on the last of each), across the 16-bit wrap. */
function depacketize(c: CodecCase, aus: readonly Uint8Array[][]): Uint8Array[][] {
  const d = c.depacketizer();
  const out: Uint8Array[][] = [];
  let seq = 65530;
  for (const payloads of aus) {
    payloads.forEach((p, i) => out.push(...d.push(p, i === payloads.length - 1, seq++ & 0xffff)));
  }
  return out;
}

test('header arithmetic on literal headers: type, type replacement, and aggregation header merge', () => {
  const h264 = H264_NAL_PROFILE;
  assert.equal(nalType(h264, 0x65), 5); // F=0 NRI=3 type 5 (IDR)
  assert.equal(withNalType(h264, 0x65, 28), 0x7c); // FU-A indicator keeps F and NRI
  assert.equal(withNalType(h264, 0xe5, 24), 0xf8); // F is kept too
  // STAP-A of NRI 3 (SPS) and NRI 0 with F set (SEI): F=1, NRI=3.
  assert.equal(
    withNalType(h264, h264.mergeAggregated(h264.mergeAggregated(undefined, 0x67), 0x86), 24),
    0xf8,
  );

  const h265 = H265_NAL_PROFILE;
  const idr = readNalHeader(h265, fromHex('26 01')); // IDR_W_RADL (19), LayerId 0, TID 1
  assert.equal(idr, 0x2601);
  assert.equal(nalType(h265, idr), 19);
  assert.equal(withNalType(h265, 0xa7ff, 49), 0xe3ff); // F, LayerId 63, TID 7 kept; Type=49
  // AP of (F=0, LayerId 3, TID 2) and (F=1, LayerId 33, TID 3): F=1, LayerId 3, TID 2.
  const merged = h265.mergeAggregated(h265.mergeAggregated(undefined, 0x021a), 0x830b);
  const out = new Uint8Array(3);
  writeNalHeader(h265, out, 1, withNalType(h265, merged, 48));
  assert.deepEqual(out, fromHex('00 e0 1a'));
});

for (const c of CASES) {
  const minUnit = c.profile.headerLength;

  test(`${c.name}: depacketize(packetize(au)) = au at MTU 1200 for many sizes up to 200 KB; every payload ≤ 1200 (seeded)`, () => {
    const rand = seededRandom(c.seeds.roundTrip);
    const aus: Uint8Array[][] = [];
    for (let i = 0; i < 150; i++) {
      const units: Uint8Array[] = [];
      if (i % 10 === 0) {
        units.push(...c.parameterSets);
      }
      for (let n = randomInt(rand, 1, 4); n > 0; n--) {
        const r = rand();
        const size =
          r < 0.3
            ? randomInt(rand, minUnit, 60)
            : r < 0.6
              ? randomInt(rand, 1100, 1300)
              : r < 0.9
                ? randomInt(rand, minUnit, 20000)
                : randomInt(rand, 65000, 200000);
        units.push(c.anyNal(size, rand));
      }
      aus.push(units);
    }
    // Edge sizes around the mtu and the 16-bit aggregation size field.
    aus.push([1197, 1198, 1199, 1200, 1201, 1202, 65535, 65536, 65537].map((s) => c.idr(s, rand)));
    const packetized = aus.map((au) => c.packetize(au, 1200));
    for (const payloads of packetized) {
      for (const p of payloads) {
        assert.ok(p.length <= 1200, `payload of ${p.length}`);
      }
    }
    assertSameAccessUnits(depacketize(c, packetized), aus);
  });

  test(`${c.name}: every payload stays within the smallest mtus too; below them packetize throws RangeError`, () => {
    const rand = seededRandom(5);
    const min = minimumMtu(c.profile);
    assert.equal(min, c.profile.headerLength + 2); // payload header + FU header + one byte
    for (const mtu of [min, min + 1, 17, 100]) {
      const au = [...c.parameterSets, c.idr(1000, rand), c.slice(minUnit + 1, rand)];
      const payloads = c.packetize(au, mtu);
      for (const p of payloads) {
        assert.ok(p.length <= mtu);
      }
      assert.deepEqual(depacketize(c, [payloads]).map(hex), [hex(au)]);
    }
    assert.throws(() => c.packetize(c.parameterSets, min - 1), RangeError);
  });

  test(`${c.name}: random NAL sizes at random MTUs round-trip, as views where a unit goes alone (seeded)`, () => {
    const rand = seededRandom(0x5eed + minUnit);
    const { min: singleMin, max: singleMax } = c.profile.singleTypes;
    for (let round = 0; round < 300; round++) {
      const mtu = rand() < 0.3 ? randomInt(rand, minimumMtu(c.profile), 40) : randomInt(rand, 41, 3000);
      const au = Array.from({ length: randomInt(rand, 1, 8) }, () =>
        c.anyNal(randomInt(rand, minUnit, rand() < 0.2 ? 9000 : 1500), rand),
      );
      const payloads = c.packetize(au, mtu);
      for (const p of payloads) {
        assert.ok(p.length <= mtu, `payload of ${p.length} at mtu ${mtu}`);
        const type = nalType(c.profile, readNalHeader(c.profile, p));
        const single = type >= singleMin && type <= singleMax;
        assert.ok(
          single || type === c.profile.aggregationType || type === c.profile.fragmentationType,
          `type ${type}`,
        );
        if (single) {
          assert.ok(
            au.some((u) => u.buffer === p.buffer),
            'a single NAL unit payload is the unit itself',
          );
        }
      }
      assertSameAccessUnits(depacketize(c, [payloads]), [au]);
    }
  });

  test(`${c.name}: random packet loss drops whole NAL units only, and exactly those a lost packet carried (seeded)`, () => {
    const rand = seededRandom(0x1055 + minUnit);
    for (let round = 0; round < 20; round++) {
      const aus = Array.from({ length: 30 }, () =>
        Array.from({ length: randomInt(rand, 1, 6) }, () =>
          c.anyNal(randomInt(rand, minUnit, rand() < 0.2 ? 8000 : 1200), rand),
        ),
      );
      const mtu = randomInt(rand, minimumMtu(c.profile), 1500);
      const packets = aus.flatMap((au) => {
        const payloads = c.packetize(au, mtu);
        return payloads.map((payload, i) => ({ payload, marker: i === payloads.length - 1 }));
      });
      // Which units each packet carries, read off a lossless run: a fragment belongs to the
      // unit the depacketizer completes next.
      const units = aus.flat();
      const oracle = c.depacketizer();
      const carried = packets.map(({ payload, marker }, seq) => {
        const before = oracle.stats.nals;
        oracle.push(payload, marker, seq & 0xffff);
        return { from: before, to: Math.max(oracle.stats.nals, before + 1) };
      });
      assert.equal(oracle.stats.nals, units.length);

      const lossRate = 0.02 + rand() * 0.2;
      const lost = new Set<number>();
      packets.forEach((_, seq) => rand() < lossRate && lost.add(seq));
      const unitLost = new Array<boolean>(units.length).fill(false);
      for (const seq of lost) {
        for (let u = carried[seq].from; u < carried[seq].to; u++) {
          unitLost[u] = true;
        }
      }
      const d = c.depacketizer();
      const got: Uint8Array[] = [];
      packets.forEach(({ payload, marker }, seq) => {
        if (!lost.has(seq)) {
          got.push(...d.push(payload, marker, seq & 0xffff).flat());
        }
      });
      got.push(...d.flush().flat());
      const expected = units.filter((_, u) => !unitLost[u]);
      assert.equal(
        got.length,
        expected.length,
        `units out with ${lost.size} of ${packets.length} packets lost`,
      );
      got.forEach((unit, k) => assertSameBytes(unit, expected[k], `unit ${k}`));
      assert.equal(d.stats.malformed + d.stats.unsupported, 0);
    }
  });

  test(`${c.name}: losing one middle fragment drops that NAL unit only`, () => {
    const rand = seededRandom(9);
    const big = c.idr(5000, rand);
    const after = c.slice(100, rand);
    const payloads = c.packetize([...c.parameterSets, big, after], 1200);
    // payloads: aggregation packet (parameter sets), 5 fragments, the slice.
    const fragments = payloads.flatMap((p, i) =>
      nalType(c.profile, readNalHeader(c.profile, p)) === c.profile.fragmentationType ? [i] : [],
    );
    assert.equal(fragments.length, 5);
    const d = c.depacketizer();
    const out: Uint8Array[][] = [];
    payloads.forEach((p, i) => {
      if (i !== fragments[2]) {
        out.push(...d.push(p, i === payloads.length - 1, 100 + i));
      }
    });
    assert.deepEqual(out.map(hex), [hex([...c.parameterSets, after])]);
    assert.equal(d.stats.droppedNals, 1);
  });

  test(`${c.name}: a fragment whose start was lost is dropped without a sequence number`, () => {
    const big = c.idr(3000, seededRandom(10));
    const payloads = c.packetize([big], 1200);
    const d = c.depacketizer();
    assert.deepEqual(d.push(payloads[1], false), []);
    assert.deepEqual(d.push(payloads[2], true), []);
    assert.equal(d.stats.droppedFragments, 2);
    const again = payloads.flatMap((p, i) => d.push(p, i === payloads.length - 1));
    assert.deepEqual(again.map(hex), [hex([big])]);
  });

  test(`${c.name}: malformed payloads never throw (seeded corruption)`, () => {
    const rand = seededRandom(c.seeds.corruption);
    const payloads = c.packetize([...c.parameterSets, c.idr(4000, rand), c.slice(300, rand)], 500);
    const d = c.depacketizer();
    for (let i = 0; i < 20000; i++) {
      const p = payloads[randomInt(rand, 0, payloads.length - 1)].slice(0, randomInt(rand, 0, 600));
      for (let k = randomInt(rand, 0, 3); k > 0 && p.length > 0; k--) {
        p[randomInt(rand, 0, p.length - 1)] = randomInt(rand, 0, 255);
      }
      for (const au of d.push(p, rand() < 0.2, rand() < 0.5 ? randomInt(rand, 0, 0xffff) : undefined)) {
        for (const unit of au) {
          assert.ok(unit.length >= minUnit);
        }
      }
    }
    d.flush();
    assert.ok(d.stats.malformed + d.stats.unsupported + d.stats.droppedFragments > 0);
  });
}
