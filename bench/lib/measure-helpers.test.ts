// The parsers the load suites rely on to read what arrives: fMP4 decode times, RTP headers
// and sequence-number loss, the frame matcher, /proc stat lines and Prometheus text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { videoFragment } from '../../gateway/outputs/hls/cmaf.js';
import { fragmentTimes } from './fmp4-times.js';
import { findRtpOffset } from './frame-match.js';
import { frameJitter } from './jitter-pacer.js';
import { parseStatTimes } from './proc-cpu.js';
import { promSum } from './gateway-client.js';
import { RtpTap, type RtpArrival } from './rtp-tap.js';
import { quantile, spread } from './stats.js';

test('decode times come back out of a fragment the HLS sink would write', () => {
  const samples = [0, 3610, 7190].map((dts, i) => ({
    dts: 90_000 + dts,
    duration: [3610, 3580, 3600][i],
    cto: 0,
    keyframe: i === 0,
    data: new Uint8Array(10 + i),
  }));
  const bytes = videoFragment(1, samples, 0);
  const [run] = fragmentTimes(bytes);
  assert.equal(run.trackId, 1);
  assert.deepEqual(run.dts, [90_000, 93_610, 97_190]);
  assert.deepEqual(
    fragmentTimes(bytes.subarray(0, 20)),
    [],
    'a truncated fragment gives nothing, not an exception',
  );
});

function rtp(seq: number, ts: number, pt = 108, marker = false): Uint8Array {
  return Uint8Array.from([
    0x80, // V=2
    (marker ? 0x80 : 0) | pt, // M, PT
    seq >> 8,
    seq & 0xff, // sequence number
    ts >>> 24,
    (ts >>> 16) & 0xff,
    (ts >>> 8) & 0xff,
    ts & 0xff, // timestamp
    0,
    0,
    0,
    7, // SSRC 7
    0xaa, // payload (encrypted in real SRTP; never read)
  ]);
}

test('the RTP tap counts loss from sequence gaps across the 16-bit wrap, and ignores RTCP and DTLS', () => {
  const seen: RtpArrival[] = [];
  const tap = new RtpTap({ on: () => {} } as never, (p) => seen.push(p));
  for (const seq of [65534, 65535, 1, 2]) {
    tap.observe(rtp(seq, 1000, 108, seq === 2));
  }
  tap.observe(Uint8Array.from([0x80, 200, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7])); // RTCP SR
  tap.observe(Uint8Array.from([22, 254, 253])); // DTLS record
  assert.deepEqual(tap.counts(108), { received: 4, expected: 5 });
  assert.equal(tap.rtcp, 1);
  assert.equal(seen.length, 4);
  assert.equal(seen[3].marker, true);
  assert.equal(seen[3].timestamp, 1000);
});

test('the frame matcher finds a viewer’s random RTP offset from jittered frame times', () => {
  const sent: number[] = [];
  let dts = 4_294_000_000;
  for (let i = 0; i < 300; i++) {
    dts += 3600 + frameJitter(i) - frameJitter(i - 1);
    sent.push(dts);
  }
  const offset = 123_456_789;
  const received = sent.slice(40, 250).map((d) => (d + offset) % 2 ** 32);
  assert.deepEqual(findRtpOffset(sent, received), { offset, matched: 210 });
  assert.ok(new Set(Array.from({ length: 100 }, (_, i) => frameJitter(i))).size > 30, 'jitter varies');
});

test('/proc stat times are read after the command name, whatever it contains', () => {
  const line = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
  assert.equal(parseStatTimes(line), 3);
  assert.equal(parseStatTimes('garbage'), undefined);
});

test('Prometheus sums add every series of one metric and no longer names', () => {
  const text = [
    '# HELP gb_media_packets_lost_total RTP packets lost',
    'gb_media_packets_lost_total{transport="udp"} 3',
    'gb_media_packets_lost_total{transport="tcp"} 4',
    'gb_media_packets_lost_total_extra 100',
    'gb_sip_requests_total{method="MESSAGE",direction="in"} 9',
  ].join('\n');
  assert.equal(promSum(text, 'gb_media_packets_lost_total'), 7);
  assert.equal(promSum(text, 'gb_sip_requests_total', 'method="MESSAGE"'), 9);
});

test('quantiles interpolate between ranks; spread is min/median/max', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([5], 0.99), 5);
  assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3, runs: 3 });
});
