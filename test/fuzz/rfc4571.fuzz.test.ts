// Seeded mutation fuzz of the RFC 4571 framer (RTP over a GB28181 TCP media connection,
// docs/gb28181.md §7.2). Inputs: windows of the shared RTP vector as it arrives on TCP (length prefix +
// packet), mutated; and runs of the sender's packets with one packet cut short behind its full
// length (ZLMediaKit #571). Checked: never throws, bounded work, every frame a plausible RTP/RTCP
// packet within the limit, frames independent of how the stream was segmented (docs/testing.md §3),
// and on a truncated run the packets before the cut come out exactly and in order, and no packet
// past the cut packet's claimed bytes is lost. The tests after the loop replay the inputs that
// broke the last two properties before the framer's resync rules were fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameRfc4571, Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { loadVector } from '../helpers/paths.js';
import { defineFuzz, regressionsDir } from '../helpers/fuzz.js';
import { mutate, type Rand } from '../helpers/mutate.js';
import { chunk, randomInt } from '../helpers/random.js';

const STREAM = loadVector('rtp_h264_720p_g711a_seqwrap.rtp4571');
const RAW = new Rfc4571Framer().push(STREAM).map((p) => p.slice());
const PACKETS = RAW.map((p) => Buffer.from(p).toString('hex'));
const DICTIONARY: Uint8Array[] = [
  [0x00, 0x0c],
  [0xff, 0xff],
  [0x00, 0x00],
  [0x80, 0x60],
  [0x80, 0xc8, 0x00, 0x01],
  [0x0b, 0xeb, 0xc2, 0x01], // the vector's SSRC
  [0x12, 0x34, 0x56, 0x78],
].map((b) => new Uint8Array(b));
// A frame from another sender (SSRC 0x12345678), to splice in.
DICTIONARY.push(frameRfc4571(new Uint8Array([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 9, 9])));

/** Runs of the sender's packets with one truncated packet (ZLMediaKit #571), by identity. */
const damaged = new WeakMap<Uint8Array, { cut: number; mustSurvive: number[] }>();

function frames(pieces: Uint8Array[]): { out: string[]; stats: Rfc4571Framer['stats'] } {
  const f = new Rfc4571Framer();
  const out: string[] = [];
  for (const piece of pieces) {
    for (const frame of f.push(piece)) {
      assert.ok(frame.length >= 8 && frame.length <= 0xffff, `frame of ${frame.length} bytes`);
      assert.equal(frame[0] >> 6, 2, 'frame is not RTP/RTCP version 2');
      out.push(Buffer.from(frame).toString('hex'));
    }
  }
  f.flush();
  return { out, stats: { ...f.stats } };
}

/** Mostly RTP-sized or large segments; sometimes a peer trickling a few bytes at a time. */
function split(input: Uint8Array, rand: Rand): Uint8Array[] {
  const mode = rand();
  const max = mode < 0.03 ? 3 : mode < 0.5 ? 1500 : 20_000;
  return chunk(input, () => randomInt(rand, 1, max));
}

