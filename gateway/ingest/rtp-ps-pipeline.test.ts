import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import { toHex } from '../../codecs/bytes/hex.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { parseRtp } from '../../codecs/rtp/packet.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { loadManifest, loadVector } from '../../test/helpers/paths.js';
import { seededRandom } from '../../test/helpers/random.js';
import type { IngestEvent } from './ingest-events.js';
import { RtpPsPipeline, type RtpPsPipelineOptions } from './rtp-ps-pipeline.js';

// A GB28181 RTP capture written by another packetizer: PT 96, SSRC 200000001, sequence numbers
// from 65000 (wrapping) and timestamps from 4294000000 (wrapping), RFC 4571 framed.
const CAPTURE = 'rtp_h264_720p_g711a_seqwrap.rtp4571';
const manifest = loadManifest();
const packets = new Rfc4571Framer().push(loadVector(CAPTURE));
const Y = 200000001;
const expected = manifest.files['ms_h264_720p_g711a.ps'];

function run(input: Uint8Array[], opts: Partial<RtpPsPipelineOptions> = {}) {
  const aus: AccessUnit[] = [];
  const events: IngestEvent[] = [];
  const pipeline = new RtpPsPipeline({
    expectedSsrc: Y,
    onAccessUnit: (au) => aus.push(au),
    onEvent: (e) => events.push(e),
    ...opts,
  });
  for (const p of input) {
    pipeline.push(p, '127.0.0.1', 40000);
  }
  pipeline.flush();
  const video = aus.filter((au) => au.codec === 'H264');
  return { pipeline, aus, events, video, keyframes: video.filter((au) => au.keyframe).length };
}

test('the capture yields every frame across the sequence and timestamp wrap', () => {
  assert.equal(packets.length, manifest.rtp[CAPTURE].packets);
  const { video, keyframes, aus, pipeline, events } = run(packets);
  assert.equal(video.length, expected.videoFrames);
  assert.equal(keyframes, expected.keyframes);
  const audioBytes = aus
    .filter((au) => au.codec === 'PCMA')
    .reduce((n, au) => n + au.units.reduce((m, u) => m + u.length, 0), 0);
  assert.equal(audioBytes, expected.audioBytes);
  for (let i = 1; i < video.length; i++) {
    assert.ok(video[i].dts > video[i - 1].dts, 'DTS monotonic across the wrap');
  }
  assert.equal(pipeline.stats.packets, packets.length);
  assert.equal(pipeline.stats.lost, 0);
  // The transport steps only: the codec and the first keyframe are the hub's to report.
  assert.deepEqual(
    events.map((e) => e.type),
    ['first-rtp', 'first-pack'],
  );
});

test('reordered and duplicated packets are put back: the same frames come out', () => {
  const rand = seededRandom(11);
  const shuffled = [...packets];
  for (let i = 0; i + 3 < shuffled.length; i += 1 + Math.floor(rand() * 20)) {
    [shuffled[i], shuffled[i + 3]] = [shuffled[i + 3], shuffled[i]];
    if (rand() < 0.3) {
      shuffled.splice(i, 0, shuffled[i + 1]);
    }
  }
  const { video, keyframes, pipeline } = run(shuffled);
  assert.equal(video.length, expected.videoFrames);
  assert.equal(keyframes, expected.keyframes);
  assert.ok(pipeline.stats.reordered > 0);
  assert.ok(pipeline.stats.duplicates > 0);
  assert.equal(pipeline.stats.lost, 0);
});

test('lost packets drop the frames they hit, and only those', () => {
  const reference = new Map(run(packets).aus.map((au) => [`${au.codec}/${au.dts}`, au]));
  const rand = seededRandom(5);
  const lossy = packets.filter(() => rand() >= 0.02);
  const { aus, video, pipeline } = run(lossy);
  assert.ok(pipeline.stats.lost > 0 && pipeline.stats.gaps > 0);
  assert.ok(video.length > 100 && video.length < expected.videoFrames, `${video.length} frames`);
  for (const au of aus) {
    const ref = reference.get(`${au.codec}/${au.dts}`);
    assert.ok(ref, `unknown AU at ${au.dts}`);
    assert.deepEqual(au.units, ref.units, `damaged AU at ${au.dts} was emitted`);
  }
});

