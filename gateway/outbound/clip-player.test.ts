import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessUnit } from '../../codecs/types.js';
import { ClipPlayer } from './clip-player.js';

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

test('plays at the real-time rate of the clip', async () => {
  const out: AccessUnit[] = [];
  const player = new ClipPlayer({ clip: makeClip(25, 5), onAccessUnit: (au) => out.push(au) });
  assert.equal(player.durationTicks, 25 * FRAME);
  player.start();
  await sleep(300);
  player.stop();
  const frames = videoOf(out).length;
  // 300 ms at 40 ms per frame: frame 0 at once, then one every 40 ms.
  assert.ok(frames >= 6 && frames <= 9, `frames ${frames}`);
  const n = out.length;
  await sleep(60);
  assert.equal(out.length, n, 'nothing after stop');
});

test('loops with continuous timestamps (the clip duration is added each loop)', async () => {
  const out: AccessUnit[] = [];
  const clip = makeClip(10, 5);
  const player = new ClipPlayer({ clip, scale: 8, onAccessUnit: (au) => out.push(au) });
  player.start();
  await sleep(170); // 400 ms of clip at 8x = 50 ms per loop
  player.stop();
  assert.ok(player.loops >= 2, `loops ${player.loops}`);
  assertContinuous(out);
  assert.equal(out[20].dts, clip[0].dts + 10 * FRAME);
  assert.equal(out[20].units, clip[0].units, 'units are shared, not copied');
});

test('forceKeyframe jumps to the next keyframe without a timestamp jump', async () => {
  const out: AccessUnit[] = [];
  const player = new ClipPlayer({ clip: makeClip(20, 10), onAccessUnit: (au) => out.push(au) });
  player.start();
  await sleep(70);
  const before = videoOf(out).length;
  assert.ok(before >= 1 && before < 5);
  player.forceKeyframe();
  await sleep(50);
  player.stop();
  const video = videoOf(out);
  assert.equal(video[before].keyframe, true, 'the next frame is a keyframe');
  assert.equal(video[before].units[0][1], 10, 'the clip keyframe at index 10');
  assertContinuous(out);
});

test('pause holds output; resume continues the timeline where it stopped', async () => {
  const out: AccessUnit[] = [];
  const player = new ClipPlayer({ clip: makeClip(50, 25), onAccessUnit: (au) => out.push(au) });
  player.start();
  await sleep(90);
  player.pause();
  const paused = out.length;
  assert.equal(player.isPlaying, false);
  await sleep(120);
  assert.equal(out.length, paused);
  player.resume();
  await sleep(90);
  player.stop();
  assert.ok(out.length > paused);
  assertContinuous(out);
});

test('scale speeds playback up; loop: false ends after one pass', async () => {
  const slow: AccessUnit[] = [];
  const fast: AccessUnit[] = [];
  const a = new ClipPlayer({ clip: makeClip(100, 25), onAccessUnit: (au) => slow.push(au) });
  const b = new ClipPlayer({ clip: makeClip(100, 25), onAccessUnit: (au) => fast.push(au) });
  a.start();
  b.start();
  b.setScale(4);
  await sleep(200);
  a.stop();
  b.stop();
  assert.ok(
    videoOf(fast).length >= 3 * videoOf(slow).length - 3,
    `${videoOf(fast).length} vs ${videoOf(slow).length}`,
  );
  assert.throws(() => b.setScale(0));

  let ended = false;
  const once: AccessUnit[] = [];
  const c = new ClipPlayer({
    clip: makeClip(5, 5),
    scale: 10,
    loop: false,
    onAccessUnit: (au) => once.push(au),
    onEnd: () => (ended = true),
  });
  c.start();
  await sleep(60);
  assert.equal(ended, true);
  assert.equal(once.length, 10);
  assert.equal(c.isPlaying, false);
});
