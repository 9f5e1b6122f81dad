import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import type { StreamMediaEvent } from './media-events.js';
import type { CloseReason, Sink } from './sink.js';
import { Stream, type StreamSource } from './stream.js';
import { StreamRegistry } from './stream-registry.js';

// Time in these tests is the mock clock (setTimeout and Date): idle, no-media and keyframe
// intervals are stepped with mock.timers.tick, never waited for.
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

const hex = (s: string) =>
  Uint8Array.from(
    s
      .split(/\s+/)
      .filter(Boolean)
      .map((b) => parseInt(b, 16)),
  );
// H.264 SPS (1280x720) and PPS from the shared vector ms_h264_720p_g711a.ps.
const SPS = hex('67 4d 40 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c 83 c6 0c a8');
const PPS = hex('68 ee 3c 80');
const FRAME = 3600; // 25 fps in 90 kHz ticks

function video(n: number, keyframe = false, pts = n * FRAME): AccessUnit {
  const slice = new Uint8Array(100);
  slice[0] = keyframe ? 0x65 : 0x41;
  slice[1] = n & 0xff;
  return { codec: 'H264', dts: n * FRAME, pts, keyframe, units: keyframe ? [SPS, PPS, slice] : [slice] };
}

// H.265 keyframe: VPS, SPS, PPS and an IDR_W_RADL slice (headers only; the hub reads types).
function hevc(n: number, keyframe = false): AccessUnit {
  const slice = new Uint8Array(100);
  slice.set(keyframe ? [0x26, 0x01, 0xaf] : [0x02, 0x01, 0xd0]);
  const units = keyframe ? [hex('40 01 0c 01'), hex('42 01 01 01'), hex('44 01 c1 72'), slice] : [slice];
  return { codec: 'H265', dts: n * FRAME, pts: n * FRAME, keyframe, units };
}

function audio(n: number): AccessUnit {
  return {
    codec: 'PCMA',
    dts: n * FRAME + 10,
    pts: n * FRAME + 10,
    keyframe: true,
    units: [new Uint8Array(160)],
  };
}

class FakeSink implements Sink {
  readonly written: AccessUnit[] = [];
  closedWith: CloseReason | undefined;
  closeCalls = 0;
  congested = false;
  throwOnWrite = false;
  constructor(readonly id: string) {}
  write(au: AccessUnit): void {
    if (this.throwOnWrite) {
      throw new Error('boom');
    }
    this.written.push(au);
  }
  isCongested(): boolean {
    return this.congested;
  }
  close(reason: CloseReason): void {
    this.closeCalls++;
    this.closedWith ??= reason;
  }
}

class FakeSource implements StreamSource {
  starts = 0;
  stops: string[] = [];
  keyframeRequests = 0;
  failWith: Error | undefined;
  /** Set: start() resolves only when the test calls it (an INVITE in flight). */
  hold: Promise<void> | undefined;
  async start(): Promise<void> {
    this.starts++;
    await this.hold;
    if (this.failWith) {
      throw this.failWith;
    }
  }
  stop(reason: string): void {
    this.stops.push(reason);
  }
  requestKeyframe(): void {
    this.keyframeRequests++;
  }
}

function makeStream(extra: Partial<ConstructorParameters<typeof Stream>[0]> = {}) {
  const source = new FakeSource();
  const stream = new Stream({ id: 'dev/ch', source, idleStopMs: 60_000, noMediaTimeoutMs: 0, ...extra });
  return { source, stream };
}

const ids = (aus: AccessUnit[]) =>
  aus.map(
    (au) =>
      `${au.codec === 'PCMA' ? 'A' : au.keyframe ? 'K' : 'P'}${au.codec === 'H265' ? "'" : ''}${Math.floor(au.dts / FRAME)}`,
  );

function listen(stream: Stream): StreamMediaEvent[] {
  const events: StreamMediaEvent[] = [];
  stream.onMedia((e) => events.push(e));
  return events;
}