test('RTCP and junk are counted as non-RTP and do not bind the SSRC (ZLM #2247)', () => {
  // An RTCP receiver report first, as some devices send on a fresh TCP connection.
  const rtcpRr = Uint8Array.from([0x80, 0xc9, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78]);
  const junk = [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(1500).fill(0xff)];
  const { video, pipeline, events } = run([rtcpRr, ...junk, ...packets], {
    ssrcMode: 'learn-first',
    expectedSsrc: undefined,
  });
  assert.equal(pipeline.stats.nonRtp, 4);
  assert.equal(pipeline.ssrc, Y);
  assert.equal(video.length, expected.videoFrames);
  assert.equal(events.filter((e) => e.type === 'ssrc-mismatch').length, 0);
});

test('a stray SSRC learned first gives way to the expected one (learn-first)', () => {
  const stray = packets.slice(0, 30).map((p) => {
    const copy = p.slice();
    new DataView(copy.buffer).setUint32(8, 0x99);
    return copy;
  });
  const { video, keyframes, pipeline, events } = run([...stray, ...packets]);
  assert.equal(pipeline.ssrc, Y);
  assert.ok(events.some((e) => e.type === 'ssrc-switch'));
  assert.equal(video.filter((au) => au.keyframe).length, keyframes);
  assert.ok(video.length >= expected.videoFrames, 'every frame of the real stream');
});

test('strict mode with another expected SSRC accepts nothing and reports once', () => {
  const { aus, pipeline, events } = run(packets, { ssrcMode: 'strict', expectedSsrc: 1234 });
  assert.equal(aus.length, 0);
  assert.equal(pipeline.stats.ssrcMismatches, packets.length);
  assert.deepEqual(
    events.filter((e) => e.type === 'ssrc-mismatch'),
    [{ type: 'ssrc-mismatch', expected: 1234, got: Y, address: '127.0.0.1' }],
  );
});

test('seeded random mutations never throw', () => {
  const rand = seededRandom(77);
  const mutated = packets.slice(0, 600).map((p) => {
    const copy = p.slice();
    const flips = Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) {
      copy[Math.floor(rand() * copy.length)] ^= 1 + Math.floor(rand() * 255);
    }
    return rand() < 0.05 ? copy.subarray(0, Math.floor(rand() * copy.length)) : copy;
  });
  assert.doesNotThrow(() => run(mutated, { ssrcMode: 'off' }));
});

// RTP frame ends (frame-boundary.ts): the capture sets the marker on each frame's last packet.
const withMarkers = (mark: (i: number, marker: boolean) => boolean, input = packets) =>
  input.map((p, i) => {
    const copy = p.slice();
    copy[1] = (copy[1] & 0x7f) | (mark(i, (p[1] & 0x80) !== 0) ? 0x80 : 0);
    return copy;
  });

/** The frames the demuxer finds by itself, without RTP hints. */
function demuxedAlone(): AccessUnit[] {
  const d = new PsDemuxer();
  const aus = packets.flatMap((p) => d.push({ payload: parseRtp(p)!.payload }));
  return [...aus, ...d.flush()];
}
const reference = demuxedAlone();
const bytesOf = (aus: readonly AccessUnit[], video: boolean) =>
  aus
    .filter((au) => (au.codec === 'H264') === video)
    .map((au) => ({ ...au, units: au.units.map((u) => toHex(u)) }));

