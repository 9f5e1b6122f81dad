import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeWav } from '../../codecs/audio/wav.js';
import { decodeAlaw } from '../../codecs/g711/g711.js';
import { analyzeTone } from '../../codecs/audio/tone.js';
import { clipFrames } from './clip.js';

const sine = (hz: number, rate: number, seconds: number) =>
  Int16Array.from({ length: rate * seconds }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );

test('a 22.05 kHz mono WAV becomes 20 ms A-law frames at 8 kHz with its tone', () => {
  const r = clipFrames(writeWav(sine(600, 22050, 1), 22050, 1), 'audio/wav');
  assert.ok(r.ok, r.ok ? '' : r.detail);
  assert.equal(r.law, 'PCMA');
  assert.equal(r.frames.length, 50);
  assert.ok(r.frames.every((f) => f.length === 160));
  assert.equal(r.seconds, 1);
  const pcm = decodeAlaw(new Uint8Array(r.frames.flatMap((f) => [...f])));
  assert.ok(Math.abs(analyzeTone(pcm.subarray(400, 7600), 8000).dominantHz! - 600) < 1);
});

test('audio/basic passes as it is: µ-law frames, the tail padded', () => {
  const r = clipFrames(new Uint8Array(8100).fill(0x11), 'audio/basic');
  assert.ok(r.ok);
  assert.equal(r.law, 'PCMU');
  assert.equal(r.frames.length, 51);
  assert.deepEqual([...r.frames[50].subarray(98, 102)], [0x11, 0x11, 0xff, 0xff]);
});

test('other types, bad WAVs and clips over ten minutes are refused with a reason', () => {
  const ogg = clipFrames(new Uint8Array(10), 'audio/ogg');
  assert.ok(!ogg.ok && /audio\/ogg; send audio\/wav or audio\/basic/.test(ogg.detail));
  const junk = clipFrames(new TextEncoder().encode('RIFF\0\0\0\0WAVEjunk'), 'audio/x-wav');
  assert.ok(!junk.ok && /not a WAV file we can play/.test(junk.detail));
  // 601 s of 4 kHz mono: the header says so before any resampling is done.
  const long = clipFrames(writeWav(new Int16Array(4000 * 601), 4000, 1), 'audio/wav');
  assert.ok(!long.ok && /601\.0 s; at most 600 s/.test(long.detail));
  const longBasic = clipFrames(new Uint8Array(8000 * 601), 'audio/basic');
  assert.ok(!longBasic.ok);
});
