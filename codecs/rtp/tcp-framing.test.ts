import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../bytes/hex.js';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { serializeRtp } from './packet.js';
import { frameRfc4571, Rfc4571Framer } from './tcp-framing.js';

const SSRC = 200000001;

function rtp(sequence: number, payloadBytes: number, ssrc = SSRC): Uint8Array {
  const payload = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) {
    payload[i] = (sequence * 7 + i) & 0xff;
  }
  return serializeRtp({
    payloadType: 96,
    sequence,
    timestamp: sequence * 3600,
    ssrc,
    marker: false,
    csrcs: [],
    paddingLength: 0,
    payload,
  });
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function feed(framer: Rfc4571Framer, chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    for (const f of framer.push(c)) {
      out.push(toHex(f, ''));
    }
  }
  return out;
}

// Two frames as they arrive on a GB28181 TCP media connection.
const twoFrames = fromHex(`
  00 0e                   // RFC 4571 LENGTH = 14
  80 60 00 01             // RTP V=2 PT=96 seq 1
  00 00 0e 10             // timestamp 3600
  0b eb c2 01             // SSRC 200000001
  00 01                   // payload
  00 0c                   // LENGTH = 12: a header-only packet
  80 e0 00 02 00 00 1c 20 0b eb c2 01   // M=1 PT=96 seq 2, ts 7200
`);

test('splits literal frames and returns views of the chunk', () => {
  const framer = new Rfc4571Framer();
  const frames = framer.push(twoFrames);
  assert.deepEqual(
    frames.map((f) => toHex(f, '')),
    ['8060000100000e100bebc2010001', '80e0000200001c200bebc201'],
  );
  assert.equal(frames[0].buffer, twoFrames.buffer, 'a frame inside one chunk is a view');
  assert.equal(frames[0].byteOffset, twoFrames.byteOffset + 2);
  assert.deepEqual(framer.stats, { frames: 2, resyncs: 0, droppedBytes: 0, ssrcChanges: 0 });
});

test('frameRfc4571 prefixes the length and round-trips through the framer', () => {
  const packet = rtp(9, 1000);
  const framed = frameRfc4571(packet);
  assert.deepEqual([...framed.subarray(0, 2)], [0x03, 0xf4]); // 1012 = 0x03f4
  assert.deepEqual(new Rfc4571Framer().push(framed), [packet]);
  assert.throws(() => frameRfc4571(new Uint8Array(0x10000)), RangeError);
});

