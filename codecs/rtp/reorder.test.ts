import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, randomInt } from '../../test/helpers/random.js';
import type { RtpPacket } from './packet.js';
import { RtpReorderBuffer, type ReorderOutput } from './reorder.js';

const packet = (sequence: number): RtpPacket => ({
  payloadType: 96,
  sequence: sequence & 0xffff,
  timestamp: 0,
  ssrc: 1,
  marker: false,
  csrcs: [],
  paddingLength: 0,
  payload: new Uint8Array([sequence & 0xff]),
});

/** Runs sequence numbers through a buffer and renders the output as numbers and 'gap:n'. */
function run(buffer: RtpReorderBuffer, sequences: readonly number[], flush = true): (number | string)[] {
  const outputs: ReorderOutput[] = [];
  for (const s of sequences) {
    outputs.push(...buffer.push(packet(s)));
  }
  if (flush) {
    outputs.push(...buffer.flush());
  }
  return outputs.map((o) => (o.kind === 'packet' ? o.packet.sequence : `gap:${o.lost}`));
}

/** Moves each element at most `window - 1` places: shuffle inside consecutive blocks of `window`. */
function shuffleWithin<T>(items: readonly T[], window: number, rand: () => number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += window) {
    const end = Math.min(start + window, out.length);
    for (let i = end - 1; i > start; i--) {
      const j = randomInt(rand, start, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
  }
  return out;
}

const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => (from + i) & 0xffff);

test('in-order packets pass straight through once startup is over', () => {
  const b = new RtpReorderBuffer({ startup: 1 });
  assert.deepEqual(
    range(10, 5).map((s) => b.push(packet(s)).length),
    [1, 1, 1, 1, 1],
  );
  assert.deepEqual(b.stats, {
    received: 5,
    emitted: 5,
    reordered: 0,
    duplicates: 0,
    late: 0,
    lost: 0,
    resets: 0,
    strays: 0,
  });
});

test('packets shuffled within a window of 8 come out in order across 65535 → 0 (seeded)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = seededRandom(seed);
    const sequences = range(65000, 3000);
    const b = new RtpReorderBuffer();
    assert.deepEqual(run(b, shuffleWithin(sequences, 8, rand)), sequences, `seed ${seed}`);
    assert.equal(b.stats.lost, 0);
    assert.ok(b.stats.reordered > 0);
  }
});

test('startup collects the first packets so an early out-of-order start is not lost', () => {
  const b = new RtpReorderBuffer({ startup: 4 });
  assert.deepEqual(b.push(packet(102)), []);
  assert.deepEqual(b.push(packet(100)), []);
  assert.deepEqual(b.push(packet(103)), []);
  const out = b.push(packet(101)).map((o) => (o.kind === 'packet' ? o.packet.sequence : o.lost));
  assert.deepEqual(out, [100, 101, 102, 103]);
});

test('a stray among the startup packets does not pick the starting point', () => {
  const b = new RtpReorderBuffer({ startup: 4 });
  assert.deepEqual(run(b, [101, 30000, 100, 102, 103]), [100, 101, 102, 103]);
  assert.equal(b.stats.strays, 1);
});

test('a missing packet is given up on when the window overflows; the gap precedes the next packet', () => {
  const b = new RtpReorderBuffer({ window: 4, startup: 1 });
  // 3 never arrives: 4, 5, 6 wait for it; 7 is 4 ahead of 3, so 3 is given up.
  assert.deepEqual(run(b, [1, 2, 4, 5, 6, 7, 8], false), [1, 2, 'gap:1', 4, 5, 6, 7, 8]);
  assert.equal(b.stats.lost, 1);
});

test('gaps are reported with the number lost, across the wrap (seeded loss of 5 %)', () => {
  const rand = seededRandom(42);
  const sent = range(65400, 2000);
  const kept = sent.filter((_, i) => i === 0 || rand() >= 0.05);
  const b = new RtpReorderBuffer({ window: 8, startup: 4 });
  const out = run(b, shuffleWithin(kept, 4, seededRandom(7)));
  // Expected: the kept packets in order, each run of missing ones reported just before the next.
  const expected: (number | string)[] = [];
  let missing = 0;
  for (const s of sent) {
    if (!kept.includes(s)) {
      missing++;
      continue;
    }
    if (missing > 0) {
      expected.push(`gap:${missing}`);
    }
    missing = 0;
    expected.push(s);
  }
  assert.deepEqual(out, expected);
  assert.equal(b.stats.lost, sent.length - kept.length);
});

test('duplicates are dropped and counted, whether held or already emitted', () => {
  const b = new RtpReorderBuffer({ window: 8, startup: 1 });
  assert.deepEqual(run(b, [1, 2, 2, 4, 4, 3, 1, 5]), [1, 2, 3, 4, 5]);
  assert.equal(b.stats.duplicates, 3);
  assert.equal(b.stats.late, 0);
});

test('a packet arriving after it was given up on is late, not emitted', () => {
  const b = new RtpReorderBuffer({ window: 2, startup: 1 });
  assert.deepEqual(run(b, [1, 3, 4, 2, 5]), [1, 'gap:1', 3, 4, 5]);
  assert.equal(b.stats.late, 1);
  assert.equal(b.stats.lost, 1);
});

test('a burst loss larger than the window is one gap', () => {
  const b = new RtpReorderBuffer({ window: 8, startup: 1 });
  assert.deepEqual(run(b, [65530, 65531, 500, 501]), [65530, 65531, 'gap:504', 500, 501]);
});

test('a jump beyond 3000 followed by its successor is a restart (RFC 3550 A.1)', () => {
  const b = new RtpReorderBuffer({ window: 8, startup: 1 });
  assert.deepEqual(run(b, [100, 101, 102, 20000, 20001, 20002]), [
    100,
    101,
    102,
    'gap:0',
    20000,
    20001,
    20002,
  ]);
  assert.equal(b.stats.resets, 1);
  assert.equal(b.stats.lost, 0);
});

test('a single far-away packet is a stray and is dropped', () => {
  const b = new RtpReorderBuffer({ window: 8, startup: 1 });
  assert.deepEqual(run(b, [100, 101, 40000, 102, 103]), [100, 101, 102, 103]);
  assert.equal(b.stats.strays, 1);
  assert.equal(b.stats.resets, 0);
});

test('flush emits what is held, with gaps for holes, and starts over', () => {
  const b = new RtpReorderBuffer({ window: 16, startup: 1 });
  assert.deepEqual(run(b, [1, 3, 4, 7]), [1, 'gap:1', 3, 4, 'gap:2', 7]);
  assert.deepEqual(run(b, [500, 501]), [500, 501], 'after flush the next packet starts a new stream');
});

test('never throws and keeps its counters consistent under seeded chaos', () => {
  const rand = seededRandom(99);
  const b = new RtpReorderBuffer({ window: 16 });
  let emitted = 0;
  let base = randomInt(rand, 0, 0xffff);
  for (let i = 0; i < 50000; i++) {
    const r = rand();
    const seq =
      r < 0.01 ? randomInt(rand, 0, 0xffff) : r < 0.02 ? (base += 5000) : base + randomInt(rand, -40, 40);
    base++;
    for (const o of b.push(packet(seq))) {
      if (o.kind === 'packet') {
        emitted++;
      }
    }
  }
  for (const o of b.flush()) {
    if (o.kind === 'packet') {
      emitted++;
    }
  }
  assert.equal(emitted, b.stats.emitted);
  assert.ok(b.stats.emitted + b.stats.duplicates + b.stats.late + b.stats.strays <= b.stats.received);
  assert.ok(b.stats.resets > 0);
});