test('a second viewer gets the cached GOP at once, starting with the keyframe', () => {
  const { stream } = makeStream();
  const first = new FakeSink('first');
  stream.subscribe(first);
  stream.publish(video(0, true));
  stream.publish(video(1));
  stream.publish(video(2, true));
  stream.publish(audio(2));
  stream.publish(video(3));
  const second = new FakeSink('second');
  stream.subscribe(second);
  assert.deepEqual(ids(second.written), ['K2', 'A2', 'P3']);
  stream.publish(video(4));
  assert.deepEqual(ids(first.written), ['K0', 'P1', 'K2', 'A2', 'P3', 'P4']);
  assert.deepEqual(ids(second.written), ['K2', 'A2', 'P3', 'P4']);
  stream.close('test');
});

test('a viewer joining with no cached keyframe waits for one and asks the source for it', () => {
  const { stream, source } = makeStream();
  stream.subscribe(new FakeSink('early'));
  stream.publish(video(5)); // device started mid-GOP
  assert.equal(source.keyframeRequests, 1);
  const sink = new FakeSink('late');
  stream.subscribe(sink);
  stream.publish(audio(5));
  stream.publish(video(6));
  assert.deepEqual(sink.written, []);
  stream.publish(video(7, true));
  stream.publish(audio(7));
  assert.deepEqual(ids(sink.written), ['K7', 'A7']);
  stream.close('test');
});

test('the first viewer starts the source once; the last one leaving stops it after the grace period', async () => {
  const { stream, source } = makeStream({ idleStopMs: 80 });
  let invited!: () => void;
  source.hold = new Promise((resolve) => (invited = resolve));
  const a = new FakeSink('a');
  const b = new FakeSink('b');
  const offA = stream.subscribe(a);
  const offB = stream.subscribe(b);
  const both = Promise.all([stream.start(), stream.start()]);
  invited();
  await both;
  assert.equal(source.starts, 1);
  assert.equal(stream.info.viewers, 2);
  offA();
  offA();
  assert.equal(stream.info.viewers, 1);
  offB();
  mock.timers.tick(40);
  const c = stream.subscribe(new FakeSink('c')); // back within the grace period
  mock.timers.tick(120);
  assert.equal(stream.info.state === 'closed', false, 'a returning viewer cancels the idle stop');
  c();
  mock.timers.tick(79);
  assert.equal(stream.closed, false, 'the grace period is 80 ms');
  mock.timers.tick(1);
  assert.equal(stream.info.state, 'closed');
  assert.equal(stream.info.closeCause, 'idle');
  assert.deepEqual(source.stops, ['idle']);
});

test('non-viewer sinks do not hold the stream; touch() restarts the idle timer', async () => {
  const { stream, source } = makeStream({ idleStopMs: 80 });
  const hls = new FakeSink('hls');
  stream.subscribe(hls, { viewer: false });
  await stream.start();
  assert.equal(stream.info.viewers, 0);
  for (let i = 0; i < 4; i++) {
    mock.timers.tick(40);
    stream.touch();
  }
  assert.equal(stream.info.state, 'starting');
  mock.timers.tick(80);
  assert.equal(stream.info.closeCause, 'idle');
  assert.equal(hls.closedWith, 'stream-closed');
  assert.deepEqual(source.stops, ['idle']);
});

test('a congested sink skips to the next keyframe without queueing; the others get everything', () => {
  const { stream } = makeStream();
  const slow = new FakeSink('slow');
  const fast = new FakeSink('fast');
  stream.subscribe(slow);
  stream.subscribe(fast);
  stream.publish(video(0, true));
  stream.publish(video(1));
  slow.congested = true;
  stream.publish(video(2));
  stream.publish(audio(2));
  stream.publish(video(3));
  slow.congested = false;
  stream.publish(video(4)); // not congested any more, but mid-GOP: still skipped
  stream.publish(audio(4));
  stream.publish(video(5, true));
  stream.publish(video(6));
  assert.deepEqual(ids(slow.written), ['K0', 'P1', 'K5', 'P6']);
  assert.equal(fast.written.length, 9);
  assert.equal(slow.closedWith, undefined);
  // One skip to the keyframe: later frames of the GOP were already waiting, not checked again.
  assert.equal(stream.info.congestionSkips, 1);
  stream.close('test');
});

