// Acceptance over the shared RTP vector: rtp_h264_720p_g711a_seqwrap.rtp4571 (ms_h264_720p_g711a.ps
// packetized as GB28181 RTP over TCP, sequence numbers and timestamps wrapping) goes through
// Rfc4571Framer → parseRtp → RtpReorderBuffer → PsDemuxer and must give the access units that
// demuxing the .ps file directly gives: in order, shuffled within a window of 8, and with 1 %
// of the packets dropped (then only the frames hit may go missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import { parseRtp, type RtpPacket } from '../../codecs/rtp/packet.js';
import { RtpReorderBuffer } from '../../codecs/rtp/reorder.js';
import { SequenceUnwrapper, TimestampUnwrapper } from '../../codecs/rtp/sequence.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { GAP } from '../../codecs/ps/ps-input.js';
import { loadManifest, loadVector } from '../helpers/paths.js';
import { chunk, randomInt, seededRandom } from '../helpers/random.js';

const RTP_VECTOR = 'rtp_h264_720p_g711a_seqwrap.rtp4571';
const PS_VECTOR = 'ms_h264_720p_g711a.ps';

const manifest = loadManifest().rtp[RTP_VECTOR];

/** The reference: the PS file demuxed directly, in one piece. */
function demuxPs(): AccessUnit[] {
  const d = new PsDemuxer();
  return [...d.push({ payload: loadVector(PS_VECTOR) }), ...d.flush()];
}

/** The TCP byte stream in seeded chunks, framed and parsed. */
function readPackets(seed: number): RtpPacket[] {
  const rand = seededRandom(seed);
  const framer = new Rfc4571Framer();
  const packets: RtpPacket[] = [];
  for (const piece of chunk(loadVector(RTP_VECTOR), () => randomInt(rand, 1, 4000))) {
    for (const frame of framer.push(piece)) {
      const p = parseRtp(frame);
      assert.ok(p, 'every frame of the vector is an RTP packet');
      packets.push(p);
    }
  }
  assert.deepEqual(framer.flush(), []);
  assert.equal(framer.stats.droppedBytes, 0);
  assert.equal(framer.stats.resyncs, 0);
  return packets;
}

