import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Segmenter, type Part, type SegmenterEvent } from './segmenter.js';

const FRAME = 3600; // 25 fps in 90 kHz ticks

/** Video at 25 fps with a keyframe every `gop` frames, audio (20 ms frames at 8 kHz) interleaved. */
function feed(s: Segmenter, frames: number, gop: number, start = 0, audio = true): SegmenterEvent[] {
  const out: SegmenterEvent[] = [];
  for (let i = 0; i < frames; i++) {
    const dts = start + i * FRAME;
    out.push(
      ...s.push({ kind: 'video', dts, cto: 0, keyframe: i % gop === 0, data: new Uint8Array([i & 0xff]) }),
    );
    if (audio && i % 2 === 0) {
      // two 20 ms audio frames per 80 ms ≈ keep up roughly (exact count is not the point)
      const t = (i / 2) * 2 * 160;
      out.push(...s.push({ kind: 'audio', time: t, duration: 160, data: new Uint8Array(10) }));
      out.push(...s.push({ kind: 'audio', time: t + 160, duration: 160, data: new Uint8Array(10) }));
    }
  }
  return out;
}

const parts = (ev: SegmenterEvent[]): Part[] => ev.flatMap((e) => (e.type === 'part' ? [e.part] : []));
const segments = (ev: SegmenterEvent[]) => ev.flatMap((e) => (e.type === 'segment' ? [e] : []));

test('25 fps with a 2 s GOP gives 2.000 s segments of 320 ms parts plus an 80 ms tail', () => {
  const s = new Segmenter({ targetDurationSec: 2, partTargetSec: 1 / 3 });
  const ev = [...feed(s, 250, 50, 123_456_789), ...s.flush()];
  const segs = segments(ev);
  assert.deepEqual(
    segs.map((x) => x.msn),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    segs.map((x) => x.durationTicks),
    [180000, 180000, 180000, 180000, 180000],
  );
  assert.deepEqual(
    segs.map((x) => x.startDts - 123_456_789),
    [0, 180000, 360000, 540000, 720000],
  );
  const p = parts(ev);
  const first = p.filter((x) => x.msn === 0);
  assert.deepEqual(
    first.map((x) => x.durationTicks),
    [28800, 28800, 28800, 28800, 28800, 28800, 7200],
  );
  assert.deepEqual(
    first.map((x) => x.independent),
    [true, false, false, false, false, false, false],
  );
  assert.deepEqual(
    first.map((x) => x.index),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(segs[0].parts, 7);
  // every frame is in exactly one part, in order, with its duration
  const frames = p.flatMap((x) => x.video);
  assert.equal(frames.length, 250);
  assert.ok(frames.every((f, i) => (f.data as Uint8Array)[0] === (i & 0xff) && f.duration === FRAME));
  assert.ok(frames.every((f, i) => f.keyframe === (i % 50 === 0)));
  // no part is longer than the part target
  assert.ok(p.every((x) => x.durationTicks <= 30000));
  // all audio went somewhere, in order
  const audio = p.flatMap((x) => x.audio);
  assert.equal(audio.length, 250);
  assert.ok(audio.every((a, i) => a.time === i * 160));
});

test('a segment closes on the first keyframe at or after the target', () => {
  const oneSecGop = new Segmenter({ targetDurationSec: 2 });
  const a = segments([...feed(oneSecGop, 250, 25, 0, false), ...oneSecGop.flush()]);
  assert.deepEqual(
    a.map((x) => x.durationTicks / 90000),
    [2, 2, 2, 2, 2],
  );
  const threeSecGop = new Segmenter({ targetDurationSec: 2 });
  const b = segments([...feed(threeSecGop, 225, 75, 0, false), ...threeSecGop.flush()]);
  assert.deepEqual(
    b.map((x) => x.durationTicks / 90000),
    [3, 3, 3],
  );
});

test('without keyframes a segment is cut at maxSegmentSec and its first part is not independent', () => {
  const s = new Segmenter({ targetDurationSec: 2, maxSegmentSec: 4 });
  const ev = [...feed(s, 250, 1000, 0, false), ...s.flush()];
  assert.deepEqual(
    segments(ev).map((x) => x.durationTicks / 90000),
    [4, 4, 2],
  );
  const firstParts = parts(ev).filter((p) => p.index === 0);
  assert.deepEqual(
    firstParts.map((p) => p.independent),
    [true, false, false],
  );
  assert.equal(s.stats.forcedCuts, 2);
});

test('video before the first keyframe and non-advancing decode times are dropped', () => {
  const s = new Segmenter();
  assert.deepEqual(s.push({ kind: 'video', dts: 0, cto: 0, keyframe: false, data: new Uint8Array(1) }), []);
  s.push({ kind: 'video', dts: 3600, cto: 0, keyframe: true, data: new Uint8Array(1) });
  s.push({ kind: 'video', dts: 3600, cto: 0, keyframe: false, data: new Uint8Array(1) });
  assert.equal(s.stats.droppedVideo, 2);
  const ev = s.flush();
  assert.equal(parts(ev)[0].video.length, 1);
  assert.equal(parts(ev)[0].video[0].duration, FRAME); // default step when only one frame was seen
});

test('parts never exceed the part target, for several frame rates and targets', () => {
  for (const fps of [10, 12.5, 15, 25, 30]) {
    for (const partSec of [0.2, 0.25, 1 / 3, 0.5]) {
      const s = new Segmenter({ targetDurationSec: 2, partTargetSec: partSec });
      const step = Math.round(90000 / fps);
      const ev: SegmenterEvent[] = [];
      for (let i = 0; i < fps * 6; i++) {
        ev.push(
          ...s.push({
            kind: 'video',
            dts: i * step,
            cto: 0,
            keyframe: i % (2 * fps) === 0,
            data: new Uint8Array(1),
          }),
        );
      }
      const p = parts(ev);
      assert.ok(p.length > 0);
      for (const x of p) {
        assert.ok(x.durationTicks <= partSec * 90000 + 900, `${fps} fps, ${partSec}: ${x.durationTicks}`);
      }
    }
  }
});