test('a sink that throws is closed with sink-error and removed; the others continue', () => {
  const { stream } = makeStream();
  const bad = new FakeSink('bad');
  const good = new FakeSink('good');
  stream.subscribe(bad);
  stream.subscribe(good);
  bad.throwOnWrite = true;
  stream.publish(video(0, true));
  stream.publish(video(1));
  assert.equal(bad.closedWith, 'sink-error');
  assert.equal(good.written.length, 2);
  assert.equal(stream.info.viewers, 1);
  assert.equal(stream.info.sinks, 1);
  stream.close('test');
  assert.equal(bad.closeCalls, 1);
  assert.equal(good.closedWith, 'stream-closed');
});

test('no media after start closes the stream with cause no-media', async () => {
  const { stream, source } = makeStream({ noMediaTimeoutMs: 60 });
  const sink = new FakeSink('v');
  const causes: string[] = [];
  stream.onClose((c) => causes.push(c));
  stream.subscribe(sink);
  await stream.start();
  mock.timers.tick(59);
  assert.equal(stream.closed, false);
  mock.timers.tick(1);
  assert.equal(stream.info.state, 'closed');
  assert.equal(stream.info.closeCause, 'no-media');
  assert.deepEqual(causes, ['no-media']);
  assert.deepEqual(source.stops, ['no-media']);
  assert.equal(sink.closedWith, 'stream-closed');
});

test('media that keeps flowing holds off the no-media close; media that stops does not', async () => {
  const { stream } = makeStream({ noMediaTimeoutMs: 80 });
  stream.subscribe(new FakeSink('v'));
  await stream.start();
  for (let i = 0; i < 6; i++) {
    stream.publish(video(i, i === 0));
    mock.timers.tick(30);
  }
  assert.equal(stream.info.state, 'live');
  // The last access unit came at 150 ms (now 180): the stream closes 80 ms after it, at 230.
  mock.timers.tick(49);
  assert.equal(stream.closed, false);
  mock.timers.tick(1);
  assert.equal(stream.info.closeCause, 'no-media');
});

test('keyframe requests reach the source at most once per interval', () => {
  const { stream, source } = makeStream({ keyframeRequestMinIntervalMs: 60 });
  for (let i = 0; i < 5; i++) {
    stream.requestKeyframe();
  }
  assert.equal(source.keyframeRequests, 1);
  mock.timers.tick(59);
  stream.requestKeyframe();
  assert.equal(source.keyframeRequests, 1);
  mock.timers.tick(1);
  stream.requestKeyframe();
  stream.requestKeyframe();
  assert.equal(source.keyframeRequests, 2);
  assert.equal(stream.info.keyframeRequests, 2);
  stream.close('test');
  stream.requestKeyframe();
  assert.equal(source.keyframeRequests, 2);
});

test('B-frames are detected from PTS going backwards in decode order', () => {
  const plain = makeStream().stream;
  for (let i = 0; i < 10; i++) {
    plain.publish(video(i, i === 0));
  }
  assert.equal(plain.info.hasBFrames, false);
  // I P B B: decode order dts 0,1,2,3 → pts 1,4,2,3 (frames)
  const bframes = makeStream().stream;
  const order = [1, 4, 2, 3, 7, 5, 6];
  order.forEach((p, i) => bframes.publish(video(i, i === 0, p * FRAME)));
  assert.equal(bframes.info.hasBFrames, true);
  plain.close('test');
  bframes.close('test');
});

