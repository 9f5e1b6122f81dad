// Pacing is the subject here, so the clock is node:test's mock (setTimeout and Date): the
// player reads Date.now through its `now` option, and each test advances time by hand and
// checks the instant every access unit came out.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import { advance, mockClock } from '../../test/helpers/mock-clock.js';
import { ClipPlayer, type ClipPlayerOptions } from './clip-player.js';

const FRAME = 3600; // 25 fps

/** `frames` video AUs 40 ms apart, a keyframe every `gop`, each followed by one audio AU. */
function makeClip(frames: number, gop: number, startDts = 90_000): AccessUnit[] {
  const clip: AccessUnit[] = [];
  for (let i = 0; i < frames; i++) {
    const dts = startDts + i * FRAME;
    clip.push({
      codec: 'H264',
      dts,
      pts: dts + FRAME,
      keyframe: i % gop === 0,
      units: [new Uint8Array([i % gop === 0 ? 0x65 : 0x41, i])],
    });
    clip.push({
      codec: 'PCMA',
      dts: dts + 100,
      pts: dts + 100,
      keyframe: true,
      units: [new Uint8Array(160)],
    });
  }
  return clip;
}

const videoOf = (aus: AccessUnit[]) => aus.filter((au) => au.codec === 'H264');

function assertContinuous(aus: AccessUnit[]): void {
  const video = videoOf(aus);
  for (let i = 1; i < video.length; i++) {
    assert.equal(video[i].dts - video[i - 1].dts, FRAME, `video step at ${i}`);
    assert.equal(video[i].pts - video[i].dts, FRAME, 'pts-dts kept');
  }
}

/** A player on the mocked clock, collecting what it emits. */
function player(
  ctx: TestContext,
  opts: Omit<ClipPlayerOptions, 'onAccessUnit'>,
): { p: ClipPlayer; out: AccessUnit[]; clock: ReturnType<typeof mockClock> } {
  const clock = mockClock(ctx);
  const out: AccessUnit[] = [];
  const p = new ClipPlayer({ ...opts, now: () => Date.now(), onAccessUnit: (au) => out.push(au) });
  return { p, out, clock };
}

/** Multiples of `step` ms from `from` to `to`, inclusive. */
const every = (step: number, from: number, to: number): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

test('plays at the real-time rate of the clip', (ctx) => {
  const { p, out, clock } = player(ctx, { clip: makeClip(25, 5) });
  assert.equal(p.durationTicks, 25 * FRAME);
  p.start();
  assert.equal(out.length, 1, 'frame 0 at once');
  // Video every 40 ms (3600 ticks at 90 kHz), each frame's audio 100 ticks (1.1 ms) after it.
  assert.deepEqual(
    advance(clock, 100, () => out.length),
    [2, 40, 42, 80, 82],
  );
  assert.deepEqual(
    advance(clock, 200, () => videoOf(out).length),
    every(40, 20, 180),
  );
  p.stop();
  assert.deepEqual(
    advance(clock, 200, () => out.length),
    [],
    'nothing after stop',
  );
});

test('loops with continuous timestamps (the clip duration is added each loop)', (ctx) => {
  const clip = makeClip(10, 5);
  const { p, out, clock } = player(ctx, { clip, scale: 8 });
  p.start();
  // 400 ms of clip at 8x: a loop every 50 ms, each ending with the last audio unit at 45.1 ms.
  const loops = advance(clock, 170, () => p.loops);
  p.stop();
  assert.deepEqual(loops, [46, 96, 146]);
  assertContinuous(out);
  assert.equal(out[20].dts, clip[0].dts + 10 * FRAME);
  assert.equal(out[20].units, clip[0].units, 'units are shared, not copied');
});

test('forceKeyframe jumps to the next keyframe without a timestamp jump', (ctx) => {
  const { p, out, clock } = player(ctx, { clip: makeClip(20, 10) });
  p.start();
  advance(clock, 70);
  const before = videoOf(out).length;
  assert.equal(before, 2); // frames 0 and 1, at 0 and 40 ms
  p.forceKeyframe();
  assert.deepEqual(
    advance(clock, 50, () => videoOf(out).length),
    [10, 50],
    'the keyframe due at 80 ms, as frame 2 was; the next 40 ms later',
  );
  p.stop();
  const video = videoOf(out);
  assert.equal(video[before].keyframe, true, 'the next frame is a keyframe');
  assert.equal(video[before].units[0][1], 10, 'the clip keyframe at index 10');
  assertContinuous(out);
});

test('pause holds output; resume continues the timeline where it stopped', (ctx) => {
  const { p, out, clock } = player(ctx, { clip: makeClip(50, 25) });
  p.start();
  advance(clock, 90);
  p.pause();
  assert.equal(p.isPlaying, false);
  assert.equal(videoOf(out).length, 3); // 0, 40, 80 ms
  assert.deepEqual(
    advance(clock, 1_000, () => out.length),
    [],
    'nothing while paused',
  );
  p.resume();
  assert.equal(videoOf(out).length, 4, 'the next frame at once');
  assert.deepEqual(
    advance(clock, 90, () => videoOf(out).length),
    [40, 80],
    'then the clip rate again',
  );
  p.stop();
  assertContinuous(out);
});

test('scale speeds playback up', (ctx) => {
  const clock = mockClock(ctx);
  const slow: AccessUnit[] = [];
  const fast: AccessUnit[] = [];
  const now = (): number => Date.now();
  const a = new ClipPlayer({ clip: makeClip(100, 25), now, onAccessUnit: (au) => slow.push(au) });
  const b = new ClipPlayer({ clip: makeClip(100, 25), now, onAccessUnit: (au) => fast.push(au) });
  a.start();
  b.start();
  b.setScale(4);
  advance(clock, 200);
  a.stop();
  b.stop();
  assert.equal(videoOf(slow).length, 6, 'every 40 ms: 0 … 200');
  assert.equal(videoOf(fast).length, 21, 'every 10 ms: 0 … 200');
  assertContinuous(fast);
  assert.throws(() => b.setScale(0));
  assert.throws(() => b.setScale(Number.NaN));
});

test('loop: false ends after one pass', (ctx) => {
  let ended = 0;
  const { p, out, clock } = player(ctx, {
    clip: makeClip(5, 5),
    scale: 10,
    loop: false,
    onEnd: () => ended++,
  });
  p.start();
  // 5 frames at 10x: 4 ms apart; the last audio unit (4·3600 + 100 ticks) is due at 16.1 ms.
  assert.deepEqual(
    advance(clock, 100, () => ended),
    [17],
  );
  assert.equal(out.length, 10);
  assert.equal(p.isPlaying, false);
});

test('a stalled loop (debugger, overloaded host) re-anchors instead of bursting out the backlog', (ctx) => {
  const { p, out, clock } = player(ctx, { clip: makeClip(250, 25) });
  p.start();
  advance(clock, 100); // frames at 0, 40, 80
  const before = videoOf(out).length;
  clock.tick(5_000); // the event loop was blocked for 5 s: 125 frames are overdue
  assert.ok(videoOf(out).length - before <= 1, `${videoOf(out).length - before} frames burst out`);
  assert.deepEqual(
    advance(clock, 120, () => videoOf(out).length),
    [40, 80, 120],
    'the clip rate again, from the new anchor',
  );
  p.stop();
  assertContinuous(out);
});
