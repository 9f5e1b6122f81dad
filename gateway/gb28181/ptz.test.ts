import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from './errors.js';
import { buildPtzCmd, parsePtzCmd, ptzMove, ptzZoom, type PtzCommand, type PtzDirection } from './ptz.js';

const fi = (
  focus: 'near' | 'far' | 'none',
  iris: 'open' | 'close' | 'none',
  focusSpeed: number,
  irisSpeed: number,
): PtzCommand => ({ type: 'fi', focus, iris, focusSpeed, irisSpeed });

/** Every worked example of docs/gb28181.md §5.2 (address byte 01). */
const WORKED: readonly [string, PtzCommand, string][] = [
  ['stop', { type: 'stop' }, 'A50F0100000000B5'],
  ['right, pan speed 0x80', ptzMove('right', 0x80), 'A50F010180000036'],
  ['left, pan speed 0x80', ptzMove('left', 0x80), 'A50F010280000037'],
  ['up, tilt speed 0x80', ptzMove('up', 0x80), 'A50F01080080003D'],
  ['down, tilt speed 0x80', ptzMove('down', 0x80), 'A50F010400800039'],
  ['up-left, 0x80/0x80', ptzMove('up-left', 0x80), 'A50F010A808000BF'],
  ['zoom in, speed 5', ptzZoom('in', 5), 'A50F011000005015'],
  ['zoom out, speed 5', ptzZoom('out', 5), 'A50F012000005025'],
  ['focus near, speed 0x40', fi('near', 'none', 0x40, 0), 'A50F014240000037'],
  ['iris open, speed 0x40', fi('none', 'open', 0, 0x40), 'A50F014400400039'],
  ['FI stop', fi('none', 'none', 0, 0), 'A50F0140000000F5'],
  ['set preset 3', { type: 'preset', action: 'set', index: 3 }, 'A50F018100030039'],
  ['call preset 3', { type: 'preset', action: 'call', index: 3 }, 'A50F01820003003A'],
  ['delete preset 3', { type: 'preset', action: 'delete', index: 3 }, 'A50F01830003003B'],
  ['cruise 1 add preset 3', { type: 'cruise-point', action: 'add', group: 1, preset: 3 }, 'A50F01840103003D'],
  ['cruise 1 speed 0x123', { type: 'cruise-speed', group: 1, speed: 0x123 }, 'A50F01860123106F'],
  ['cruise 1 dwell 10 s', { type: 'cruise-dwell', group: 1, seconds: 10 }, 'A50F0187010A0047'],
  ['cruise 1 start', { type: 'cruise-start', group: 1 }, 'A50F01880100003E'],
  ['scan 1 start', { type: 'scan', action: 'start', group: 1 }, 'A50F01890100003F'],
  ['scan 1 left edge', { type: 'scan', action: 'set-left', group: 1 }, 'A50F018901010040'],
  ['scan 1 right edge', { type: 'scan', action: 'set-right', group: 1 }, 'A50F018901020041'],
  ['aux switch 1 on', { type: 'aux', action: 'on', switchNo: 1 }, 'A50F018C01000042'],
  ['aux switch 1 off', { type: 'aux', action: 'off', switchNo: 1 }, 'A50F018D01000043'],
];

for (const [name, command, hex] of WORKED) {
  test(`PTZCmd ${name} is ${hex} and parses back`, () => {
    assert.deepEqual(buildPtzCmd(command), { ok: true, value: hex });
    assert.deepEqual(parsePtzCmd(hex), { ok: true, value: { command, address: 1 } });
  });
}

test('the remaining diagonals follow the bit layout (byte 4: up 08 / down 04 | left 02 / right 01)', () => {
  const cases: [PtzDirection, number][] = [
    ['up-right', 0x09],
    ['down-left', 0x06],
    ['down-right', 0x05],
  ];
  for (const [direction, cmd] of cases) {
    const bytes = [0xa5, 0x0f, 0x01, cmd, 0x40, 0x20, 0x00];
    const sum = bytes.reduce((a, b) => a + b, 0) & 0xff;
    const expected = [...bytes, sum]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase();
    const command: PtzCommand = { ...ptzMove(direction, 0x40), tiltSpeed: 0x20 };
    assert.deepEqual(buildPtzCmd(command), { ok: true, value: expected }, direction);
    const parsed = parsePtzCmd(expected);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.command, command);
  }
  // down-right at 0x80/0x80 worked out by hand: A5+0F+01+05+80+80+00 = 0x1BA → BA
  assert.deepEqual(buildPtzCmd(ptzMove('down-right', 0x80)), { ok: true, value: 'A50F0105808000BA' });
});

