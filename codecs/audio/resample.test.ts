import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../test/helpers/random.js';
import { analyzeTone } from './tone.js';
import { downmix, resample, toInt16, toMonoRate } from './resample.js';

function sine(hz: number, rate: number, seconds: number, amplitude = 0.5): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

function stereo(left: Int16Array, right: Int16Array): Int16Array {
  const out = new Int16Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i];
    out[2 * i + 1] = right[i];
  }
  return out;
}

test('downmix averages the channels; mono passes through', () => {
  assert.deepEqual([...downmix(Int16Array.from([16384, -16384, 32767, 32767]), 2)], [0, 32767 / 32768]);
  assert.deepEqual([...downmix(Int16Array.from([16384, -16384]), 1)], [0.5, -0.5]);
  assert.deepEqual([...toInt16(Float32Array.from([1.5, -2, 0.5]))], [32767, -32768, 16384]);
});

test('a tone keeps its frequency and level through any common rate to 8 kHz', () => {
  const rand = seededRandom(21);
  for (const rate of [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000]) {
    const hz = 100 + Math.floor(rand() * 3300);
    const wave = sine(hz, rate, 1);
    const out = toMonoRate(stereo(wave, wave), 2, rate, 8000);
    assert.equal(out.length, 8000, `${rate} Hz → 8000 samples`);
    // Skip the filter's edges, where the window runs off the clip.
    const r = analyzeTone(out.subarray(200, 7800), 8000);
    assert.ok(Math.abs(r.dominantHz! - hz) < 1, `${rate}: ${hz} Hz → ${r.dominantHz}`);
    assert.ok(Math.abs(r.dbfs + 9.03) < 0.3, `${rate}: level ${r.dbfs} dBFS`);
  }
});

test('content above 4 kHz is filtered out instead of folding into the voice band', () => {
  // 6 kHz at 44.1 kHz would alias to 2 kHz at 8 kHz without the low-pass.
  const out = toMonoRate(sine(6000, 44100, 1, 0.9), 1, 44100, 8000);
  const r = analyzeTone(out.subarray(200, 7800), 8000);
  assert.ok(r.dbfs < -60, `aliased level ${r.dbfs} dBFS`);
});

test('length is floor(n · out / in); an unchanged rate copies', () => {
  const x = Float32Array.from({ length: 441 }, (_, i) => i / 441);
  assert.equal(resample(x, 44100, 8000).length, 80);
  assert.equal(resample(x, 44100, 16000).length, 160);
  const same = resample(x, 8000, 8000);
  assert.deepEqual(same, x);
  assert.notEqual(same, x, 'a copy, not the input');
  assert.throws(() => resample(x, 0, 8000), RangeError);
});
