import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PtzState } from './ptz-state.js';

test('motion integrates speed over time until a stop; axes wrap and clamp', () => {
  let t = 0;
  const head = new PtzState(() => t);
  head.move({ pan: 1, tilt: 1, zoom: 1, panSpeed: 255, tiltSpeed: 255, zoomSpeed: 15 });
  t = 1000;
  let s = head.snapshot();
  assert.equal(s.pan, 120);
  assert.equal(s.tilt, 60);
  assert.equal(s.zoom, 11);
  assert.equal(s.moving, true);
  head.stop();
  t = 5000;
  s = head.snapshot();
  assert.equal(s.pan, 120);
  assert.equal(s.moving, false);
  head.move({ pan: -1, tilt: 1, zoom: 0, panSpeed: 255, tiltSpeed: 255, zoomSpeed: 0 });
  t = 7000;
  s = head.snapshot();
  assert.equal(s.pan, 240, '120° − 240° wraps to 240°');
  assert.equal(s.tilt, 90, 'clamped');
  assert.deepEqual(s.counts, { move: 2, stop: 1 });
});

test('presets store, recall and delete positions; out-of-range indexes are refused', () => {
  let t = 0;
  const head = new PtzState(() => t);
  head.move({ pan: 1, tilt: 0, zoom: 0, panSpeed: 128, tiltSpeed: 0, zoomSpeed: 0 });
  t = 500;
  head.stop();
  assert.equal(head.setPreset(7), true);
  assert.equal(head.setPreset(0), false);
  head.move({ pan: 1, tilt: 0, zoom: 0, panSpeed: 255, tiltSpeed: 0, zoomSpeed: 0 });
  t = 1500;
  assert.equal(head.callPreset(7), true);
  const s = head.snapshot();
  assert.equal(s.moving, false);
  assert.equal(Math.round(s.pan * 100) / 100, Math.round((128 / 255) * 120 * 0.5 * 100) / 100);
  assert.deepEqual(head.presetIndexes, [7]);
  assert.equal(head.deletePreset(7), true);
  assert.equal(head.callPreset(7), false);
});
