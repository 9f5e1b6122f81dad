// Seeded byte mutations for the fuzz tests (docs/testing.md §5): no dependency, reproducible from
// the PRNG seed. Each mutator takes bytes and returns new bytes (the input is never modified);
// `mutate()` stacks a few of them, as a coverage-blind fuzzer (AFL's havoc stage) does.
import { randomInt } from './random.js';

export type Rand = () => number;

/** One mutation step: a name for the failure label, and the function. */
export interface Mutator {
  readonly name: string;
  apply(b: Uint8Array, rand: Rand, ctx: MutationContext): Uint8Array;
}

export interface MutationContext {
  /** Tokens worth inserting or overwriting with (start codes, header names, delimiters). */
  dictionary: readonly Uint8Array[];
  /** Other seeds, for crossover. */
  seeds: readonly Uint8Array[];
  /** Mutations never grow the input past this. */
  maxLength: number;
}

/** Values that sit on boundaries of 8/16/32-bit fields and length checks. */
const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40, 0x64];
const INTERESTING_16 = [0x0000, 0x0001, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x0400, 0x1000];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x00010000, 0xffff0000];

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

export function insertBytes(b: Uint8Array, at: number, bytes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length + bytes.length);
  out.set(b.subarray(0, at));
  out.set(bytes, at);
  out.set(b.subarray(at), at + bytes.length);
  return out;
}

export function removeBytes(b: Uint8Array, at: number, count: number): Uint8Array {
  const out = new Uint8Array(b.length - count);
  out.set(b.subarray(0, at));
  out.set(b.subarray(at + count), at);
  return out;
}

const pos = (b: Uint8Array, rand: Rand): number => randomInt(rand, 0, Math.max(0, b.length - 1));
/** Range lengths skew short: most header fields are a few bytes. */
const span = (rand: Rand, max: number): number =>
  Math.max(1, Math.min(max, Math.floor(Math.exp(rand() * Math.log(Math.max(2, max))))));

function overwrite(b: Uint8Array, at: number, bytes: ArrayLike<number>): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < bytes.length && at + i < out.length; i++) {
    out[at + i] = bytes[i];
  }
  return out;
}

/** Index just after a random line feed, or a random index when there is none. */
function lineStart(b: Uint8Array, rand: Rand): number {
  const from = pos(b, rand);
  const lf = b.indexOf(0x0a, from);
  return lf < 0 ? from : lf + 1;
}

/** [start, end) of the line containing `at`, end including its LF. */
function lineAround(b: Uint8Array, at: number): [number, number] {
  let s = at;
  while (s > 0 && b[s - 1] !== 0x0a) {
    s--;
  }
  const lf = b.indexOf(0x0a, at);
  return [s, lf < 0 ? b.length : lf + 1];
}