test('info derives codecs, size, frame rate and counts from the access units', () => {
  const { stream } = makeStream();
  for (let i = 0; i < 100; i++) {
    stream.publish(video(i, i % 25 === 0));
    stream.publish(audio(i));
  }
  const info = stream.info;
  assert.equal(info.videoCodec, 'H264');
  assert.equal(info.audioCodec, 'PCMA');
  assert.equal(info.codecString, 'avc1.4D401F');
  assert.equal(info.width, 1280);
  assert.equal(info.height, 720);
  assert.equal(info.fps, 25);
  assert.equal(info.frames, 100);
  assert.equal(info.keyframes, 4);
  assert.equal(info.audioFrames, 100);
  assert.ok(info.bitrateKbps !== undefined && info.bitrateKbps > 0);
  assert.ok(info.firstKeyframeAt instanceof Date);
  stream.close('test');
});

test('an audio-only stream starts each sink at its first audio frame', () => {
  const { stream } = makeStream();
  stream.publish(audio(0));
  const sink = new FakeSink('a');
  stream.subscribe(sink);
  stream.publish(audio(1));
  stream.publish(audio(2));
  assert.deepEqual(ids(sink.written), ['A1', 'A2']);
  stream.close('test');
});

test('a GOP longer than the cache bound empties the cache instead of growing', () => {
  const { stream, source } = makeStream({ maxGopAccessUnits: 5 });
  stream.publish(video(0, true));
  for (let i = 1; i < 10; i++) {
    stream.publish(video(i));
  }
  const sink = new FakeSink('late');
  stream.subscribe(sink);
  assert.deepEqual(sink.written, []);
  assert.equal(source.keyframeRequests, 1);
  stream.publish(video(10, true));
  assert.deepEqual(ids(sink.written), ['K10']);
  stream.close('test');
});

test('a failing source start rejects start() and closes the stream with the cause', async () => {
  const { stream, source } = makeStream();
  source.failWith = Object.assign(new Error('device answered 486'), { code: 'GW_ERR_DEVICE_REJECTED' });
  const sink = new FakeSink('v');
  stream.subscribe(sink); // starts on demand
  await assert.rejects(stream.start(), /486/);
  assert.equal(stream.info.state, 'closed');
  assert.equal(stream.info.closeCause, 'start-failed: GW_ERR_DEVICE_REJECTED: device answered 486');
  assert.equal(sink.closedWith, 'stream-closed');
  assert.equal(source.starts, 1);
});

test('close is idempotent, and late subscribers and listeners learn at once', () => {
  const { stream, source } = makeStream();
  const causes: string[] = [];
  stream.onClose((c) => causes.push(c));
  stream.close('bye');
  stream.close('again');
  assert.deepEqual(causes, ['bye']);
  assert.deepEqual(source.stops, ['bye']);
  const sink = new FakeSink('late');
  const off = stream.subscribe(sink);
  off();
  assert.equal(sink.closedWith, 'stream-closed');
  stream.onClose((c) => causes.push(`late:${c}`));
  assert.deepEqual(causes, ['bye', 'late:bye']);
  stream.publish(video(0, true));
  assert.equal(stream.info.frames, 0);
});

test('the registry shares one stream per id and forgets it when it closes', () => {
  const registry = new StreamRegistry();
  let built = 0;
  const factory = () => {
    built++;
    return makeStream().stream;
  };
  const a = registry.getOrCreate('dev/ch', factory);
  const b = registry.getOrCreate('dev/ch', factory);
  assert.equal(a, b);
  assert.equal(built, 1);
  assert.deepEqual(registry.list(), [a]);
  a.close('bye');
  assert.equal(registry.get('dev/ch'), undefined);
  const c = registry.getOrCreate('dev/ch', factory);
  assert.notEqual(c, a);
  assert.throws(() => registry.getOrCreate('other', factory), /factory built stream/);
  registry.closeAll('shutdown');
  assert.equal(registry.size, 0);
});

