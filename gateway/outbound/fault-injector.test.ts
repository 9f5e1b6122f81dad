import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, mockClock } from '../../test/helpers/mock-clock.js';
import { FaultInjector, seededRandom } from './fault-injector.js';

/** A minimal RTP packet: V=2, PT 96, the given sequence, SSRC 0x0BEBC201, 8 payload bytes. */
function packet(seq: number): Uint8Array {
  // prettier-ignore
  return Uint8Array.from([
    0x80, 0x60, seq >> 8, seq & 0xff, // V=2 P=0 X=0 CC=0 | M=0 PT=96 | sequence
    0, 0, 0x0e, 0x10, // timestamp 3600
    0x0b, 0xeb, 0xc2, 0x01, // SSRC 200000001
    0, 0, 1, 0xba, 1, 2, 3, 4, // payload
  ]);
}
const seqOf = (p: Uint8Array) => (p[2] << 8) | p[3];

function run(opts: ConstructorParameters<typeof FaultInjector>[0], n = 1000) {
  const out: Uint8Array[] = [];
  const inj = new FaultInjector(opts, (p) => out.push(p));
  for (let i = 0; i < n; i++) {
    inj.push(packet(i));
  }
  inj.flush();
  return { out, inj };
}

test('no faults passes packets through untouched and in order', () => {
  const { out } = run({});
  assert.deepEqual(out.map(seqOf), [...Array(1000).keys()]);
});

test('loss drops about the requested share, reproducibly from the seed', () => {
  const a = run({ loss: 0.1, seed: 7 });
  const b = run({ loss: 0.1, seed: 7 });
  assert.deepEqual(a.out.map(seqOf), b.out.map(seqOf));
  assert.ok(a.inj.stats.dropped > 60 && a.inj.stats.dropped < 140, `dropped ${a.inj.stats.dropped}`);
  assert.equal(a.out.length + a.inj.stats.dropped, 1000);
});

test('reorder swaps a packet with its successor; duplicate sends some twice', () => {
  const { out, inj } = run({ reorder: 0.05, duplicate: 0.05, seed: 3 });
  assert.ok(inj.stats.reordered > 0 && inj.stats.duplicated > 0);
  assert.equal(out.length, 1000 + inj.stats.duplicated);
  const seqs = out.map(seqOf);
  let inversions = 0;
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] < seqs[i - 1]) {
      inversions++;
    }
  }
  assert.equal(inversions, inj.stats.reordered);
  assert.deepEqual(
    [...new Set(seqs)].sort((x, y) => x - y),
    [...Array(1000).keys()],
  );
});

test('wrongSsrc rewrites the SSRC field; corruptPs flips payload bytes only', () => {
  const { out } = run({ wrongSsrc: 0xdeadbeef }, 3);
  for (const p of out) {
    assert.equal(new DataView(p.buffer).getUint32(8), 0xdeadbeef);
  }
  const corrupt = run({ corruptPs: 1, seed: 5 }, 50);
  const clean = packet(0);
  let changed = 0;
  for (const p of corrupt.out) {
    assert.deepEqual(p.subarray(0, 2), clean.subarray(0, 2));
    assert.deepEqual(p.subarray(4, 12), clean.subarray(4, 12));
    if (p.subarray(12).some((b, i) => b !== clean[12 + i])) {
      changed++;
    }
  }
  assert.equal(changed, 50);
});

test('silentAfterSec stops output that long after the first packet', (ctx) => {
  const clock = mockClock(ctx);
  const out: Uint8Array[] = [];
  const silent = new FaultInjector({ silentAfterSec: 0.05 }, (p) => out.push(p));
  silent.push(packet(0));
  clock.tick(49);
  silent.push(packet(1));
  clock.tick(1);
  silent.push(packet(2));
  assert.deepEqual(out.map(seqOf), [0, 1]);
  assert.equal(silent.stats.silenced, 1);
});

test('jitter delays each packet by up to jitterMs, reordering some; close cancels the delayed ones', (ctx) => {
  const clock = mockClock(ctx);
  const late: Uint8Array[] = [];
  const jitter = new FaultInjector({ jitterMs: 30, seed: 9 }, (p) => late.push(p));
  for (let i = 0; i < 20; i++) {
    jitter.push(packet(i));
  }
  assert.equal(late.length, 0, 'nothing at once');
  const at = advance(clock, 30, () => late.length);
  assert.equal(at.length, 20, 'all within jitterMs');
  assert.ok(new Set(at).size > 5, `delays spread over the window: ${JSON.stringify(at)}`);
  assert.notDeepEqual(late.map(seqOf), [...Array(20).keys()], 'a network with jitter reorders');
  assert.equal(jitter.stats.delayed, 20);
  jitter.push(packet(99));
  jitter.close();
  assert.deepEqual(
    advance(clock, 100, () => late.length),
    [],
    'the delayed packet is cancelled',
  );
});

test('seededRandom is deterministic and within [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
});
