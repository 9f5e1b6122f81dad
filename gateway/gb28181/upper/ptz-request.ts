// The API's PTZ requests as PTZCmd commands (docs/gb28181.md §5.2; GB/T 28181-2016 A.3): moves,
// zoom, focus/iris, presets, and the cruise, scan and auxiliary-switch requests.
import type { PtzRequest } from '../../views/services.js';
import type { AuxRequest, CruiseRequest, ScanRequest } from '../../views/control.js';
import { ptzMove, ptzZoom, type PtzCommand, type PtzDirection, type PtzFocusIris } from '../ptz.js';

const PTZ_DIRECTIONS: Record<string, PtzDirection> = {
  left: 'left',
  right: 'right',
  up: 'up',
  down: 'down',
  upleft: 'up-left',
  upright: 'up-right',
  downleft: 'down-left',
  downright: 'down-right',
};

/** Focus and iris (FI, byte 4 = 0100xxxx); the speed goes to the one axis in use. */
const FOCUS_IRIS: Record<string, Pick<PtzFocusIris, 'focus' | 'iris'>> = {
  focusnear: { focus: 'near', iris: 'none' },
  focusfar: { focus: 'far', iris: 'none' },
  irisopen: { focus: 'none', iris: 'open' },
  irisclose: { focus: 'none', iris: 'close' },
  fistop: { focus: 'none', iris: 'none' },
};

export function ptzCommandOf(request: PtzRequest): PtzCommand {
  if ('preset' in request) {
    return { type: 'preset', action: request.preset, index: request.index };
  }
  if (request.command === 'stop') {
    return { type: 'stop' };
  }
  const fi = FOCUS_IRIS[request.command];
  if (fi) {
    return {
      type: 'fi',
      ...fi,
      focusSpeed: fi.focus === 'none' ? 0 : request.speed,
      irisSpeed: fi.iris === 'none' ? 0 : request.speed,
    };
  }
  if (request.command === 'zoomin' || request.command === 'zoomout') {
    return ptzZoom(request.command === 'zoomin' ? 'in' : 'out', Math.min(15, request.speed));
  }
  return ptzMove(PTZ_DIRECTIONS[request.command], request.speed);
}

/** Cruise: add/delete a point, speed, dwell, start (0x84-0x88); stop is the PTZ stop. */
export function cruiseCommandOf(r: CruiseRequest): PtzCommand {
  switch (r.action) {
    case 'add':
      return { type: 'cruise-point', action: 'add', group: r.group, preset: r.preset ?? 0 };
    case 'delete':
      // Preset 0 deletes the whole cruise (docs/gb28181.md §5.2).
      return { type: 'cruise-point', action: 'delete', group: r.group, preset: r.preset ?? 0 };
    case 'speed':
      return { type: 'cruise-speed', group: r.group, speed: r.value ?? 0 };
    case 'dwell':
      return { type: 'cruise-dwell', group: r.group, seconds: r.value ?? 0 };
    case 'start':
      return { type: 'cruise-start', group: r.group };
    case 'stop':
      return { type: 'stop' };
  }
}

/** Scan: start, left and right edge (0x89), speed (0x8A); stop is the PTZ stop. */
export function scanCommandOf(r: ScanRequest): PtzCommand {
  switch (r.action) {
    case 'start':
      return { type: 'scan', action: 'start', group: r.group };
    case 'left':
      return { type: 'scan', action: 'set-left', group: r.group };
    case 'right':
      return { type: 'scan', action: 'set-right', group: r.group };
    case 'speed':
      return { type: 'scan-speed', group: r.group, speed: r.value ?? 0 };
    case 'stop':
      return { type: 'stop' };
  }
}

/** Auxiliary switch on/off (0x8C/0x8D, Table A.11). */
export function auxCommandOf(r: AuxRequest): PtzCommand {
  return { type: 'aux', action: r.on ? 'on' : 'off', switchNo: r.index };
}
