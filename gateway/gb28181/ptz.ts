// PTZCmd, the 8-byte front-end control code of GB/T 28181-2016 Annex A.3 (Tables A.3-A.11,
// unchanged in 2022), written as 16 uppercase hex characters (docs/gb28181.md §5.2).
//
//   byte 1  A5
//   byte 2  version (high nibble, 0) | check (low) = (0xA + 0x5 + version) mod 16  → always 0F
//   byte 3  address, low 8 bits (the target is <DeviceID>; everyone sends 01)
//   byte 4  command code
//   byte 5  data 1
//   byte 6  data 2
//   byte 7  data 3 (HIGH nibble) | address high 4 bits (low nibble)
//   byte 8  checksum = (byte 1 + ... + byte 7) mod 256
//
// Byte 4 families: 00xxxxxx PTZ (bit5 zoom out, bit4 zoom in, bit3 up, bit2 down, bit1 left,
// bit0 right; all zero = stop), 0100xxxx FI (bit3 iris close, bit2 iris open, bit1 focus near,
// bit0 focus far), 0x81-0x83 preset, 0x84-0x88 cruise, 0x89-0x8A scan, 0x8C-0x8D auxiliary switch.
// Stopping a cruise or scan is the PTZ stop command.
import { fail, ok, GbErrorCode, type GbResult } from './errors.js';

export type PanDirection = 'left' | 'right' | 'none';
export type TiltDirection = 'up' | 'down' | 'none';
export type ZoomDirection = 'in' | 'out' | 'none';

/** Pan/tilt/zoom motion; continues until a stop. Directions are as seen on the image. */
export interface PtzMove {
  type: 'move';
  pan: PanDirection;
  tilt: TiltDirection;
  zoom: ZoomDirection;
  /** 0-255 (byte 5). */
  panSpeed: number;
  /** 0-255 (byte 6). */
  tiltSpeed: number;
  /** 0-15 (byte 7 high nibble). */
  zoomSpeed: number;
}

/** Focus/iris; all 'none' is the FI stop (byte 4 = 0x40). */
export interface PtzFocusIris {
  type: 'fi';
  focus: 'near' | 'far' | 'none';
  iris: 'open' | 'close' | 'none';
  /** 0-255 (byte 5). */
  focusSpeed: number;
  /** 0-255 (byte 6). */
  irisSpeed: number;
}

export type PtzCommand =
  | { type: 'stop' }
  | PtzMove
  | PtzFocusIris
  /** index 1-255 (byte 6); byte 5 is 00 (wvp writes 01; accepted on parse). */
  | { type: 'preset'; action: 'set' | 'call' | 'delete'; index: number }
  /** group 0-255 (byte 5), preset (byte 6): 1-255 to add; 0 deletes the whole cruise. */
  | { type: 'cruise-point'; action: 'add' | 'delete'; group: number; preset: number }
  /** 12-bit values: low 8 bits in byte 6, high 4 bits in the HIGH nibble of byte 7. */
  | { type: 'cruise-speed'; group: number; speed: number }
  | { type: 'cruise-dwell'; group: number; seconds: number }
  | { type: 'cruise-start'; group: number }
  | { type: 'scan'; action: 'start' | 'set-left' | 'set-right'; group: number }
  | { type: 'scan-speed'; group: number; speed: number }
  /** Annex A.3.7 Table A.11; switch 1 is the wiper. */
  | { type: 'aux'; action: 'on' | 'off'; switchNo: number };

export interface ParsedPtzCmd {
  command: PtzCommand;
  /** 12-bit address (byte 3 + byte 7 low nibble); informational only. */
  address: number;
}

export type PtzDirection =
  'up' | 'down' | 'left' | 'right' | 'up-left' | 'up-right' | 'down-left' | 'down-right';

/** A pan/tilt move in one of the eight directions; the speed goes to the axes in use only. */
export function ptzMove(direction: PtzDirection, speed: number): PtzMove {
  const pan: PanDirection = direction.endsWith('left')
    ? 'left'
    : direction.endsWith('right')
      ? 'right'
      : 'none';
  const tilt: TiltDirection = direction.startsWith('up')
    ? 'up'
    : direction.startsWith('down')
      ? 'down'
      : 'none';
  return {
    type: 'move',
    pan,
    tilt,
    zoom: 'none',
    panSpeed: pan === 'none' ? 0 : speed,
    tiltSpeed: tilt === 'none' ? 0 : speed,
    zoomSpeed: 0,
  };
}