test('zoom speed sits in the HIGH nibble of byte 7, the address high bits in the low nibble', () => {
  const move: PtzCommand = {
    type: 'move',
    pan: 'right',
    tilt: 'none',
    zoom: 'in',
    panSpeed: 0x10,
    tiltSpeed: 0,
    zoomSpeed: 0xf,
  };
  // A5 0F 01(address low) 11(zoom in | right) 10 00 F3(zoom F | address high 3) C9
  assert.deepEqual(buildPtzCmd(move, 0x301), { ok: true, value: 'A50F01111000F3C9' });
  assert.deepEqual(parsePtzCmd('A50F01111000F3C9'), { ok: true, value: { command: move, address: 0x301 } });
});

test('parse accepts lower case and a preset with byte 5 = 01 (wvp)', () => {
  assert.deepEqual(parsePtzCmd('a50f010a808000bf'), {
    ok: true,
    value: { command: ptzMove('up-left', 0x80), address: 1 },
  });
  // A5 0F 01 82 01 03 00 → sum 0x13B → 3B
  assert.deepEqual(parsePtzCmd('A50F01820103003B'), {
    ok: true,
    value: { command: { type: 'preset', action: 'call', index: 3 }, address: 1 },
  });
});

test('parse rejects bad header, check nibble, checksum, length and unknown or contradictory commands', () => {
  const code = (hex: string) => {
    const r = parsePtzCmd(hex);
    return r.ok ? 'ok' : r.error;
  };
  assert.equal(code('A50F0100000000B6'), GbErrorCode.PTZ_CHECKSUM);
  assert.equal(code('A60F0100000000B6'), GbErrorCode.PTZ_HEADER);
  assert.equal(code('A50E0100000000B4'), GbErrorCode.PTZ_HEADER);
  assert.equal(code('A50F0100000000'), GbErrorCode.PTZ_FORMAT);
  assert.equal(code('A50F01000000ZZB5'), GbErrorCode.PTZ_FORMAT);
  assert.equal(code('A50F0103000000B8'), GbErrorCode.PTZ_COMMAND); // left + right
  assert.equal(code('A50F0130000000E5'), GbErrorCode.PTZ_COMMAND); // zoom in + out
  assert.equal(code('A50F018B00000040'), GbErrorCode.PTZ_COMMAND); // 0x8B is not defined
  assert.equal(code('A50F018100000036'), GbErrorCode.PTZ_COMMAND); // preset 0
});

test('build rejects out-of-range parameters as data', () => {
  const code = (c: PtzCommand, address?: number) => {
    const r = buildPtzCmd(c, address);
    return r.ok ? 'ok' : r.error;
  };
  assert.equal(code(ptzZoom('in', 16)), GbErrorCode.PTZ_RANGE);
  assert.equal(code(ptzMove('left', 256)), GbErrorCode.PTZ_RANGE);
  assert.equal(code({ type: 'preset', action: 'set', index: 0 }), GbErrorCode.PTZ_RANGE);
  assert.equal(code({ type: 'cruise-dwell', group: 1, seconds: 4096 }), GbErrorCode.PTZ_RANGE);
  assert.equal(code({ type: 'stop' }, 0x1000), GbErrorCode.PTZ_RANGE);
});

test('a move without any direction is the stop command', () => {
  const idle: PtzCommand = {
    type: 'move',
    pan: 'none',
    tilt: 'none',
    zoom: 'none',
    panSpeed: 0x80,
    tiltSpeed: 0x80,
    zoomSpeed: 3,
  };
  assert.deepEqual(buildPtzCmd(idle), { ok: true, value: 'A50F0100000000B5' });
});
