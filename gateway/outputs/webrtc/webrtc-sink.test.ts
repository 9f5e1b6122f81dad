import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessUnit } from '../../../codecs/types.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import { FanoutScheduler } from './fanout-scheduler.js';
import { PacketizeCache } from './packetize-cache.js';
import type { OutgoingRtp, RtpSendTarget } from './rtp-writer.js';
import { WebRtcSink, type WebRtcSinkOptions } from './webrtc-sink.js';

function recorder(): RtpSendTarget & { sent: OutgoingRtp[] } {
  const sent: OutgoingRtp[] = [];
  return { sent, send: (p) => void sent.push({ ...p }) };
}

const frame = (pts: number, keyframe: boolean, codec: 'H264' | 'H265' = 'H264'): AccessUnit => ({
  codec,
  pts,
  dts: pts,
  keyframe,
  units: [Uint8Array.of(keyframe ? 0x65 : 0x41, 1, 2, 3)],
});
const pcma = (pts: number): AccessUnit => ({
  codec: 'PCMA',
  pts,
  dts: pts,
  keyframe: true,
  units: [new Uint8Array(160)],
});

function makeSink(over: Partial<WebRtcSinkOptions> = {}) {
  const video = recorder();
  const audio = recorder();
  const closes: CloseReason[] = [];
  const keyframeRequests: Sink[] = [];
  const sink = new WebRtcSink({
    id: 't',
    video: { target: video, payloadType: 108, codec: 'H264' },
    audio: { target: audio, payloadType: 8, codec: 'PCMA' },
    cache: new PacketizeCache(),
    requestKeyframe: (s) => keyframeRequests.push(s),
    onClose: (r) => closes.push(r),
    ...over,
  });
  return { sink, video, audio, closes, keyframeRequests };
}

test('video and audio go out as the hub hands them over (the hub decides where video starts)', () => {
  const { sink, video, audio } = makeSink();
  sink.write(frame(0, true));
  sink.write(pcma(0));
  sink.write(frame(3600, false));
  assert.equal(video.sent.length, 2);
  assert.equal(audio.sent.length, 1);
  assert.equal(video.sent[0].payloadType, 108);
  assert.equal(audio.sent[0].payloadType, 8);
});

test("a PLI/FIR goes to the hub's keyframe wait for this very sink", () => {
  const { sink, keyframeRequests } = makeSink();
  sink.onKeyframeRequest();
  assert.deepEqual(keyframeRequests, [sink]);
  assert.equal(sink.stats.keyframeRequests, 1);
  sink.close('viewer-left');
  sink.onKeyframeRequest();
  assert.equal(keyframeRequests.length, 1, 'a closed sink asks for nothing');
});

test('an H.265 AU behind an H.264 answer closes the sink with unsupported-codec', () => {
  const { sink, closes, video } = makeSink();
  sink.write(frame(0, true, 'H265'));
  assert.deepEqual(closes, ['unsupported-codec']);
  assert.equal(video.sent.length, 0);
  sink.write(frame(3600, true));
  assert.equal(video.sent.length, 0, 'a closed sink writes nothing');
});

test('audio of another codec than the negotiated one is ignored, and close() is idempotent', () => {
  const { sink, audio, closes } = makeSink();
  sink.write({ ...pcma(0), codec: 'PCMU' });
  assert.equal(audio.sent.length, 0);
  sink.close('viewer-left');
  sink.close('viewer-left');
  assert.deepEqual(closes, ['viewer-left']);
});

test('with a scheduler, sends happen later; a burst is not congestion, an old backlog is', async () => {
  const scheduler = new FanoutScheduler();
  const { sink, video } = makeSink({ scheduler, maxQueueDelayMs: 30, maxPendingJobs: 500 });
  sink.write(frame(0, true));
  assert.equal(video.sent.length, 0);
  assert.equal(sink.pending, 1);
  // A GOP replay: 200 AUs queued at once, just now.
  for (let i = 1; i < 200; i++) {
    sink.write(frame(i * 3600, false));
  }
  assert.equal(sink.isCongested(), false);
  // The loop is blocked long enough for the backlog to age past maxQueueDelayMs.
  const until = performance.now() + 40;
  while (performance.now() < until) {
    // busy
  }
  assert.equal(sink.isCongested(), true);
  while (scheduler.pending > 0) {
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(video.sent.length, 200);
  assert.equal(sink.pending, 0);
  assert.equal(sink.isCongested(), false);
});

test('more queued sends than maxPendingJobs is congestion whatever their age', () => {
  const { sink } = makeSink({ scheduler: new FanoutScheduler(), maxPendingJobs: 3 });
  for (let i = 0; i < 4; i++) {
    sink.write(frame(i * 3600, i === 0));
  }
  assert.equal(sink.isCongested(), true);
});

test('a full UDP send queue reports congestion', () => {
  let queued: number | undefined;
  const { sink } = makeSink({ socketQueueBytes: () => queued, maxSocketQueueBytes: 1000 });
  assert.equal(sink.isCongested(), false);
  queued = 500;
  assert.equal(sink.isCongested(), false);
  queued = 5000;
  assert.equal(sink.isCongested(), true);
});