test('a sink that saw audio first still starts its video at a keyframe (camera starting mid-GOP)', async () => {
  const stream = new Stream({
    id: 'audio-first',
    source: new FakeSource(),
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
  });
  const sink = new FakeSink('early');
  stream.subscribe(sink);
  await stream.start();
  stream.publish(audio(0));
  stream.publish(video(1)); // mid-GOP P-frame: must not reach the sink
  stream.publish(audio(1));
  stream.publish(video(2, true));
  stream.publish(video(3));
  const firstVideo = sink.written.find((au) => au.codec === 'H264');
  assert.equal(firstVideo?.keyframe, true);
  assert.deepEqual(
    sink.written.filter((au) => au.codec === 'H264').map((au) => au.dts),
    [2 * FRAME, 3 * FRAME],
  );
  stream.close('test');
});

test('the hub reports each codec once when it is found, and the first keyframe once', () => {
  const { stream } = makeStream();
  const events = listen(stream);
  stream.publish(audio(0));
  stream.publish(video(1));
  stream.publish(video(2, true));
  stream.publish(video(3, true));
  assert.deepEqual(
    events.map((e) => (e.type === 'first-keyframe' ? { type: e.type } : e)),
    [
      { type: 'codec', audio: 'PCMA' },
      { type: 'codec', video: 'H264', audio: 'PCMA' },
      { type: 'first-keyframe' },
    ],
  );
  stream.close('test');
});

test('a codec change mid-stream: reported before its first frame is written, the old GOP goes, every sink restarts at a keyframe', () => {
  const { stream, source } = makeStream();
  const sink = new FakeSink('viewer');
  stream.subscribe(sink);
  const seenBySinkAtEvent: number[] = [];
  const events = listen(stream);
  stream.onMedia(() => seenBySinkAtEvent.push(sink.written.length));
  stream.publish(video(0, true));
  stream.publish(video(1));
  stream.publish(audio(1));
  // The device rebooted into H.265: its first frame is not a keyframe here.
  stream.publish(hevc(2));
  assert.equal(source.keyframeRequests, 1, 'asked for an IDR of the new codec');
  stream.publish(audio(2));
  stream.publish(hevc(3, true));
  stream.publish(hevc(4));
  assert.deepEqual(ids(sink.written), ['K0', 'P1', 'A1', 'A2', "K'3", "P'4"]);
  const change = events.find((e) => e.type === 'codec' && e.previous);
  assert.deepEqual(change, {
    type: 'codec',
    video: 'H265',
    audio: 'PCMA',
    previous: { video: 'H264', audio: 'PCMA' },
  });
  assert.equal(seenBySinkAtEvent.at(-1), 3, 'the listener ran before the H.265 frame was written');
  // A new viewer gets the H.265 GOP only.
  const late = new FakeSink('late');
  stream.subscribe(late);
  assert.deepEqual(ids(late.written), ["K'3", "P'4"]);
  const info = stream.info;
  assert.equal(info.videoCodec, 'H265');
  assert.equal(info.codecChanges, 1);
  assert.equal(info.width, undefined, 'the H.264 picture size no longer describes the stream');
  stream.close('test');
});

test("a viewer's picture loss (requestKeyframe(sink)) holds that sink's video until the next keyframe; its audio and the others go on", () => {
  const { stream, source } = makeStream({ keyframeRequestMinIntervalMs: 2000 });
  const lossy = new FakeSink('lossy');
  const other = new FakeSink('other');
  stream.subscribe(lossy);
  stream.subscribe(other);
  stream.publish(video(0, true));
  stream.publish(video(1));
  stream.requestKeyframe(lossy);
  stream.requestKeyframe(lossy); // a burst of PLIs
  assert.equal(source.keyframeRequests, 1, 'the device is asked once');
  stream.publish(video(2));
  stream.publish(audio(2));
  stream.publish(video(3));
  stream.publish(video(4, true));
  stream.publish(video(5));
  assert.deepEqual(ids(lossy.written), ['K0', 'P1', 'A2', 'K4', 'P5']);
  assert.deepEqual(ids(other.written), ['K0', 'P1', 'P2', 'A2', 'P3', 'K4', 'P5']);
  stream.close('test');
});

