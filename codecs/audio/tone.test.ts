import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, randomInt } from '../../test/helpers/random.js';
import { fft } from './fft.js';
import { analyzeTone, ToneMeter, type ToneReport } from './tone.js';

function sine(hz: number, rate: number, seconds: number, amplitude = 0.5, phase = 0): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate + phase)),
  );
}

test('fft agrees with a direct DFT on random input', () => {
  const rand = seededRandom(3);
  for (const n of [1, 2, 8, 64, 256]) {
    const x = Float64Array.from({ length: n }, () => rand() * 2 - 1);
    const y = Float64Array.from({ length: n }, () => rand() * 2 - 1);
    const re = x.slice();
    const im = y.slice();
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += x[t] * Math.cos(a) - y[t] * Math.sin(a);
        si += x[t] * Math.sin(a) + y[t] * Math.cos(a);
      }
      assert.ok(Math.abs(sr - re[k]) < 1e-9 && Math.abs(si - im[k]) < 1e-9, `n=${n} k=${k}`);
    }
  }
  assert.throws(() => fft(new Float64Array(12), new Float64Array(12)), RangeError);
});

test('a pure tone is found to well under 1 Hz, whatever its frequency and phase', () => {
  const rand = seededRandom(5);
  for (let run = 0; run < 60; run++) {
    const hz = 50 + rand() * 3800;
    const r = analyzeTone(sine(hz, 8000, 1, 0.05 + rand() * 0.9, rand() * 6), 8000);
    assert.ok(r.dominantHz !== null && Math.abs(r.dominantHz - hz) < 0.5, `${hz} → ${r.dominantHz}`);
  }
});

test('levels: a full-scale sine is -3 dBFS, half scale -9 dBFS, silence has no frequency', () => {
  const full = analyzeTone(sine(1000, 8000, 1, 1), 8000);
  assert.ok(Math.abs(full.dbfs + 3.01) < 0.05, String(full.dbfs));
  const half = analyzeTone(sine(1000, 8000, 1, 0.5), 8000);
  assert.ok(Math.abs(half.dbfs + 9.03) < 0.05, String(half.dbfs));
  const silent = analyzeTone(new Int16Array(8000), 8000);
  assert.equal(silent.dominantHz, null);
  assert.equal(silent.dbfs, -Infinity);
  // G.711 idle noise (±8) stays under the silence floor.
  const hiss = analyzeTone(
    Int16Array.from({ length: 8000 }, (_, i) => (i % 2 ? 8 : -8)),
    8000,
  );
  assert.equal(hiss.dominantHz, null);
});

test('the louder of two tones wins', () => {
  const a = sine(440, 8000, 1, 0.2);
  const b = sine(1000, 8000, 1, 0.6);
  const mix = a.map((v, i) => v + b[i]);
  const r = analyzeTone(mix, 8000);
  assert.ok(Math.abs(r.dominantHz! - 1000) < 1);
});

test('ToneMeter: one report per second whatever the push sizes (split anywhere)', () => {
  const clip = new Int16Array([...sine(440, 8000, 2), ...sine(1000, 8000, 1), ...sine(700, 8000, 0.5)]);
  const rand = seededRandom(9);
  for (let run = 0; run < 20; run++) {
    const meter = new ToneMeter(8000);
    const reports: ToneReport[] = [];
    for (let at = 0; at < clip.length;) {
      const n = randomInt(rand, 1, 3000);
      reports.push(...meter.push(clip.subarray(at, at + n)));
      at += n;
    }
    reports.push(...meter.flush());
    assert.deepEqual(
      reports.map((r) => [r.second, Math.round(r.dominantHz!), r.samples]),
      [
        [0, 440, 8000],
        [1, 440, 8000],
        [2, 1000, 8000],
        [3, 700, 4000],
      ],
    );
  }
});

test('ToneMeter.flush drops a tail shorter than 100 ms', () => {
  const meter = new ToneMeter(8000);
  assert.equal(meter.push(sine(440, 8000, 1.05)).length, 1);
  assert.deepEqual(meter.flush(), []);
  assert.equal(meter.push(sine(440, 8000, 0.2)).length, 0);
  assert.equal(meter.flush()[0].second, 1, 'the remainder of a flush is gone: the next block starts clean');
});
