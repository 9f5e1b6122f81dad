import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { G711Framer } from './framer.js';

test('any packet sizes come out as 160-byte frames holding the same bytes in order', () => {
  const rand = seededRandom(4);
  const stream = Uint8Array.from({ length: 160 * 25 + 37 }, (_, i) => i & 0xff);
  for (let run = 0; run < 30; run++) {
    const framer = new G711Framer('PCMA');
    const frames = chunk(stream, () => randomInt(rand, 1, 500)).flatMap((c) => framer.push(c));
    frames.push(...framer.flush());
    assert.ok(frames.every((f) => f.length === 160));
    const joined = new Uint8Array(frames.length * 160);
    frames.forEach((f, i) => joined.set(f, i * 160));
    assert.deepEqual(joined.subarray(0, stream.length), stream);
    assert.ok(
      joined.subarray(stream.length).every((v) => v === 0xd5),
      'padded with A-law idle',
    );
    assert.equal(framer.stats.padded, 1);
  }
});

test('frames are copies: reusing the input buffer does not change them', () => {
  const framer = new G711Framer('PCMU');
  const buf = new Uint8Array(320).fill(1);
  const frames = framer.push(buf);
  buf.fill(2);
  assert.ok(frames.every((f) => f.every((v) => v === 1)));
  assert.deepEqual(framer.flush(), []);
  framer.push(new Uint8Array(10).fill(3));
  const [last] = framer.flush();
  assert.deepEqual([...last.subarray(8, 12)], [3, 3, 0xff, 0xff], 'µ-law idle after the data');
});