test('B-frames are reported once, and start afresh with a new codec', () => {
  const { stream } = makeStream();
  const events = listen(stream);
  [1, 4, 2, 3, 7, 5, 6].forEach((p, i) => stream.publish(video(i, i === 0, p * FRAME)));
  assert.equal(events.filter((e) => e.type === 'b-frames').length, 1);
  stream.publish(hevc(10, true));
  assert.equal(stream.info.hasBFrames, false);
  stream.close('test');
});

test('a sink leaving for a reason is reported; a viewer leaving is not', () => {
  const { stream } = makeStream();
  const events = listen(stream);
  const a = stream.subscribe(new FakeSink('a'));
  const b = stream.subscribe(new FakeSink('b'));
  a('viewer-left');
  b('codec-changed', 'no H.265 decoder');
  const bad = new FakeSink('bad');
  bad.throwOnWrite = true;
  stream.subscribe(bad);
  stream.publish(video(0, true));
  assert.deepEqual(
    events.filter((e) => e.type === 'sink-closed'),
    [
      { type: 'sink-closed', sink: 'b', reason: 'codec-changed', detail: 'no H.265 decoder' },
      { type: 'sink-closed', sink: 'bad', reason: 'sink-error', detail: 'boom' },
    ],
  );
  stream.close('test');
});

test('a media listener that throws is contained; unsubscribed listeners hear nothing', () => {
  const { stream } = makeStream();
  stream.onMedia(() => {
    throw new Error('listener bug');
  });
  const heard: StreamMediaEvent[] = [];
  const stop = stream.onMedia((e) => heard.push(e));
  const sink = new FakeSink('v');
  stream.subscribe(sink);
  stream.publish(video(0, true));
  stop();
  stream.publish(hevc(1, true));
  assert.equal(sink.written.length, 2);
  assert.equal(heard.length, 2, 'codec and first keyframe, then nothing');
  stream.close('test');
});

test('a live stream silent for the stall timeout reports stalled once, long before the no-media close; media again reports resumed', async () => {
  const { stream } = makeStream({ noMediaTimeoutMs: 15_000, stallTimeoutMs: 2000 });
  const events = listen(stream);
  stream.subscribe(new FakeSink('v'));
  await stream.start();
  mock.timers.tick(5000);
  assert.deepEqual(
    events.filter((e) => e.type === 'stalled'),
    [],
    'a stream not yet live is left to the no-media timeout',
  );
  for (let i = 0; i < 10; i++) {
    stream.publish(video(i, i === 0));
    mock.timers.tick(40);
  }
  // The last access unit came at t = 360 ms after the first (now + 40): stalled 2000 ms after it.
  mock.timers.tick(1959);
  assert.equal(stream.info.stalled, false);
  mock.timers.tick(1);
  assert.deepEqual(
    events.filter((e) => e.type === 'stalled'),
    [{ type: 'stalled', silentMs: 2000 }],
  );
  assert.equal(stream.info.stalled, true);
  assert.equal(stream.closed, false, 'the stream waits for the no-media timeout');
  mock.timers.tick(5000);
  assert.equal(events.filter((e) => e.type === 'stalled').length, 1, 'reported once');

  stream.publish(video(10, true));
  assert.deepEqual(events.at(-1), { type: 'resumed', silentMs: 7000 });
  assert.equal(stream.info.stalled, false);
  mock.timers.tick(2000);
  assert.equal(events.filter((e) => e.type === 'stalled').length, 2, 'a second stall is reported again');
  stream.close('test');
  mock.timers.tick(10_000);
  assert.equal(events.filter((e) => e.type === 'stalled').length, 2);
});

test('without a stall timeout a silent stream reports nothing until it closes for want of media', async () => {
  const { stream } = makeStream({ noMediaTimeoutMs: 15_000 });
  const events = listen(stream);
  stream.subscribe(new FakeSink('v'));
  await stream.start();
  stream.publish(video(0, true));
  mock.timers.tick(14_999);
  assert.deepEqual(
    events.filter((e) => e.type === 'stalled'),
    [],
  );
  mock.timers.tick(1);
  assert.equal(stream.info.closeCause, 'no-media');
});