test('a well-marked stream: once learned, each frame leaves on its own last packet', () => {
  let current = -1;
  const leftAt: number[] = [];
  let frames = 0;
  const pipeline = new RtpPsPipeline({
    expectedSsrc: Y,
    onAccessUnit: (au) => {
      if (au.codec === 'H264') {
        frames++;
        leftAt.push(current);
      }
    },
    onEvent: () => {},
  });
  packets.forEach((p, i) => {
    current = i;
    pipeline.push(p, '127.0.0.1', 40000);
  });
  pipeline.flush();
  const s = pipeline.stats;
  assert.equal(s.frameHints, 'trusted');
  assert.equal(frames, expected.videoFrames);
  assert.ok(s.framesEndedEarly >= expected.videoFrames - 30, `${s.framesEndedEarly} early`);
  const early = leftAt.slice(-s.framesEndedEarly);
  assert.ok(
    early.every((i) => parseRtp(packets[i])!.marker),
    'emitted while its marked packet is pushed',
  );
});

test('lying or missing markers: exactly the frames the demuxer finds alone', () => {
  const cases: [string, Uint8Array[], string][] = [
    ['marker on every packet', withMarkers(() => true), 'off'],
    ['no marker at all (timestamps still end frames)', withMarkers(() => false), 'trusted'],
    ['markers right, then on every packet', withMarkers((i, m) => m || i > 1000), 'off'],
    [
      'marker on every packet, one timestamp',
      withMarkers(() => true).map((p) => {
        const copy = p.slice();
        new DataView(copy.buffer).setUint32(4, 1234);
        return copy;
      }),
      'off',
    ],
  ];
  for (const [name, input, mode] of cases) {
    const { aus, pipeline } = run(input);
    assert.equal(pipeline.stats.frameHints, mode, name);
    assert.deepEqual(bytesOf(aus, true), bytesOf(reference, true), name);
    assert.deepEqual(bytesOf(aus, false), bytesOf(reference, false), name);
  }
  assert.equal(run(withMarkers((i, m) => m || i > 1000)).pipeline.stats.frameHintFailures, 1);
});

// ---- UDP source lock (source-lock.ts): who may take over a stream ----

interface Datagram {
  bytes: Uint8Array;
  address: string;
  port: number;
}

function withSsrc(p: Uint8Array, ssrc: number): Uint8Array {
  const copy = p.slice();
  new DataView(copy.buffer).setUint32(8, ssrc); // RTP header bytes 8-11: SSRC (RFC 3550 §5.1)
  return copy;
}

function runFrom(input: Datagram[], opts: Partial<RtpPsPipelineOptions> = {}) {
  const aus: AccessUnit[] = [];
  const events: IngestEvent[] = [];
  const pipeline = new RtpPsPipeline({
    expectedSsrc: Y,
    lockSource: true,
    onAccessUnit: (au) => aus.push(au),
    onEvent: (e) => events.push(e),
    ...opts,
  });
  for (const d of input) {
    pipeline.push(d.bytes, d.address, d.port);
  }
  pipeline.flush();
  const video = aus.filter((au) => au.codec === 'H264');
  return { pipeline, events, video };
}

const DEVICE = { address: '10.0.0.5', port: 15060 };
const from = (src: { address: string; port: number }, list: Uint8Array[]): Datagram[] =>
  list.map((bytes) => ({ bytes, ...src }));

/** The device's packets with the intruder's interleaved from index `at` on. */
function interleave(device: Datagram[], intruder: Datagram[], at: number): Datagram[] {
  const out = device.slice(0, at);
  for (let i = at; i < device.length; i++) {
    out.push(device[i]);
    if (i - at < intruder.length) {
      out.push(intruder[i - at]);
    }
  }
  return out;
}

