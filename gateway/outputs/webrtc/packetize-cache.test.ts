import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessUnit } from '../../../codecs/types.js';
import { PacketizeCache } from './packetize-cache.js';
import { audioRtpTimestamp, toUint32, videoRtpTimestamp } from './rtp-clock.js';

const g711 = (pts: number, bytes: number): AccessUnit => ({
  codec: 'PCMA',
  pts,
  dts: pts,
  keyframe: true,
  units: [new Uint8Array(bytes).fill(0xd5)],
});

/** An IDR AU: SPS, PPS, and a slice large enough to need FU-A at mtu 1200. */
function idr(pts: number, sliceBytes = 5000): AccessUnit {
  const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8);
  const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
  const slice = new Uint8Array(sliceBytes).fill(0x11);
  slice[0] = 0x65;
  return { codec: 'H264', pts, dts: pts, keyframe: true, units: [sps, pps, slice] };
}

test('PCMA RTP timestamps are pts × 8000 / 90000 (1800 ticks = 160 samples)', () => {
  assert.equal(audioRtpTimestamp(0), 0);
  assert.equal(audioRtpTimestamp(1800), 160);
  assert.equal(audioRtpTimestamp(90_000), 8000);
  assert.equal(audioRtpTimestamp(90_000 * 3600), 8000 * 3600);
  // 2^32 samples at 8 kHz is ~6.2 days; the unwrapped 90 kHz clock goes past it and wraps.
  const pts = Math.ceil((2 ** 32 * 90_000) / 8000) + 1800 * 10;
  assert.equal(audioRtpTimestamp(pts), toUint32(Math.round((pts * 8000) / 90_000)));
  assert.ok(audioRtpTimestamp(pts) < 2 ** 32);
  assert.equal(audioRtpTimestamp(-1800), 2 ** 32 - 160);
});

test('video RTP timestamps are the 90 kHz pts modulo 2^32', () => {
  assert.equal(videoRtpTimestamp(3600), 3600);
  assert.equal(videoRtpTimestamp(2 ** 32 + 3600), 3600);
  assert.equal(videoRtpTimestamp(2 ** 33 + 7), 7); // past the PES 33-bit wrap, unwrapped
});

test('a 20 ms PCMA AU is one packet; consecutive AUs advance by 160 samples', () => {
  const cache = new PacketizeCache();
  const a = cache.get(g711(90_000, 160))!;
  const b = cache.get(g711(91_800, 160))!;
  assert.equal(a.kind, 'audio');
  assert.equal(a.slots.length, 1);
  assert.equal(a.slots[0].payload.length, 160);
  assert.equal(a.slots[0].timestamp, 8000);
  assert.equal(b.slots[0].timestamp - a.slots[0].timestamp, 160);
  assert.equal(a.slots[0].marker, false);
});

test('a long PCMA AU is cut into 160-sample packets whose timestamps follow the samples', () => {
  const p = new PacketizeCache().get(g711(9000, 800))!; // 100 ms
  assert.deepEqual(
    p.slots.map((s) => [s.timestamp, s.payload.length]),
    [
      [800, 160],
      [960, 160],
      [1120, 160],
      [1280, 160],
      [1440, 160],
    ],
  );
  assert.equal(p.bytes, 800);
});

test('an H.264 AU gets payloads ≤ mtu, one timestamp, and the marker on the last packet only', () => {
  const p = new PacketizeCache({ mtu: 1200 }).get(idr(123_456))!;
  assert.equal(p.kind, 'video');
  assert.ok(p.slots.length >= 5);
  assert.ok(p.slots.every((s) => s.payload.length <= 1200 && s.timestamp === 123_456));
  assert.deepEqual(
    p.slots.map((s) => s.marker),
    p.slots.map((_, i) => i === p.slots.length - 1),
  );
  assert.equal(p.slots[0].payload[0] & 0x1f, 24); // SPS+PPS aggregated in a STAP-A
  assert.ok(p.slots.every((s) => Buffer.isBuffer(s.payload)));
});

test('the same AU object is packetized once however many viewers ask', () => {
  const cache = new PacketizeCache();
  const au = idr(0);
  const first = cache.get(au);
  for (let i = 0; i < 49; i++) {
    assert.equal(cache.get(au), first);
  }
  assert.deepEqual(cache.stats, { hits: 49, misses: 1 });
  assert.notEqual(cache.get(idr(0)), first); // an equal but different AU is a different entry
});

test('AAC has no WebRTC payload here and yields undefined', () => {
  const au: AccessUnit = { codec: 'AAC', pts: 0, dts: 0, keyframe: true, units: [new Uint8Array(100)] };
  assert.equal(new PacketizeCache().get(au), undefined);
});

test('an H.265 AU uses the RFC 7798 packetizer: FU type 49 for a large slice, marker on the last', () => {
  const vps = Uint8Array.of(0x40, 0x01, 0x0c, 0x01);
  const sps = Uint8Array.of(0x42, 0x01, 0x01, 0x01);
  const pps = Uint8Array.of(0x44, 0x01, 0xc1, 0x72);
  const slice = new Uint8Array(4000).fill(0x22);
  slice.set([0x26, 0x01]); // IDR_W_RADL (type 19), layer 0, TID 1
  const au: AccessUnit = {
    codec: 'H265',
    pts: 7200,
    dts: 7200,
    keyframe: true,
    units: [vps, sps, pps, slice],
  };
  const p = new PacketizeCache({ mtu: 1200 }).get(au)!;
  assert.ok(p.slots.every((s) => s.payload.length <= 1200 && s.timestamp === 7200));
  const types = p.slots.map((s) => (s.payload[0] >> 1) & 0x3f);
  assert.equal(types[0], 48); // VPS+SPS+PPS in one aggregation packet
  assert.ok(types.slice(1).every((t) => t === 49));
  assert.deepEqual(
    p.slots.map((s) => s.marker),
    p.slots.map((_, i) => i === p.slots.length - 1),
  );
});
