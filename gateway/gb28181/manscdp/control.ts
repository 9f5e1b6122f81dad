// DeviceControl (GB/T 28181-2016 §A.2.3.1; docs/gb28181.md §5.1, §5.3): one control element per
// message (PTZCmd, TeleBoot, RecordCmd, GuardCmd, AlarmCmd, IFameCmd, DragZoomIn/Out,
// HomePosition, and the 2022 PTZPreciseCtrl) plus optional <Info>. Only RecordCmd, GuardCmd,
// AlarmCmd and HomePosition get a <Response> with <Result>; PTZ, TeleBoot, IFameCmd, DragZoom and
// PTZPreciseCtrl get the SIP 200 only.
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';
import {
  deviceMessageCodec,
  leaf,
  formatDecimal,
  optContainer,
  optLeaf,
  readDecimal,
  readEnum,
  readInt,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { resultResponseCodec, type ResultCode } from './result.js';
import { childElement, childText, xmlElement, type XmlElement } from './xml.js';
import { buildPtzCmd, parsePtzCmd, type PtzCommand } from '../ptz.js';

export interface DragZoom {
  type: 'DragZoom';
  zoom: 'in' | 'out';
  /** Window width (px), written as <Length>. */
  length: number;
  /** Window height (px), written as <Width>. */
  width: number;
  midPointX: number;
  midPointY: number;
  lengthX: number;
  lengthY: number;
}

/**
 * 2022 §A.2.3.1.11 PTZPreciseCtrl (docs/gb28181.md §5.4): move to an absolute position. Pan and
 * tilt in degrees, zoom as a factor, each with up to two decimals; an axis left out stays.
 */
export interface PtzPrecise {
  type: 'PTZPrecise';
  pan?: number;
  tilt?: number;
  zoom?: number;
}

export type DeviceControlCommand =
  /** DeviceID = the channel. */
  | { type: 'PTZCmd'; ptz: PtzCommand }
  /** Reboot; DeviceID = the device. */
  | { type: 'TeleBoot' }
  | { type: 'RecordCmd'; action: 'Record' | 'StopRecord' }
  | { type: 'GuardCmd'; action: 'SetGuard' | 'ResetGuard' }
  /** ResetAlarm, optionally narrowed by <Info><AlarmMethod>/<AlarmType>. */
  | { type: 'AlarmCmd'; alarmMethod?: number; alarmType?: number }
  /** Force an I-frame. The standard spells the element "IFameCmd" (no r). */
  | { type: 'IFameCmd' }
  | DragZoom
  | { type: 'HomePosition'; enabled: boolean; resetTime?: number; presetIndex?: number }
  | PtzPrecise;

export interface DeviceControl extends MessageBase {
  kind: 'DeviceControl';
  command: DeviceControlCommand;
  /** <Info><ControlPriority> (wvp sends 5). */
  controlPriority?: number;
}

export interface DeviceControlResponse extends MessageBase {
  kind: 'DeviceControlResponse';
  result: ResultCode;
}

const DRAG_FIELDS = [
  ['Length', 'length'],
  ['Width', 'width'],
  ['MidPointX', 'midPointX'],
  ['MidPointY', 'midPointY'],
  ['LengthX', 'lengthX'],
  ['LengthY', 'lengthY'],
] as const;

const PRECISE_FIELDS = [
  ['Pan', 'pan'],
  ['Tilt', 'tilt'],
  ['Zoom', 'zoom'],
] as const;

function parseDragZoom(el: XmlElement, zoom: 'in' | 'out'): GbResult<DragZoom> {
  const out: DragZoom = {
    type: 'DragZoom',
    zoom,
    length: 0,
    width: 0,
    midPointX: 0,
    midPointY: 0,
    lengthX: 0,
    lengthY: 0,
  };
  for (const [xml, key] of DRAG_FIELDS) {
    const v = readInt(el, xml);
    if (v === undefined) {
      return fail(GbErrorCode.BAD_FIELD, `DragZoom ${xml}`);
    }
    out[key] = v;
  }
  return ok(out);
}

function parseCommand(root: XmlElement): GbResult<DeviceControlCommand> {
  const ptz = childText(root, 'PTZCmd');
  if (ptz !== undefined) {
    const parsed = parsePtzCmd(ptz);
    return parsed.ok ? ok({ type: 'PTZCmd', ptz: parsed.value.command }) : parsed;
  }
  if (childElement(root, 'TeleBoot')) {
    return ok({ type: 'TeleBoot' });
  }
  // Some firmware writes the corrected spelling; accept both, write the standard's.
  if (childElement(root, 'IFameCmd') ?? childElement(root, 'IFrameCmd')) {
    return ok({ type: 'IFameCmd' });
  }
  const record = readEnum(root, 'RecordCmd', ['Record', 'StopRecord'] as const);
  if (record) {
    return ok({ type: 'RecordCmd', action: record });
  }
  const guard = readEnum(root, 'GuardCmd', ['SetGuard', 'ResetGuard'] as const);
  if (guard) {
    return ok({ type: 'GuardCmd', action: guard });
  }
  if (childElement(root, 'AlarmCmd')) {
    const info = childElement(root, 'Info');
    const cmd: DeviceControlCommand = { type: 'AlarmCmd' };
    const method = info && readInt(info, 'AlarmMethod');
    const type = info && readInt(info, 'AlarmType');
    if (method !== undefined) {
      cmd.alarmMethod = method;
    }
    if (type !== undefined) {
      cmd.alarmType = type;
    }
    return ok(cmd);
  }
  const dragIn = childElement(root, 'DragZoomIn');
  if (dragIn) {
    return parseDragZoom(dragIn, 'in');
  }
  const dragOut = childElement(root, 'DragZoomOut');
  if (dragOut) {
    return parseDragZoom(dragOut, 'out');
  }
  const precise = childElement(root, 'PTZPreciseCtrl');
  if (precise) {
    const cmd: PtzPrecise = { type: 'PTZPrecise' };
    for (const [xml, key] of PRECISE_FIELDS) {
      const v = readDecimal(precise, xml);
      if (v !== undefined) {
        cmd[key] = v;
      }
    }
    return ok(cmd);
  }
  const home = childElement(root, 'HomePosition');
  if (home) {
    const enabled = readInt(home, 'Enabled');
    if (enabled === undefined) {
      return fail(GbErrorCode.BAD_FIELD, 'HomePosition Enabled');
    }
    const cmd: DeviceControlCommand = { type: 'HomePosition', enabled: enabled !== 0 };
    const resetTime = readInt(home, 'ResetTime');
    const presetIndex = readInt(home, 'PresetIndex');
    if (resetTime !== undefined) {
      cmd.resetTime = resetTime;
    }
    if (presetIndex !== undefined) {
      cmd.presetIndex = presetIndex;
    }
    return ok(cmd);
  }
  return fail(GbErrorCode.MISSING_FIELD, 'no known control element');
}

function buildCommand(c: DeviceControlCommand): XmlElement[] {
  switch (c.type) {
    case 'PTZCmd': {
      const hex = buildPtzCmd(c.ptz);
      // Out-of-range PTZ parameters are a programming error of the caller; validate with
      // buildPtzCmd first when the values come from outside.
      if (!hex.ok) {
        throw new RangeError(`PTZ ${hex.error}: ${hex.detail}`);
      }
      return [leaf('PTZCmd', hex.value)];
    }
    case 'TeleBoot':
      return [leaf('TeleBoot', 'Boot')];
    case 'IFameCmd':
      return [leaf('IFameCmd', 'Send')];
    case 'RecordCmd':
      return [leaf('RecordCmd', c.action)];
    case 'GuardCmd':
      return [leaf('GuardCmd', c.action)];
    case 'AlarmCmd':
      return [leaf('AlarmCmd', 'ResetAlarm')];
    case 'DragZoom':
      return [
        xmlElement(
          c.zoom === 'in' ? 'DragZoomIn' : 'DragZoomOut',
          DRAG_FIELDS.map(([xml, key]) => leaf(xml, c[key])),
        ),
      ];
    case 'HomePosition':
      return [
        xmlElement('HomePosition', [
          leaf('Enabled', c.enabled ? 1 : 0),
          ...optLeaf('ResetTime', c.resetTime),
          ...optLeaf('PresetIndex', c.presetIndex),
        ]),
      ];
    case 'PTZPrecise':
      return [
        xmlElement(
          'PTZPreciseCtrl',
          PRECISE_FIELDS.flatMap(([xml, key]) => {
            const v = c[key];
            return v === undefined ? [] : [leaf(xml, formatDecimal(v))];
          }),
        ),
      ];
  }
}

export const deviceControlCodec = deviceMessageCodec<DeviceControl>({
  kind: 'DeviceControl',
  root: 'Control',
  cmdType: 'DeviceControl',
  parse(root, envelope) {
    const command = parseCommand(root);
    if (!command.ok) {
      return command;
    }
    const m: DeviceControl = { ...envelope, command: command.value };
    const info = childElement(root, 'Info');
    const priority = info && readInt(info, 'ControlPriority');
    if (priority !== undefined) {
      m.controlPriority = priority;
    }
    return ok(m);
  },
  body(m) {
    const c = m.command;
    const info = [
      ...optLeaf('ControlPriority', m.controlPriority),
      ...(c.type === 'AlarmCmd'
        ? [...optLeaf('AlarmMethod', c.alarmMethod), ...optLeaf('AlarmType', c.alarmType)]
        : []),
    ];
    return [...buildCommand(c), ...optContainer('Info', info)];
  },
});

export const deviceControlResponseCodec: MessageCodec<DeviceControlResponse> = resultResponseCodec(
  'DeviceControlResponse',
  'DeviceControl',
);