export function ptzZoom(zoom: 'in' | 'out', speed: number): PtzMove {
  return { type: 'move', pan: 'none', tilt: 'none', zoom, panSpeed: 0, tiltSpeed: 0, zoomSpeed: speed };
}

const PRESET = { set: 0x81, call: 0x82, delete: 0x83 } as const;
const SCAN = { start: 0, 'set-left': 1, 'set-right': 2 } as const;

type Fields = readonly [cmd: number, d1: number, d2: number, d3: number];

function isByte(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xff;
}

function check(cond: boolean, what: string): string | undefined {
  return cond ? undefined : what;
}

/** The command byte and data fields, or the name of the first out-of-range parameter. */
function encodeFields(c: PtzCommand): Fields | string {
  let bad: string | undefined;
  switch (c.type) {
    case 'stop':
      return [0, 0, 0, 0];
    case 'move': {
      const cmd =
        (c.zoom === 'out' ? 0x20 : c.zoom === 'in' ? 0x10 : 0) |
        (c.tilt === 'up' ? 0x08 : c.tilt === 'down' ? 0x04 : 0) |
        (c.pan === 'left' ? 0x02 : c.pan === 'right' ? 0x01 : 0);
      bad =
        check(isByte(c.panSpeed), 'panSpeed') ??
        check(isByte(c.tiltSpeed), 'tiltSpeed') ??
        check(isByte(c.zoomSpeed) && c.zoomSpeed <= 15, 'zoomSpeed');
      // A move without any direction is the stop command (byte 4 = 0); the speeds mean nothing then.
      return bad ?? (cmd === 0 ? [0, 0, 0, 0] : [cmd, c.panSpeed, c.tiltSpeed, c.zoomSpeed]);
    }
    case 'fi': {
      const cmd =
        0x40 |
        (c.iris === 'close' ? 0x08 : c.iris === 'open' ? 0x04 : 0) |
        (c.focus === 'near' ? 0x02 : c.focus === 'far' ? 0x01 : 0);
      bad = check(isByte(c.focusSpeed), 'focusSpeed') ?? check(isByte(c.irisSpeed), 'irisSpeed');
      return bad ?? [cmd, c.focusSpeed, c.irisSpeed, 0];
    }
    case 'preset':
      bad = check(isByte(c.index) && c.index >= 1, 'index');
      return bad ?? [PRESET[c.action], 0, c.index, 0];
    case 'cruise-point':
      bad =
        check(isByte(c.group), 'group') ??
        check(isByte(c.preset) && (c.action === 'delete' || c.preset >= 1), 'preset');
      return bad ?? [c.action === 'add' ? 0x84 : 0x85, c.group, c.preset, 0];
    case 'cruise-speed':
    case 'cruise-dwell':
    case 'scan-speed': {
      const value = c.type === 'cruise-dwell' ? c.seconds : c.speed;
      bad =
        check(isByte(c.group), 'group') ??
        check(Number.isInteger(value) && value >= 0 && value <= 0xfff, 'value');
      const cmd = c.type === 'cruise-speed' ? 0x86 : c.type === 'cruise-dwell' ? 0x87 : 0x8a;
      return bad ?? [cmd, c.group, value & 0xff, value >> 8];
    }
    case 'cruise-start':
      return check(isByte(c.group), 'group') ?? [0x88, c.group, 0, 0];
    case 'scan':
      return check(isByte(c.group), 'group') ?? [0x89, c.group, SCAN[c.action], 0];
    case 'aux':
      return check(isByte(c.switchNo), 'switchNo') ?? [c.action === 'on' ? 0x8c : 0x8d, c.switchNo, 0, 0];
  }
}