export const MUTATORS: readonly Mutator[] = [
  {
    name: 'flip-bit',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      const out = b.slice();
      out[pos(b, rand)] ^= 1 << randomInt(rand, 0, 7);
      return out;
    },
  },
  {
    name: 'random-byte',
    apply: (b, rand) => (b.length === 0 ? b : overwrite(b, pos(b, rand), [randomInt(rand, 0, 255)])),
  },
  {
    name: 'interesting-8',
    apply: (b, rand) =>
      b.length === 0
        ? b
        : overwrite(b, pos(b, rand), [INTERESTING_8[randomInt(rand, 0, INTERESTING_8.length - 1)]]),
  },
  {
    name: 'interesting-16',
    apply: (b, rand) => {
      const v = INTERESTING_16[randomInt(rand, 0, INTERESTING_16.length - 1)];
      return b.length < 2 ? b : overwrite(b, pos(b, rand), [v >> 8, v & 0xff]);
    },
  },
  {
    name: 'interesting-32',
    apply: (b, rand) => {
      const v = INTERESTING_32[randomInt(rand, 0, INTERESTING_32.length - 1)];
      return b.length < 4
        ? b
        : overwrite(b, pos(b, rand), [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    },
  },
  {
    name: 'add-sub',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      const at = pos(b, rand);
      return overwrite(b, at, [(b[at] + randomInt(rand, -35, 35)) & 0xff]);
    },
  },
  {
    name: 'truncate',
    apply: (b, rand) => (rand() < 0.5 ? b.slice(0, pos(b, rand)) : b.slice(pos(b, rand))),
  },
  {
    name: 'delete-range',
    apply: (b, rand) => {
      if (b.length < 2) {
        return b;
      }
      const at = pos(b, rand);
      return removeBytes(b, at, span(rand, b.length - at));
    },
  },
  {
    name: 'duplicate-range',
    apply: (b, rand, ctx) => {
      if (b.length === 0) {
        return b;
      }
      const at = pos(b, rand);
      const len = Math.min(span(rand, b.length - at), ctx.maxLength - b.length);
      return len <= 0 ? b : insertBytes(b, randomInt(rand, 0, b.length), b.slice(at, at + len));
    },
  },
  {
    name: 'zero-range',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      const at = pos(b, rand);
      return overwrite(b, at, new Uint8Array(span(rand, 64)));
    },
  },
  {
    name: 'random-range',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      const junk = Array.from({ length: span(rand, 32) }, () => randomInt(rand, 0, 255));
      return overwrite(b, pos(b, rand), junk);
    },
  },
  {
    name: 'insert-token',
    apply: (b, rand, ctx) => {
      if (ctx.dictionary.length === 0) {
        return b;
      }
      const token = ctx.dictionary[randomInt(rand, 0, ctx.dictionary.length - 1)];
      const at = rand() < 0.5 ? lineStart(b, rand) : randomInt(rand, 0, b.length);
      return b.length + token.length > ctx.maxLength ? b : insertBytes(b, Math.min(at, b.length), token);
    },
  },
  {
    name: 'overwrite-token',
    apply: (b, rand, ctx) => {
      if (ctx.dictionary.length === 0 || b.length === 0) {
        return b;
      }
      return overwrite(b, pos(b, rand), ctx.dictionary[randomInt(rand, 0, ctx.dictionary.length - 1)]);
    },
  },
  {
    name: 'duplicate-line',
    apply: (b, rand, ctx) => {
      if (b.length === 0) {
        return b;
      }
      const [s, e] = lineAround(b, pos(b, rand));
      const copies = rand() < 0.1 ? randomInt(rand, 2, 64) : 1;
      let out = b;
      for (let i = 0; i < copies && out.length + (e - s) <= ctx.maxLength; i++) {
        out = insertBytes(out, e, b.subarray(s, e));
      }
      return out;
    },
  },
  {
    name: 'delete-line',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      const [s, e] = lineAround(b, pos(b, rand));
      return removeBytes(b, s, e - s);
    },
  },
  {
    name: 'swap-lines',
    apply: (b, rand) => {
      if (b.length === 0) {
        return b;
      }
      let [s1, e1] = lineAround(b, pos(b, rand));
      let [s2, e2] = lineAround(b, pos(b, rand));
      if (s1 === s2) {
        return b;
      }
      if (s2 < s1) {
        [s1, e1, s2, e2] = [s2, e2, s1, e1];
      }
      const out = new Uint8Array(b.length);
      let o = 0;
      for (const part of [
        b.subarray(0, s1),
        b.subarray(s2, e2),
        b.subarray(e1, s2),
        b.subarray(s1, e1),
        b.subarray(e2),
      ]) {
        out.set(part, o);
        o += part.length;
      }
      return out;
    },
  },
  {
    name: 'crossover',
    apply: (b, rand, ctx) => {
      if (ctx.seeds.length === 0) {
        return b;
      }
      const other = ctx.seeds[randomInt(rand, 0, ctx.seeds.length - 1)];
      const cut = randomInt(rand, 0, b.length);
      const from = randomInt(rand, 0, other.length);
      const tail = other.subarray(from, from + Math.max(0, ctx.maxLength - cut));
      const out = new Uint8Array(cut + tail.length);
      out.set(b.subarray(0, cut));
      out.set(tail, cut);
      return out;
    },
  },
];

export interface MutationOptions {
  dictionary?: readonly Uint8Array[];
  seeds?: readonly Uint8Array[];
  /** Default 64 KiB. */
  maxLength?: number;
  /** Mutations stacked per input: 1..maxOps, skewed low. Default 6. */
  maxOps?: number;
  /** Restrict to these mutators (by name); default all. */
  only?: readonly string[];
}

export interface Mutation {
  bytes: Uint8Array;
  /** Names of the steps applied, in order (for the failure label). */
  ops: string[];
}

/** Applies 1..maxOps random mutators to `input`; the input itself is left untouched. */
export function mutate(input: Uint8Array, rand: Rand, opts: MutationOptions = {}): Mutation {
  const ctx: MutationContext = {
    dictionary: opts.dictionary ?? [],
    seeds: opts.seeds ?? [],
    maxLength: opts.maxLength ?? 64 * 1024,
  };
  const pool = opts.only ? MUTATORS.filter((m) => opts.only!.includes(m.name)) : MUTATORS;
  const count = span(rand, opts.maxOps ?? 6);
  let bytes = input;
  const ops: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = pool[randomInt(rand, 0, pool.length - 1)];
    bytes = m.apply(bytes, rand, ctx);
    ops.push(m.name);
  }
  if (bytes === input) {
    bytes = input.slice();
  }
  return { bytes: bytes.length > ctx.maxLength ? bytes.slice(0, ctx.maxLength) : bytes, ops };
}
