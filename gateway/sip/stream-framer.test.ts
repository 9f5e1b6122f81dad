import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { StreamFramer, type StreamFrame } from './stream-framer.js';
import { INVITE_LIVE, MESSAGE_KEEPALIVE, REGISTER_NO_AUTH } from './fixtures/reference-messages.js';

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Frames as comparable strings: 'msg:<text>', 'ping', 'pong', … */
function summary(frames: StreamFrame[]): string[] {
  return frames.map((f) => {
    switch (f.type) {
      case 'message':
        return `msg:${Buffer.from(f.bytes).toString('latin1')}`;
      case 'oversized':
        return `oversized:${f.declaredLength}`;
      case 'garbage':
        return `garbage:${f.bytes}`;
      case 'desync':
        return 'desync';
      case 'ping':
      case 'pong':
        return f.type;
    }
  });
}

function feed(framer: StreamFramer, pieces: Uint8Array[]): string[] {
  return summary(pieces.flatMap((p) => framer.push(p)));
}

// A stream with the reference REGISTER, a double-CRLF ping, the keepalive MESSAGE (with body),
// a single CRLF pong, and the INVITE (with body).
const STREAM = REGISTER_NO_AUTH + '\r\n\r\n' + MESSAGE_KEEPALIVE + '\r\n' + INVITE_LIVE;
const EXPECTED = [
  `msg:${REGISTER_NO_AUTH}`,
  'ping',
  `msg:${MESSAGE_KEEPALIVE}`,
  'pong',
  `msg:${INVITE_LIVE}`,
];

test('frames messages by Content-Length and reports CRLF keep-alives (RFC 5626 §4.4.1)', () => {
  assert.deepEqual(feed(new StreamFramer(), [enc(STREAM)]), EXPECTED);
});

test('the same stream split at every byte offset gives the same frames', () => {
  const all = enc(STREAM);
  for (let i = 0; i <= all.length; i++) {
    const got = feed(new StreamFramer(), [all.subarray(0, i), all.subarray(i)]);
    assert.deepEqual(got, EXPECTED, `split at ${i}`);
  }
});

test('the same stream in seeded random chunks (1..64 bytes) gives the same frames', () => {
  const all = enc(STREAM);
  for (let seed = 1; seed <= 200; seed++) {
    const rand = seededRandom(seed);
    const got = feed(
      new StreamFramer(),
      chunk(all, () => randomInt(rand, 1, 64)),
    );
    assert.deepEqual(got, EXPECTED, `seed ${seed}`);
  }
});

test('one byte at a time', () => {
  const all = enc(STREAM);
  const framer = new StreamFramer();
  assert.deepEqual(
    feed(
      framer,
      chunk(all, () => 1),
    ),
    EXPECTED,
  );
  assert.equal(framer.buffered, 0);
});

test('a short Content-Length leaves body bytes behind: dropped as a garbage line, the next message is framed', () => {
  const bad = MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 157'); // cuts "</Notify>\r\n"
  const got = feed(new StreamFramer(), [enc(bad + REGISTER_NO_AUTH)]);
  assert.equal(got.length, 3);
  assert.ok(got[0].startsWith('msg:MESSAGE'));
  assert.equal(got[1], 'garbage:11');
  assert.equal(got[2], `msg:${REGISTER_NO_AUTH}`);
});

test('a long Content-Length swallows following bytes until satisfied, then framing resumes', () => {
  const bad = MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 172');
  const framer = new StreamFramer();
  assert.deepEqual(feed(framer, [enc(bad)]), []);
  const got = feed(framer, [enc('\r\n\r\n' + REGISTER_NO_AUTH)]);
  assert.equal(got.length, 2);
  assert.ok(got[0].endsWith('</Notify>\r\n\r\n\r\n'));
  assert.equal(got[1], `msg:${REGISTER_NO_AUTH}`);
});

test('oversized message: head reported, body skipped across chunks, stream stays in sync', () => {
  const body = 'x'.repeat(5000);
  const big = `MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const all = enc(big + REGISTER_NO_AUTH);
  const framer = new StreamFramer({ maxMessageBytes: 1024 });
  const got = feed(
    framer,
    chunk(all, () => 300),
  );
  assert.deepEqual(got, ['oversized:5000', `msg:${REGISTER_NO_AUTH}`]);
});

test('a header section beyond the limit desyncs the stream (the connection is then closed)', () => {
  const framer = new StreamFramer({ maxMessageBytes: 512 });
  const got = feed(framer, [enc('REGISTER sip:a@b SIP/2.0\r\n'), enc('X-Pad: ' + 'y'.repeat(600) + '\r\n')]);
  assert.deepEqual(got, ['desync']);
  assert.deepEqual(feed(framer, [enc(REGISTER_NO_AUTH)]), []);
});

test('garbage lines before a start line are dropped; a long line without LF desyncs', () => {
  assert.deepEqual(feed(new StreamFramer(), [enc('hello\r\n\x00\x01junk\r\n' + REGISTER_NO_AUTH)]), [
    'garbage:7',
    'garbage:8',
    `msg:${REGISTER_NO_AUTH}`,
  ]);
  assert.deepEqual(feed(new StreamFramer({ maxMessageBytes: 100 }), [enc('z'.repeat(101))]), ['desync']);
});

test('a lone CR is dropped and bare LFs are tolerated between messages', () => {
  assert.deepEqual(feed(new StreamFramer(), [enc('\rX' + '\n\n' + REGISTER_NO_AUTH)]).slice(-1), [
    `msg:${REGISTER_NO_AUTH}`,
  ]);
});