/** Builds the 16 uppercase hex characters; `address` 0-0xFFF, default 1 as every platform sends. */
export function buildPtzCmd(command: PtzCommand, address = 1): GbResult<string> {
  if (!Number.isInteger(address) || address < 0 || address > 0xfff) {
    return fail(GbErrorCode.PTZ_RANGE, 'address');
  }
  const fields = encodeFields(command);
  if (typeof fields === 'string') {
    return fail(GbErrorCode.PTZ_RANGE, fields);
  }
  const [cmd, d1, d2, d3] = fields;
  const bytes = [0xa5, 0x0f, address & 0xff, cmd, d1, d2, (d3 << 4) | (address >> 8)];
  bytes.push(bytes.reduce((a, b) => a + b, 0) & 0xff);
  return ok(bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

function decodeCommand(cmd: number, d1: number, d2: number, d3: number): PtzCommand | string {
  if ((cmd & 0xc0) === 0) {
    if (cmd === 0) {
      return { type: 'stop' };
    }
    if ((cmd & 0x30) === 0x30 || (cmd & 0x0c) === 0x0c || (cmd & 0x03) === 0x03) {
      return 'opposite directions';
    }
    const zoom: ZoomDirection = cmd & 0x20 ? 'out' : cmd & 0x10 ? 'in' : 'none';
    const tilt: TiltDirection = cmd & 0x08 ? 'up' : cmd & 0x04 ? 'down' : 'none';
    const pan: PanDirection = cmd & 0x02 ? 'left' : cmd & 0x01 ? 'right' : 'none';
    return { type: 'move', pan, tilt, zoom, panSpeed: d1, tiltSpeed: d2, zoomSpeed: d3 };
  }
  if ((cmd & 0xf0) === 0x40) {
    if ((cmd & 0x0c) === 0x0c || (cmd & 0x03) === 0x03) {
      return 'opposite focus/iris';
    }
    const iris = cmd & 0x08 ? 'close' : cmd & 0x04 ? 'open' : 'none';
    const focus = cmd & 0x02 ? 'near' : cmd & 0x01 ? 'far' : 'none';
    return { type: 'fi', focus, iris, focusSpeed: d1, irisSpeed: d2 };
  }
  const value12 = d2 | (d3 << 8);
  switch (cmd) {
    case 0x81:
    case 0x82:
    case 0x83:
      if (d2 === 0) {
        return 'preset 0';
      }
      return { type: 'preset', action: cmd === 0x81 ? 'set' : cmd === 0x82 ? 'call' : 'delete', index: d2 };
    case 0x84:
      return d2 === 0 ? 'cruise preset 0' : { type: 'cruise-point', action: 'add', group: d1, preset: d2 };
    case 0x85:
      return { type: 'cruise-point', action: 'delete', group: d1, preset: d2 };
    case 0x86:
      return { type: 'cruise-speed', group: d1, speed: value12 };
    case 0x87:
      return { type: 'cruise-dwell', group: d1, seconds: value12 };
    case 0x88:
      return { type: 'cruise-start', group: d1 };
    case 0x89:
      if (d2 > 2) {
        return `scan operation ${d2}`;
      }
      return { type: 'scan', action: d2 === 0 ? 'start' : d2 === 1 ? 'set-left' : 'set-right', group: d1 };
    case 0x8a:
      return { type: 'scan-speed', group: d1, speed: value12 };
    case 0x8c:
    case 0x8d:
      return { type: 'aux', action: cmd === 0x8c ? 'on' : 'off', switchNo: d1 };
    default:
      return `command 0x${cmd.toString(16)}`;
  }
}

/** Parses a PTZCmd (either case); rejects a wrong header, check nibble or checksum. */
export function parsePtzCmd(hex: string): GbResult<ParsedPtzCmd> {
  const text = hex.trim();
  if (!/^[0-9A-Fa-f]{16}$/.test(text)) {
    return fail(GbErrorCode.PTZ_FORMAT, `"${text.slice(0, 20)}"`);
  }
  const b = Array.from({ length: 8 }, (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16));
  const version = b[1] >> 4;
  if (b[0] !== 0xa5 || (b[1] & 0x0f) !== ((0xa + 0x5 + version) & 0x0f)) {
    return fail(GbErrorCode.PTZ_HEADER, text.slice(0, 4));
  }
  const sum = b.slice(0, 7).reduce((a, v) => a + v, 0) & 0xff;
  if (sum !== b[7]) {
    return fail(GbErrorCode.PTZ_CHECKSUM, `expected ${sum.toString(16)}`);
  }
  const command = decodeCommand(b[3], b[4], b[5], b[6] >> 4);
  if (typeof command === 'string') {
    return fail(GbErrorCode.PTZ_COMMAND, command);
  }
  return ok({ command, address: b[2] | ((b[6] & 0x0f) << 8) });
}
