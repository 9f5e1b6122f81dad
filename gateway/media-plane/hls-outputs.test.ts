import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { AccessUnit } from '../../codecs/types.js';
import { Stream } from '../hub/stream.js';
import { HlsOutputs } from './hls-outputs.js';

// Time is the mock clock: the idle time is stepped, never waited for.
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).map((b) => parseInt(b, 16)));
// H.264 SPS (1280x720) and PPS from the shared vector ms_h264_720p_g711a.ps.
const SPS = hex('67 4d 40 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c 83 c6 0c a8');
const PPS = hex('68 ee 3c 80');
const FRAME = 3600;

function video(n: number): AccessUnit {
  const keyframe = n % 50 === 0;
  const slice = new Uint8Array(200);
  slice[0] = keyframe ? 0x65 : 0x41;
  return {
    codec: 'H264',
    dts: n * FRAME,
    pts: n * FRAME,
    keyframe,
    units: keyframe ? [SPS, PPS, slice] : [slice],
  };
}

function liveStream(id = 'cam'): Stream {
  return new Stream({
    id,
    source: { start: async () => {}, stop: () => {} },
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
  });
}

const IDLE_MS = 30_000;

test('on demand: no output until the first HLS request, which gets the cached GOP at once', () => {
  const outputs = new HlsOutputs({ segmentSec: 2, onDemand: { idleMs: IDLE_MS } });
  const stream = liveStream();
  outputs.attach(stream);
  for (let n = 0; n < 30; n++) {
    stream.publish(video(n));
  }
  assert.equal(outputs.has('cam'), false, 'no HLS work while nobody asks for HLS');
  const out = outputs.forRequest(stream);
  assert.ok(out);
  assert.equal(out.info.width, 1280, 'the replayed keyframe made the init segment');
  assert.equal(outputs.forRequest(stream), out, 'later requests read the same output');
  assert.equal(outputs.counters.built, 1);
});

test('on demand: the output goes idleMs after the last request, not after the first', () => {
  const outputs = new HlsOutputs({ segmentSec: 2, onDemand: { idleMs: IDLE_MS } });
  const stream = liveStream();
  outputs.attach(stream);
  stream.publish(video(0));
  const out = outputs.forRequest(stream)!;
  mock.timers.tick(IDLE_MS - 1000);
  outputs.forRequest(stream); // a player's reload keeps it
  mock.timers.tick(IDLE_MS - 1000);
  assert.equal(outputs.has('cam'), true, 'a request came within the idle time');
  mock.timers.tick(1000);
  assert.equal(outputs.has('cam'), false, 'idle time since the last request');
  assert.equal(outputs.counters.dropped, 1);
  assert.equal(stream.info.sinks, 0, 'unsubscribed from the hub');
  // The dropped output no longer receives the stream's media.
  const segmentsBefore = out.info.segments;
  for (let n = 1; n < 200; n++) {
    stream.publish(video(n));
  }
  assert.equal(out.info.segments, segmentsBefore, 'unsubscribed from the hub');
  assert.notEqual(outputs.forRequest(stream), out, 'the next request builds a new one');
});

test('always: the output lives from the stream start to its close, requests or not', () => {
  const outputs = new HlsOutputs({ segmentSec: 2 });
  const stream = liveStream();
  outputs.attach(stream);
  assert.equal(outputs.has('cam'), true);
  mock.timers.tick(10 * IDLE_MS);
  assert.equal(outputs.has('cam'), true);
  stream.close('test');
  assert.equal(outputs.has('cam'), false);
  assert.equal(outputs.forRequest(stream), undefined, 'a closed stream gets no output');
  assert.equal(outputs.counters.built, 1);
});

test('on demand: a stream that closes takes its output with it', () => {
  const outputs = new HlsOutputs({ segmentSec: 2, onDemand: { idleMs: IDLE_MS } });
  const stream = liveStream();
  outputs.attach(stream);
  outputs.forRequest(stream);
  stream.close('test');
  assert.equal(outputs.has('cam'), false);
  assert.equal(outputs.forRequest(undefined), undefined);
});