/** Reorder → demux: each packet's payload (no frame-end hints: the order of the file), a GAP for every hole the reorder buffer reports. */
function demuxRtp(packets: readonly RtpPacket[]): { aus: AccessUnit[]; lost: number; gaps: number } {
  const reorder = new RtpReorderBuffer();
  const demuxer = new PsDemuxer();
  const aus: AccessUnit[] = [];
  let gaps = 0;
  const take = (outputs: ReturnType<RtpReorderBuffer['push']>) => {
    for (const o of outputs) {
      if (o.kind === 'gap') {
        gaps++;
        aus.push(...demuxer.push(GAP));
      } else {
        aus.push(...demuxer.push({ payload: o.packet.payload }));
      }
    }
  };
  for (const p of packets) {
    take(reorder.push(p));
  }
  take(reorder.flush());
  aus.push(...demuxer.flush());
  return { aus, lost: reorder.stats.lost, gaps };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

function sameAccessUnit(a: AccessUnit, b: AccessUnit): boolean {
  return (
    a.codec === b.codec &&
    a.pts === b.pts &&
    a.dts === b.dts &&
    a.keyframe === b.keyframe &&
    a.units.length === b.units.length &&
    a.units.every((u, i) => sameBytes(u, b.units[i]))
  );
}

function assertSameAccessUnits(actual: readonly AccessUnit[], expected: readonly AccessUnit[]): void {
  assert.equal(actual.length, expected.length, 'access unit count');
  for (let i = 0; i < expected.length; i++) {
    if (!sameAccessUnit(actual[i], expected[i])) {
      const { codec, pts, dts, keyframe, units } = actual[i];
      const want = expected[i];
      assert.fail(
        `access unit ${i}: got ${codec} pts ${pts} dts ${dts} key ${keyframe} ${units.length} units; ` +
          `expected ${want.codec} pts ${want.pts} dts ${want.dts} key ${want.keyframe} ${want.units.length} units`,
      );
    }
  }
}

/** Fisher–Yates inside consecutive blocks of `window`: no packet moves 8 places or more. */
function shuffleWithin<T>(items: readonly T[], window: number, rand: () => number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += window) {
    for (let i = Math.min(start + window, out.length) - 1; i > start; i--) {
      const j = randomInt(rand, start, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
  }
  return out;
}

const reference = demuxPs();
const packets = readPackets(1);

test('the vector is what the manifest says, and its sequence numbers wrap', () => {
  assert.equal(packets.length, manifest.packets);
  assert.equal(
    packets.reduce((n, p) => n + p.payload.length, 0),
    manifest.payloadBytes,
  );
  assert.ok(packets.every((p) => p.ssrc === manifest.ssrc && p.payloadType === 96));
  const seq = new SequenceUnwrapper();
  packets.forEach((p, i) =>
    assert.equal(seq.unwrap(p.sequence), packets[0].sequence + i, 'consecutive sequence numbers'),
  );
  assert.ok(packets[0].sequence + packets.length > 0x10000, 'the sequence number wraps');
  assert.ok(reference.length > 500, `reference has ${reference.length} access units`);
});

// The manifest says the timestamps wrap too, but 10 s at 90 kHz (900000 ticks) from 4294000000
// ends at 4294896400, 70896 ticks short of 2^32. Shift them so the wrap falls mid-stream.
test('RTP timestamps unwrap monotonically across the 32-bit wrap (shifted to fall mid-stream)', () => {
  const first = packets[0].timestamp;
  const last = packets[packets.length - 1].timestamp;
  assert.ok(first === 4294000000 && last > first, 'the vector itself does not wrap');
  const shift = 0x100000000 - first - Math.floor((last - first) / 2);
  const ts = new TimestampUnwrapper();
  let previous = -1;
  for (const p of packets) {
    const t = ts.unwrap((p.timestamp + shift) >>> 0);
    assert.equal(t, p.timestamp + shift);
    assert.ok(t >= previous);
    previous = t;
  }
  assert.ok(previous > 0xffffffff);
});

test('framer → parseRtp → reorder → demux gives the access units of the PS file', () => {
  const { aus, lost, gaps } = demuxRtp(packets);
  assert.equal(lost, 0);
  assert.equal(gaps, 0);
  assertSameAccessUnits(aus, reference);
});

test('the same through another TCP chunking of the stream', () => {
  assertSameAccessUnits(demuxRtp(readPackets(2)).aus, reference);
});

test('packets shuffled within a window of 8 give the same access units (seeded)', () => {
  for (const seed of [8, 9]) {
    assertSameAccessUnits(demuxRtp(shuffleWithin(packets, 8, seededRandom(seed))).aus, reference);
  }
});

test('1 % of packets dropped: only the frames hit are lost, every emitted unit is exact (seeded)', () => {
  // Index the reference by codec and timestamps; audio and video never share a key.
  const byKey = new Map<string, AccessUnit>();
  for (const au of reference) {
    byKey.set(`${au.codec}/${au.pts}/${au.dts}`, au);
  }
  for (const seed of [100, 101, 102]) {
    const rand = seededRandom(seed);
    const kept = shuffleWithin(
      packets.filter(() => rand() >= 0.01),
      4,
      rand,
    );
    const dropped = packets.length - kept.length;
    const { aus, lost, gaps } = demuxRtp(kept);
    assert.equal(lost, dropped, `seed ${seed}: every dropped packet is reported lost`);
    assert.ok(gaps > 0 && gaps <= dropped);
    const seen = new Set<string>();
    for (const au of aus) {
      const key = `${au.codec}/${au.pts}/${au.dts}`;
      const want = byKey.get(key);
      assert.ok(
        want && sameAccessUnit(au, want),
        `seed ${seed}: ${key} is not byte-identical to the reference`,
      );
      assert.ok(!seen.has(key), `seed ${seed}: ${key} emitted twice`);
      seen.add(key);
    }
    // A lost packet takes its video frame and at most the audio frame in the same pack, and the
    // demuxer resyncs at the next pack header (one pack per frame in this vector).
    const missing = reference.length - aus.length;
    assert.ok(
      missing >= 1 && missing <= 3 * dropped,
      `seed ${seed}: ${missing} access units missing for ${dropped} lost packets`,
    );
  }
});
