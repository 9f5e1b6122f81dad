import { test } from 'node:test';
import assert from 'node:assert/strict';
import { box, fullBox, readBoxes, findPath, childrenStart, readU32, u32, type BoxRef } from './box.js';
import { replaceSampleEntry, sampleEntryTypes, setMovieDurations, setTrexDefaultFlags } from './splice.js';
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

test('replaceSampleEntry swaps the entry of the chosen trak and fixes all six ancestor sizes', () => {
  const init = fakeInit();
  const entry = box('hvc1', new Uint8Array(78), box('hvcC', new Uint8Array(30)));
  const out = replaceSampleEntry(init, 0, entry);
  assert.ok(out);
  assert.equal(out.byteLength, init.byteLength + entry.byteLength - 86);
  assert.deepEqual(sampleEntryTypes(out, 0), ['hvc1']);
  assert.deepEqual(sampleEntryTypes(out, 1), ['mp4a']);
  const tree = walk(out, 0, out.byteLength);
  assert.match(tree.join('\n'), /\n {10}stsd 140\n {12}hvc1 124\n {14}hvcC 38\n/);
  const moov = findPath(out, ['moov'])![0];
  assert.equal(readU32(out, moov.start), init.byteLength - 12 + 38); // moov grew by 38 bytes
  // second track: same walk still tiles after the splice
  const out2 = replaceSampleEntry(out, 1, box('fLaC', new Uint8Array(28), box('dfLa', new Uint8Array(42))));
  assert.ok(out2);
  assert.deepEqual(sampleEntryTypes(out2, 1), ['fLaC']);
  walk(out2, 0, out2.byteLength);
  assert.equal(replaceSampleEntry(init, 5, entry), undefined);
  assert.equal(replaceSampleEntry(new Uint8Array(3), 0, entry), undefined);
});

test('setMovieDurations zeroes mvhd, tkhd and mdhd durations; setTrexDefaultFlags patches one track', () => {
  const init = fakeInit();
  assert.equal(setMovieDurations(init, 0), 5);
  assert.ok(!hex(init).includes('ffffffff'));
  assert.equal(setTrexDefaultFlags(init, 2, 0x02000000), true);
  assert.equal(setTrexDefaultFlags(init, 9, 0), false);
  const mvex = findPath(init, ['moov', 'mvex'])![1];
  const trex = readBoxes(init, childrenStart(mvex), mvex.end);
  assert.equal(readU32(init, trex[0].start + 28), 0x00010001);
  assert.equal(readU32(init, trex[1].start + 28), 0x02000000);
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
