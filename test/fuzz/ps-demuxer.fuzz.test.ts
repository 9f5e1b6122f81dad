// Seeded mutation fuzz of PsDemuxer (ISO/IEC 13818-1 §2.5, docs/gb28181.md §10) over windows of the
// shared PS vectors: bit flips, truncation, duplicated ranges, inserted start codes, zeroed
// ranges, random bytes after a start code, random chunking and gaps. Checked: no exception,
// bounded work per input, caps respected (buffered bytes and access-unit size), well-formed
// output, monotonic timestamps per codec when only the chunking changed, and counters that move
// when start codes or duplicated bytes were inserted. (Moved here from codecs/ps/ so that every
// parser's fuzzer shares one loop, budget switch and regression corpus.)
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import { PsDemuxer, type PsDemuxerStats } from '../../codecs/ps/demuxer.js';
import { loadManifest, loadVector } from '../helpers/paths.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { insertBytes, type Rand } from '../helpers/mutate.js';
import { randomInt, seededRandom } from '../helpers/random.js';

const MAX_AU = 256 << 10;
const MAX_PENDING = 64 << 10;
const CODECS = new Set(['H264', 'H265', 'PCMA', 'PCMU', 'AAC']);

type Kind =
  | 'clean'
  | 'flip'
  | 'truncate'
  | 'duplicate'
  | 'insert-pack'
  | 'insert-start'
  | 'insert-pes'
  | 'zero'
  | 'splice';
const KINDS: Kind[] = [
  'clean',
  'flip',
  'truncate',
  'duplicate',
  'insert-pack',
  'insert-start',
  'insert-pes',
  'zero',
  'splice',
];
const INSERTS: Partial<Record<Kind, number[]>> = {
  'insert-pack': [0, 0, 1, 0xba],
  'insert-start': [0, 0, 1],
  'insert-pes': [0, 0, 1, 0xe0],
};

const VECTORS = Object.keys(loadManifest().files).map((name) => loadVector(name));

function mutateWindow(window: Uint8Array, kind: Kind, rand: Rand): Uint8Array {
  let b = window;
  const count = randomInt(rand, 1, 4);
  for (let n = 0; n < count && b.length > 8; n++) {
    const at = randomInt(rand, 0, b.length - 1);
    switch (kind) {
      case 'flip':
        b = b === window ? window.slice() : b;
        b[at] ^= 1 << randomInt(rand, 0, 7);
        break;
      case 'truncate':
        b = rand() < 0.5 ? b.subarray(at) : b.subarray(0, at);
        break;
      case 'duplicate': {
        const len = randomInt(rand, 1, Math.min(4096, b.length - at));
        b = insertBytes(b, randomInt(rand, 0, b.length), b.slice(at, at + len));
        break;
      }
      case 'zero':
        b = b === window ? window.slice() : b;
        b.fill(0, at, at + randomInt(rand, 1, 64));
        break;
      case 'splice': {
        // Random bytes where a header was likely: right after some 00 00 01.
        const sc = b.indexOf(1, at);
        if (sc < 0) {
          break;
        }
        b = b === window ? window.slice() : b;
        for (let i = sc + 1; i < Math.min(b.length, sc + 1 + randomInt(rand, 1, 12)); i++) {
          b[i] = randomInt(rand, 0, 255);
        }
        break;
      }
      case 'insert-pack':
      case 'insert-start':
      case 'insert-pes':
        b = insertBytes(b, at, INSERTS[kind]!);
        break;
      case 'clean':
        return window;
    }
  }
  return b === window ? window.slice() : b;
}

interface Outcome {
  aus: AccessUnit[];
  stats: PsDemuxerStats;
  maxBuffered: number;
}

