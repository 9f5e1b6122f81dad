import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  box,
  fullBox,
  readBoxes,
  findPath,
  childrenStart,
  readU32,
  sampleEntryTypes,
  u32,
  type BoxRef,
} from './box.js';
import { CMAF_BRANDS, writeInitSegment } from './init-segment.js';
import { g711SampleEntry } from './g711-entry.js';
import { lengthPrefixed, nalUnitSample, writeLengthPrefixed } from './avcc-sample.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Every box's size must land exactly on its parent's end; returns the type tree as text. */
function walk(bytes: Uint8Array, start: number, end: number, depth = 0): string[] {
  const boxes = readBoxes(bytes, start, end);
  const last = boxes[boxes.length - 1];
  assert.equal(last ? last.end : start, end, `boxes at depth ${depth} do not tile [${start}, ${end})`);
  const lines: string[] = [];
  const containers = new Set([
    'moov',
    'trak',
    'mdia',
    'minf',
    'stbl',
    'stsd',
    'mvex',
    'hvc1',
    'fLaC',
    'avc1',
    'alaw',
  ]);
  for (const b of boxes) {
    lines.push(`${'  '.repeat(depth)}${b.type} ${b.end - b.start}`);
    if (containers.has(b.type)) {
      lines.push(...walk(bytes, childrenStart(b), b.end, depth + 1));
    }
  }
  return lines;
}

/** A minimal moov with two traks, each ending in an stsd with one dummy entry. */
function fakeInit(): Uint8Array {
  const stsd = (entry: string) => fullBox('stsd', 0, 0, u32(1), box(entry, new Uint8Array(78)));
  const trak = (id: number, entry: string) =>
    box(
      'trak',
      fullBox(
        'tkhd',
        0,
        7,
        new Uint8Array(8),
        u32(id),
        new Uint8Array(4),
        u32(0xffffffff),
        new Uint8Array(60),
      ),
      box(
        'mdia',
        fullBox('mdhd', 0, 0, new Uint8Array(8), u32(90000), u32(0xffffffff), new Uint8Array(4)),
        box('minf', box('stbl', stsd(entry))),
      ),
    );
  const trex = (id: number) => fullBox('trex', 0, 0, u32(id), u32(1), u32(0), u32(0), u32(0x00010001));
  const moov = box(
    'moov',
    fullBox('mvhd', 0, 0, new Uint8Array(8), u32(90000), u32(0xffffffff), new Uint8Array(80)),
    trak(1, 'avc1'),
    trak(2, 'mp4a'),
    box('mvex', trex(1), trex(2)),
  );
  return new Uint8Array([...box('ftyp', new TextEncoder().encode('isom')), ...moov]);
}

test('box() and fullBox() write size, type, version and flags', () => {
  assert.equal(hex(box('free')), '0000000866726565');
  assert.equal(
    hex(fullBox('test', 1, 0x000203, new Uint8Array([0xaa]))),
    '0000000d' + '74657374' + '01000203' + 'aa',
  );
});

test('readBoxes stops at a truncated or undersized header without throwing', () => {
  const two = new Uint8Array([...box('aaaa', new Uint8Array(4)), ...box('bbbb')]);
  assert.deepEqual(
    readBoxes(two).map((b) => [b.type, b.start, b.end]),
    [
      ['aaaa', 0, 12],
      ['bbbb', 12, 20],
    ],
  );
  assert.deepEqual(
    readBoxes(two.subarray(0, 19)).map((b) => b.type),
    ['aaaa'],
  );
  assert.deepEqual(readBoxes(new Uint8Array([0, 0, 0, 4, 0x61, 0x61, 0x61, 0x61])), []); // size < 8
  // size 1 = 64-bit largesize follows
  const large = new Uint8Array([0, 0, 0, 1, 0x6d, 0x64, 0x61, 0x74, 0, 0, 0, 0, 0, 0, 0, 17, 0xee]);
  assert.deepEqual(
    readBoxes(large).map((b: BoxRef) => [b.type, b.headerSize, b.end]),
    [['mdat', 16, 17]],
  );
});

test('an init segment from init-segment.ts tiles: each box ends on its parent end; ids as given', () => {
  const entry = g711SampleEntry('alaw');
  const init = writeInitSegment(CMAF_BRANDS, [
    {
      id: 1,
      kind: 'video',
      timescale: 90000,
      width: 640,
      height: 360,
      sampleEntry: box('avc1', new Uint8Array(78)),
    },
    { id: 2, kind: 'audio', timescale: 8000, sampleEntry: entry },
  ]);
  const tree = walk(init, 0, init.byteLength).join('\n');
  assert.match(tree, /^ftyp 24\nmoov \d+\n  mvhd 108\n  trak \d+\n    tkhd 92\n    mdia/);
  assert.match(tree, /\n {10}stsd \d+\n {12}alaw 60\n {14}chan 24\n/);
  assert.match(tree, /\n  mvex 72\n    trex 32\n    trex 32$/);
  const mvhd = findPath(init, ['moov', 'mvhd'])![1];
  assert.equal(readU32(init, mvhd.end - 4), 3, 'next_track_ID');
  assert.deepEqual(sampleEntryTypes(init, 1), ['alaw']);
});

test('sampleEntryTypes names the entries of the chosen trak', () => {
  const init = fakeInit();
  assert.deepEqual(sampleEntryTypes(init, 0), ['avc1']);
  assert.deepEqual(sampleEntryTypes(init, 1), ['mp4a']);
  assert.deepEqual(sampleEntryTypes(init, 5), []);
});

test('lengthPrefixed writes 4-byte big-endian lengths and honours skip', () => {
  const units = [new Uint8Array([0x67, 1]), new Uint8Array([0x65, 2, 3])];
  assert.equal(hex(lengthPrefixed(units)), '000000026701' + '00000003650203');
  assert.equal(hex(lengthPrefixed(units, (u) => u[0] === 0x67)), '00000003650203');
  assert.equal(lengthPrefixed([], undefined).byteLength, 0);
});

test('nalUnitSample copies nothing and sizes the sample; writeLengthPrefixed writes it in place', () => {
  const units = [new Uint8Array([0x67, 1]), new Uint8Array([0x65, 2, 3])];
  const all = nalUnitSample(units);
  assert.equal(all.units, units, 'nothing skipped: the same array, no new one');
  assert.equal(all.byteLength, 4 + 2 + 4 + 3);
  const noSps = nalUnitSample(units, (u) => u[0] === 0x67);
  assert.deepEqual(noSps.units, [units[1]]);
  assert.equal(noSps.units[0], units[1], 'a view, not a copy');
  assert.equal(noSps.byteLength, 7);
  // written at an offset inside a larger buffer, after a 2-byte prefix
  const out = new Uint8Array(2 + all.byteLength).fill(0xee);
  assert.equal(writeLengthPrefixed(all.units, out, 2), out.byteLength);
  assert.equal(hex(out), 'eeee' + '000000026701' + '00000003650203');
});
