// The API's PTZ request as a PTZCmd command (docs/gb28181.md §5.2; GB/T 28181-2016 A.3).
import type { PtzRequest } from '../../views/services.js';
import { ptzMove, ptzZoom, type PtzCommand, type PtzDirection } from '../ptz.js';

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

export function ptzCommandOf(request: PtzRequest): PtzCommand {
  if ('preset' in request) {
    return { type: 'preset', action: request.preset, index: request.index };
  }
  if (request.command === 'stop') {
    return { type: 'stop' };
  }
  if (request.command === 'zoomin' || request.command === 'zoomout') {
    return ptzZoom(request.command === 'zoomin' ? 'in' : 'out', Math.min(15, request.speed));
  }
  return ptzMove(PTZ_DIRECTIONS[request.command], request.speed);
}