// A small stream: RTP packets of varied sizes and an RTCP SR (RFC 3550 §6.4.1) in between.
const rtcpSr = fromHex('80 c8 00 06 0b eb c2 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
const small = [rtp(65534, 0), rtp(65535, 5), rtcpSr, rtp(0, 40), rtp(1, 1), rtp(2, 300)];
const smallStream = concat(small.map(frameRfc4571));
const smallExpected = small.map((p) => toHex(p, ''));

test('the same frames for every split offset of a small stream', () => {
  for (let a = 0; a <= smallStream.length; a++) {
    const framer = new Rfc4571Framer();
    const out = feed(framer, [smallStream.subarray(0, a), smallStream.subarray(a)]);
    assert.deepEqual(out, smallExpected, `split at ${a}`);
    assert.equal(framer.stats.droppedBytes, 0);
  }
});

test('the same frames for every pair of split offsets', () => {
  for (let a = 0; a < smallStream.length; a += 3) {
    for (let b = a; b <= smallStream.length; b += 5) {
      const parts = [smallStream.subarray(0, a), smallStream.subarray(a, b), smallStream.subarray(b)];
      assert.deepEqual(feed(new Rfc4571Framer(), parts), smallExpected, `split at ${a}, ${b}`);
    }
  }
});

test('the same frames for seeded random chunking of a long stream, including one byte at a time', () => {
  const rand = seededRandom(4571);
  const packets = Array.from({ length: 400 }, (_, i) => rtp((65300 + i) & 0xffff, randomInt(rand, 0, 1400)));
  const stream = concat(packets.map(frameRfc4571));
  const expected = packets.map((p) => toHex(p, ''));
  for (const max of [1, 7, 100, 1500, 5000]) {
    const out = feed(
      new Rfc4571Framer(),
      chunk(stream, () => randomInt(rand, 1, max)),
    );
    assert.deepEqual(out, expected, `chunks up to ${max}`);
  }
});

test('resyncs after garbage between frames, dropping exactly the garbage (seeded)', () => {
  const rand = seededRandom(11);
  for (let trial = 0; trial < 50; trial++) {
    const before = Array.from({ length: 5 }, (_, i) => rtp(i, randomInt(rand, 0, 500)));
    const after = Array.from({ length: 5 }, (_, i) => rtp(100 + i, randomInt(rand, 0, 500)));
    const garbage = Uint8Array.from({ length: randomInt(rand, 1, 300) }, () => randomInt(rand, 0, 255));
    const stream = concat([...before.map(frameRfc4571), garbage, ...after.map(frameRfc4571)]);
    const framer = new Rfc4571Framer();
    const out = feed(
      framer,
      chunk(stream, () => randomInt(rand, 1, 600)),
    );
    // Garbage that happens to look like a frame of our SSRC is possible but never within 50 seeded trials.
    assert.deepEqual(
      out,
      [...before, ...after].map((p) => toHex(p, '')),
      `trial ${trial}`,
    );
    assert.equal(framer.stats.droppedBytes, garbage.length);
    assert.equal(framer.stats.resyncs, 1);
  }
});

test('recovers from a truncated packet (ZLMediaKit #571: a camera overwrote its own send buffer)', () => {
  const packets = Array.from({ length: 8 }, (_, i) => rtp(i, 200));
  const framed = packets.map(frameRfc4571);
  framed[3] = framed[3].subarray(0, 100); // length still says 212, but only 98 bytes of it were sent
  const framer = new Rfc4571Framer();
  const out = feed(framer, [concat(framed)]);
  // Packet 3 swallows the start of packet 4 and is emitted (a framer cannot know); 4 is lost;
  // the search then finds packet 5 by its SSRC.
  assert.deepEqual(
    out.slice(0, 3),
    packets.slice(0, 3).map((p) => toHex(p, '')),
  );
  assert.deepEqual(
    out.slice(-3),
    packets.slice(5).map((p) => toHex(p, '')),
  );
  assert.equal(out.length, 7);
  assert.equal(framer.stats.resyncs, 1);
});

test('an SSRC change with intact framing loses nothing', () => {
  const packets = [rtp(1, 10), rtp(2, 10), rtp(1, 10, 77), rtp(2, 10, 77), rtp(3, 10, 77)];
  for (let a = 0; a <= 60; a++) {
    const stream = concat(packets.map(frameRfc4571));
    const framer = new Rfc4571Framer();
    assert.deepEqual(
      feed(framer, [stream.subarray(0, a), stream.subarray(a)]),
      packets.map((p) => toHex(p, '')),
    );
    assert.equal(framer.stats.ssrcChanges, 1);
    assert.equal(framer.stats.droppedBytes, 0);
  }
});

test('maxFrameBytes makes longer lengths count as corruption', () => {
  const framer = new Rfc4571Framer({ maxFrameBytes: 100 });
  const out = feed(framer, [
    concat([frameRfc4571(rtp(1, 10)), frameRfc4571(rtp(2, 200)), frameRfc4571(rtp(3, 10))]),
  ]);
  assert.deepEqual(
    out,
    [rtp(1, 10), rtp(3, 10)].map((p) => toHex(p, '')),
  );
  assert.equal(framer.stats.droppedBytes, 2 + 212);
});

test('flush drops an unfinished frame and starts over', () => {
  const framer = new Rfc4571Framer();
  const framed = frameRfc4571(rtp(1, 50));
  assert.deepEqual(framer.push(framed.subarray(0, 20)), []);
  assert.deepEqual(framer.flush(), []);
  assert.equal(framer.stats.droppedBytes, 20);
  assert.deepEqual(feed(framer, [framed]), [toHex(rtp(1, 50), '')]);
});

test('seeded corruption of a stream never throws and the stream recovers', () => {
  const rand = seededRandom(0xf00d);
  const packets = Array.from({ length: 200 }, (_, i) => rtp(i, randomInt(rand, 0, 1400)));
  const clean = concat(packets.map(frameRfc4571));
  const expected = new Set(packets.map((p) => toHex(p, '')));
  for (let trial = 0; trial < 20; trial++) {
    const stream = clean.slice();
    for (let k = 0; k < 10; k++) {
      stream[randomInt(rand, 0, stream.length - 1)] = randomInt(rand, 0, 255);
    }
    const framer = new Rfc4571Framer();
    const out = feed(
      framer,
      chunk(stream, () => randomInt(rand, 1, 3000)),
    );
    const intact = out.filter((f) => expected.has(f)).length;
    assert.ok(intact >= packets.length - 40, `trial ${trial}: only ${intact} intact frames`);
    assert.ok(out.length <= packets.length + 5);
  }
});