test('a sender copying y= from another port cannot take over a device that ignores y= (hardening §5)', () => {
  const device = from(
    DEVICE,
    packets.map((p) => withSsrc(p, 0)),
  ); // Dahua-style SSRC 0
  const intruder = from({ address: DEVICE.address, port: 15062 }, packets.slice(0, 300)); // y= = Y
  const { pipeline, events, video } = runFrom(interleave(device, intruder, 200));
  assert.equal(video.length, expected.videoFrames, 'the device plays on, nothing mixed in');
  assert.equal(pipeline.ssrc, 0);
  assert.deepEqual(pipeline.source, DEVICE);
  assert.equal(pipeline.stats.sourceMismatches, 300);
  assert.equal(pipeline.stats.ssrcMismatches, 0);
  assert.deepEqual(
    events.filter((e) => e.type === 'source-mismatch'),
    [{ type: 'source-mismatch', address: '10.0.0.5', port: 15062, ssrc: Y, locked: DEVICE }],
  );
  assert.ok(!events.some((e) => e.type === 'ssrc-switch' || e.type === 'source-switch'));
  // without the lock (as over TCP) the same intruder takes the stream: the gap this closes
  const open = runFrom(interleave(device, intruder, 200), { lockSource: false });
  assert.equal(open.pipeline.ssrc, Y);
  assert.ok(open.events.some((e) => e.type === 'ssrc-switch'));
});

test('after a stray that carried media, the expected SSRC takes over only from an address signaling named', () => {
  const stray = from(
    { address: '10.0.0.66', port: 5000 },
    packets.slice(0, 60).map((p) => withSsrc(p, 0x99)),
  );
  const device = from(DEVICE, packets);
  const refused = runFrom([...stray, ...device]);
  assert.equal(refused.pipeline.ssrc, 0x99, 'a proven source and no signaled address: first wins');
  assert.equal(refused.pipeline.stats.sourceMismatches, packets.length);

  const trusted = runFrom([...stray, ...device], { deviceAddresses: ['10.0.0.5'] });
  assert.equal(trusted.pipeline.ssrc, Y);
  assert.deepEqual(trusted.pipeline.source, DEVICE);
  assert.deepEqual(
    trusted.events.filter((e) => e.type === 'source-switch'),
    [{ type: 'source-switch', from: { address: '10.0.0.66', port: 5000 }, to: DEVICE }],
  );
  assert.ok(trusted.video.length >= expected.videoFrames, 'every frame of the device');
  assert.equal(trusted.pipeline.stats.sourceMismatches, 0);

  // the answer's c= may also arrive after the stray was locked (trustDeviceAddress)
  const late = new RtpPsPipeline({
    expectedSsrc: Y,
    lockSource: true,
    onAccessUnit: () => {},
    onEvent: () => {},
  });
  for (const d of stray) {
    late.push(d.bytes, d.address, d.port);
  }
  late.trustDeviceAddress('::ffff:10.0.0.5');
  for (const d of device) {
    late.push(d.bytes, d.address, d.port);
  }
  assert.equal(late.ssrc, Y);
});

test('a junk datagram that got there first does not lock the device out (no media from it yet)', () => {
  const junk = new Uint8Array(200).fill(0xa5);
  junk.set([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x77]); // RTP v2, PT 96, SSRC 0x77
  const { pipeline, events, video } = runFrom([
    { bytes: junk, address: '10.0.0.66', port: 5000 },
    ...from(DEVICE, packets),
    { bytes: junk, address: '10.0.0.66', port: 5000 },
  ]);
  assert.equal(pipeline.ssrc, Y);
  assert.deepEqual(pipeline.source, DEVICE);
  assert.equal(video.length, expected.videoFrames);
  assert.ok(events.some((e) => e.type === 'source-switch'));
  assert.equal(pipeline.stats.ssrcMismatches, 1, 'the later junk is a foreign SSRC again');
});

test("ssrcMode 'off' stays permissive: no source is locked", () => {
  const device = from(DEVICE, packets);
  const other = from({ address: '10.0.0.66', port: 5000 }, packets.slice(0, 10));
  const { pipeline } = runFrom(interleave(device, other, 100), { ssrcMode: 'off' });
  assert.equal(pipeline.stats.packets, packets.length + 10);
  assert.equal(pipeline.stats.sourceMismatches, 0);
  assert.equal(pipeline.source, undefined);
});