/** Feeds `input` in random chunks (sometimes tiny), with an occasional gap before one. */
function feed(input: Uint8Array, rand: Rand, gaps: boolean): Outcome {
  const d = new PsDemuxer({ maxAccessUnitBytes: MAX_AU, maxPendingBytes: MAX_PENDING });
  const aus: AccessUnit[] = [];
  let maxBuffered = 0;
  const mode = rand();
  // Mostly large random chunks; sometimes RTP-sized; rarely a few bytes at a time.
  const maxChunk = mode < 0.02 ? 8 : mode < 0.3 ? 1400 : input.length;
  for (let i = 0; i < input.length;) {
    const n = Math.max(1, Math.floor(Math.exp(rand() * Math.log(Math.max(1, maxChunk)))));
    aus.push(...d.push({ payload: input.subarray(i, i + n), gap: gaps && i > 0 && rand() < 0.05 }));
    i += n;
    maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
  }
  aus.push(...d.flush());
  return { aus, stats: { ...d.stats }, maxBuffered };
}

function checkWellFormed(o: Outcome): void {
  assert.ok(o.maxBuffered <= MAX_AU + MAX_PENDING + MAX_AU, `buffered ${o.maxBuffered}`);
  for (const au of o.aus) {
    assert.ok(CODECS.has(au.codec), au.codec);
    assert.ok(Number.isFinite(au.pts) && Number.isFinite(au.dts));
    assert.ok(au.units.length > 0, 'empty access unit');
    let size = 0;
    for (const u of au.units) {
      assert.ok(u instanceof Uint8Array && u.length > 0, 'empty unit');
      size += u.length;
    }
    assert.ok(size <= MAX_AU, `access unit of ${size} bytes over the cap`);
  }
}

function checkMonotonic(aus: AccessUnit[]): void {
  const last = new Map<string, number>();
  for (const au of aus) {
    const prev = last.get(au.codec);
    assert.ok(prev === undefined || au.dts > prev, `${au.codec} dts ${au.dts} after ${prev}`);
    last.set(au.codec, au.dts);
  }
}

const counters = (s: PsDemuxerStats) => s.resyncs + s.droppedBytes + s.droppedAccessUnits + s.oversize;

/** What generate() made, for checks that compare against the unmutated window (not on replay). */
const made = new WeakMap<Uint8Array, { kind: Kind; window: Uint8Array; i: number }>();
const moved: Record<string, [number, number]> = {};

defineFuzz({
  name: 'ps-demuxer',
  ciIterations: 50_000,
  seed: 0x28181,
  generate(rand, i) {
    const src = VECTORS[i % VECTORS.length];
    const tiny = rand() < 0.05;
    const size = tiny
      ? randomInt(rand, 16, 2048)
      : Math.floor(Math.exp(Math.log(2048) + rand() * Math.log(32)));
    const start = randomInt(rand, 0, src.length - size);
    const window = src.subarray(start, start + size);
    const kind = KINDS[randomInt(rand, 0, KINDS.length - 1)];
    const input = mutateWindow(window, kind, rand);
    made.set(input, { kind, window, i });
    return { input, label: `${kind}, vector ${i % VECTORS.length} offset ${start}, ${size} bytes` };
  },
  check(input, rand) {
    const info = made.get(input);
    const outcome = feed(input, rand, info?.kind !== 'clean' && rand() < 0.2);
    checkWellFormed(outcome);
    if (info?.kind === 'clean') {
      checkMonotonic(outcome.aus);
      // Only the partial pack at the window's start may be dropped.
      assert.ok(outcome.stats.resyncs <= 1, `${outcome.stats.resyncs} resyncs on clean input`);
    } else if (info && (INSERTS[info.kind] || info.kind === 'duplicate') && info.i % 4 === 0) {
      // Against the same window unmutated (a sample, to keep the run short).
      const base = feed(info.window, seededRandom(info.i), false);
      const entry = (moved[info.kind] ??= [0, 0]);
      entry[1]++;
      if (counters(outcome.stats) > counters(base.stats)) {
        entry[0]++;
      }
    }
  },
  finish() {
    console.log(`# ps-demuxer: counters moved on insertion: ${JSON.stringify(moved)}`);
    for (const [kind, [hit, total]] of Object.entries(moved)) {
      if (total >= 20) {
        assert.ok(hit / total > 0.5, `${kind}: counters moved in only ${hit} of ${total} inputs`);
      }
    }
  },
});