defineFuzz({
  name: 'rfc4571',
  ciIterations: 12_000,
  seed: 0x4571,
  generate(rand) {
    if (rand() < 0.2) {
      // The sender's packets from a frame boundary, one of them cut short behind a full length.
      const count = randomInt(rand, 20, 80);
      const first = randomInt(rand, 0, RAW.length - count);
      const cut = randomInt(rand, first + 2, first + count - 3);
      // Packets before the cut, and those starting after the bytes the cut packet claims, must survive.
      const mustSurvive: number[] = [];
      const parts: Uint8Array[] = [];
      let offset = 0;
      let claimedEnd = Infinity;
      for (let i = first; i < first + count; i++) {
        const framed = frameRfc4571(RAW[i]);
        if (i < cut || offset >= claimedEnd) {
          mustSurvive.push(i);
        }
        if (i === cut) {
          claimedEnd = offset + framed.length;
          parts.push(framed.subarray(0, randomInt(rand, 2, framed.length - 1)));
          offset += parts.at(-1)!.length;
        } else {
          parts.push(framed);
          offset += framed.length;
        }
      }
      const input = new Uint8Array(Buffer.concat(parts));
      damaged.set(input, { cut, mustSurvive });
      return { input, label: `packets ${first}..${first + count - 1}, #${cut} truncated` };
    }
    const size = randomInt(rand, 16, 24_000);
    const start = randomInt(rand, 0, STREAM.length - size);
    const window = STREAM.slice(start, start + size);
    const { bytes, ops } = mutate(window, rand, { dictionary: DICTIONARY, maxLength: 30_000 });
    return { input: bytes, label: `window at ${start}: ${ops.join(',')}` };
  },
  check(input, rand) {
    const whole = frames([input]);
    const cut = frames(split(input, rand));
    assert.deepEqual(cut.out, whole.out, 'frames depend on how the stream was segmented');
    const run = damaged.get(input);
    if (run) {
      for (const out of [whole.out, cut.out]) {
        const indices = out.map((f) => PACKETS.indexOf(f));
        const real = indices.filter((i) => i >= 0);
        const beforeCut: number[] = run.mustSurvive.filter((i) => i < run.cut);
        assert.deepEqual(
          indices.slice(0, beforeCut.length),
          beforeCut,
          'packets before the cut were damaged',
        );
        assert.ok(
          real.every((v, k) => k === 0 || v > real[k - 1]),
          'packets out of order',
        );
        // The cut packet's frame swallows what follows up to its claimed length; from there on
        // the known SSRC is found again and nothing else may be lost.
        assert.deepEqual(
          run.mustSurvive.filter((i) => !real.includes(i)),
          [],
          'packets past the damage were lost',
        );
      }
    }
  },
});

test('a peer trickling one byte at a time while the framer searches for sync costs linear time', () => {
  // A good frame locks the SSRC; a bad length loses sync; a header of another SSRC claiming
  // 65,000 bytes keeps the search waiting for its confirmation while filler trickles in.
  const head = Buffer.concat([
    frameRfc4571(new Uint8Array([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0x0b, 0xeb, 0xc2, 0x01, 1, 2, 3, 4])),
    Buffer.from([0x00, 0x03]),
    Buffer.from([0xfd, 0xe8, 0x80, 0x60, 0, 2, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]),
  ]);
  const timeTrickle = (filler: number): number => {
    const bytes = Buffer.concat([head, Buffer.alloc(filler, 0x11)]);
    const f = new Rfc4571Framer();
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i++) {
      f.push(bytes.subarray(i, i + 1));
    }
    return performance.now() - t0;
  };
  const small = timeTrickle(2000);
  const large = timeTrickle(8000);
  assert.ok(large < Math.max(8 * small, 50), `2 KB: ${small.toFixed(0)} ms, 8 KB: ${large.toFixed(0)} ms`);
});

const corpus = (name: string) => new Uint8Array(readFileSync(join(regressionsDir('rfc4571'), name)));

test('after a truncated packet, no packet past its claimed bytes is lost (corpus: truncated-packet-then-rtcp-lookalike.bin)', () => {
  // Packets 752..787 with #768 cut short: #768's claimed 1,412 bytes come out as one frame, then
  // payload bytes of #769 pass for a 19,808-byte RTCP packet and #770..#787 go with it.
  const indices = frames([corpus('truncated-packet-then-rtcp-lookalike.bin')]).out.map((f) =>
    PACKETS.indexOf(f),
  );
  for (let i = 770; i <= 787; i++) {
    assert.ok(indices.includes(i), `packet ${i} lost`);
  }
});

test('the frames do not depend on TCP segmentation (corpus: truncated-packet-whole-read-locks-bogus-ssrc.bin)', () => {
  // Packets 1122..1201 with #1124 cut short. Read in one piece, the framer confirms two bogus
  // headers with the same SSRC inside the payload, switches to that SSRC and loses 75 packets;
  // read in 64..1500-byte pieces it waits instead, finds the real SSRC and loses none after #1125.
  const input = corpus('truncated-packet-whole-read-locks-bogus-ssrc.bin');
  const whole = frames([input]).out;
  const pieces = frames(chunk(input, () => 700)).out;
  assert.deepEqual(whole, pieces);
});
