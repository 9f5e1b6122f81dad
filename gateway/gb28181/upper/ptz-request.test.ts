// The API's PTZ, cruise, scan and aux requests become the docs/gb28181.md §5.2 worked PTZCmd values
// (GB/T 28181-2016 A.3) byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPtzCmd, type PtzCommand } from '../ptz.js';
import { auxCommandOf, cruiseCommandOf, ptzCommandOf, scanCommandOf } from './ptz-request.js';

const hex = (c: PtzCommand) => {
  const r = buildPtzCmd(c);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  return r.value;
};

test('focus and iris (FI, byte 4 = 0100xxxx) match the worked values; fistop is 0x40 alone', () => {
  assert.equal(hex(ptzCommandOf({ command: 'focusnear', speed: 0x40 })), 'A50F014240000037');
  assert.equal(hex(ptzCommandOf({ command: 'irisopen', speed: 0x40 })), 'A50F014400400039');
  assert.equal(hex(ptzCommandOf({ command: 'fistop', speed: 0 })), 'A50F0140000000F5');
  // Focus far: bit 0, speed in byte 5; iris close: bit 3, speed in byte 6.
  assert.equal(hex(ptzCommandOf({ command: 'focusfar', speed: 0x10 })), 'A50F014110000006');
  assert.equal(hex(ptzCommandOf({ command: 'irisclose', speed: 0x10 })), 'A50F01480010000D');
});

test('moves, zoom and presets keep the worked values', () => {
  assert.equal(hex(ptzCommandOf({ command: 'upleft', speed: 0x80 })), 'A50F010A808000BF');
  assert.equal(hex(ptzCommandOf({ command: 'zoomin', speed: 5 })), 'A50F011000005015');
  assert.equal(hex(ptzCommandOf({ command: 'stop', speed: 0 })), 'A50F0100000000B5');
  assert.equal(hex(ptzCommandOf({ preset: 'call', index: 3 })), 'A50F01820003003A');
});

test('cruise: add point, speed (12 bits, high nibble in byte 7), dwell, start; stop is the PTZ stop', () => {
  assert.equal(hex(cruiseCommandOf({ action: 'add', group: 1, preset: 3 })), 'A50F01840103003D');
  assert.equal(hex(cruiseCommandOf({ action: 'speed', group: 1, value: 0x123 })), 'A50F01860123106F');
  assert.equal(hex(cruiseCommandOf({ action: 'dwell', group: 1, value: 10 })), 'A50F0187010A0047');
  assert.equal(hex(cruiseCommandOf({ action: 'start', group: 1 })), 'A50F01880100003E');
  assert.equal(hex(cruiseCommandOf({ action: 'stop', group: 1 })), 'A50F0100000000B5');
  // Delete point 3 of tour 1 (0x85), and the whole tour (preset 0).
  assert.equal(hex(cruiseCommandOf({ action: 'delete', group: 1, preset: 3 })), 'A50F01850103003E');
  assert.equal(hex(cruiseCommandOf({ action: 'delete', group: 1 })), 'A50F01850100003B');
});

test('scan: start, left edge, right edge, speed; stop is the PTZ stop', () => {
  assert.equal(hex(scanCommandOf({ action: 'start', group: 1 })), 'A50F01890100003F');
  assert.equal(hex(scanCommandOf({ action: 'left', group: 1 })), 'A50F018901010040');
  assert.equal(hex(scanCommandOf({ action: 'right', group: 1 })), 'A50F018901020041');
  assert.equal(hex(scanCommandOf({ action: 'speed', group: 1, value: 0x123 })), 'A50F018A01231073');
  assert.equal(hex(scanCommandOf({ action: 'stop', group: 1 })), 'A50F0100000000B5');
});

test('auxiliary switch 1 (the wiper) on and off', () => {
  assert.equal(hex(auxCommandOf({ index: 1, on: true })), 'A50F018C01000042');
  assert.equal(hex(auxCommandOf({ index: 1, on: false })), 'A50F018D01000043');
});
