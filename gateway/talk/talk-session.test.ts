import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAlaw, encodeUlaw } from '../../codecs/g711/g711.js';
import { convertLaw } from '../../codecs/g711/law-convert.js';
import { TalkSession, type TalkLeg } from './talk-session.js';

const leg = (id: string, law: 'PCMA' | 'PCMU') => {
  const got: Uint8Array[] = [];
  const l: TalkLeg & { got: Uint8Array[] } = { id, law, push: (f) => got.push(f), got };
  return l;
};

const sine = (amplitude: number) =>
  Int16Array.from({ length: 160 }, (_, i) =>
    Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
  );

test('one frame reaches every leg in its own law, converted once per law', () => {
  const s = new TalkSession('t');
  const a1 = leg('a1', 'PCMA');
  const a2 = leg('a2', 'PCMA');
  const u1 = leg('u1', 'PCMU');
  const u2 = leg('u2', 'PCMU');
  for (const l of [a1, a2, u1, u2]) {
    s.addLeg(l);
  }
  const frame = encodeAlaw(sine(0.5));
  s.write({ law: 'PCMA', payload: frame });
  assert.equal(a1.got[0], frame, 'same law: the frame itself');
  assert.equal(a2.got[0], frame);
  assert.deepEqual(u1.got[0], convertLaw(frame, 'PCMA', 'PCMU'));
  assert.equal(u1.got[0], u2.got[0], 'the µ-law legs share one conversion');
  assert.ok(s.removeLeg('u2'));
  assert.ok(!s.removeLeg('u2'));
  assert.equal(s.legCount, 3);
});

test('frames with no leg yet are counted as unheard; the input level is the last second', () => {
  const s = new TalkSession('t');
  const level = (): number => s.stats.inputDbfs ?? Number.NaN;
  s.write({ law: 'PCMU', payload: encodeUlaw(sine(0.5)) });
  assert.deepEqual({ ...s.stats }, { framesIn: 1, framesUnheard: 1, inputDbfs: null });
  for (let i = 0; i < 49; i++) {
    s.write({ law: 'PCMU', payload: encodeUlaw(sine(0.5)) });
  }
  assert.ok(Math.abs(level() + 9) < 0.3, `a half-scale sine is -9 dBFS, got ${level()}`);
  for (let i = 0; i < 50; i++) {
    s.write({ law: 'PCMU', payload: encodeUlaw(sine(0.05)) });
  }
  assert.ok(Math.abs(level() + 29) < 0.5, `then -29 dBFS, got ${level()}`);
});
