// Seeded mutation fuzz of the SIP-over-TCP framer (RFC 3261 §18.3 Content-Length framing,
// RFC 5626 §4.4.1 CRLF keep-alives). Input: several reference messages and keep-alives back to
// back, mutated. Properties: never throws; the frames do not depend on how the stream was cut
// into segments (docs/testing.md §3); framed messages respect the size limit; the buffer stays
// bounded by the limit, whatever the peer sends.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { REFERENCE_MESSAGES } from '../../gateway/sip/fixtures/reference-messages.js';
import { StreamFramer, type StreamFrame } from '../../gateway/sip/stream-framer.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate, type Rand } from '../helpers/mutate.js';
import { chunk, randomInt } from '../helpers/random.js';

const MESSAGES = Object.values(REFERENCE_MESSAGES).map(ascii);
const KEEPALIVES = ['\r\n\r\n', '\r\n', '\n'].map(ascii);
const DICTIONARY = [
  '\r\n',
  '\r\n\r\n',
  '\n\n',
  'Content-Length: ',
  'Content-Length: 70000\r\n',
  'l: 5\r\n',
  'Content-Length: 99999999999\r\n',
  'SIP/2.0 200 OK\r\n',
  'MESSAGE sip:a@b SIP/2.0\r\n',
  ':',
  ' ',
].map(ascii);

/** Big enough that no input here reaches it: the framing is then independent of segmenting. */
const ROOMY = 65_536;
/** Small enough that mutated inputs hit the oversized and desync paths. */
const TIGHT = 600;

function streamOf(rand: Rand): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = randomInt(rand, 1, 5);
  for (let i = 0; i < n; i++) {
    parts.push(MESSAGES[randomInt(rand, 0, MESSAGES.length - 1)]);
    if (rand() < 0.3) {
      parts.push(KEEPALIVES[randomInt(rand, 0, KEEPALIVES.length - 1)]);
    }
  }
  return Buffer.concat(parts);
}

function frame(max: number, pieces: Uint8Array[]): { frames: string[]; maxBuffered: number } {
  const f = new StreamFramer({ maxMessageBytes: max });
  const frames: string[] = [];
  let maxBuffered = 0;
  for (const piece of pieces) {
    for (const fr of f.push(piece)) {
      frames.push(describe(fr, max));
    }
    maxBuffered = Math.max(maxBuffered, f.buffered - piece.length);
  }
  f.flush();
  return { frames, maxBuffered };
}

function describe(fr: StreamFrame, max: number): string {
  switch (fr.type) {
    case 'message':
      assert.ok(fr.bytes.length <= max, `framed ${fr.bytes.length} bytes over the ${max} limit`);
      assert.match(Buffer.from(fr.bytes.subarray(0, 8)).toString('latin1'), /^[A-Za-z0-9.!%*_+`'~-]/);
      return `message ${Buffer.from(fr.bytes).toString('hex')}`;
    case 'oversized':
      assert.ok(fr.declaredLength >= 0 && Number.isSafeInteger(fr.declaredLength));
      return `oversized ${fr.head.length} ${fr.declaredLength}`;
    case 'garbage':
      assert.ok(fr.bytes > 0);
      return `garbage ${fr.bytes}`;
    case 'ping':
    case 'pong':
    case 'desync':
      return fr.type;
  }
}

defineFuzz({
  name: 'sip-stream-framer',
  ciIterations: 30_000,
  seed: 0x7c9,
  generate(rand) {
    const { bytes, ops } = mutate(streamOf(rand), rand, {
      dictionary: DICTIONARY,
      seeds: MESSAGES,
      maxLength: 16_384,
    });
    return { input: bytes, label: ops.join(',') };
  },
  check(input, rand) {
    const whole = frame(ROOMY, [input]);
    const cut = frame(
      ROOMY,
      chunk(input, () => (rand() < 0.1 ? 1 : randomInt(rand, 1, 200))),
    );
    assert.deepEqual(cut.frames, whole.frames, 'frames depend on how the stream was segmented');
    // Under a tight limit only boundedness is checked: when the limit trips depends on segmenting.
    const tight = frame(
      TIGHT,
      chunk(input, () => randomInt(rand, 1, 300)),
    );
    assert.ok(
      tight.maxBuffered <= TIGHT + 4,
      `buffered ${tight.maxBuffered} bytes past a ${TIGHT}-byte limit`,
    );
  },
});
