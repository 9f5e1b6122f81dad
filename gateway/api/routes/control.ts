// Operator control and device management (docs/api.md "Control and device management"): the PTZ
// keyboard beyond moves and presets, device commands, configuration, per-device settings and
// forgetting a device. Without a ControlServices (a process without the upper platform) every
// route answers GW_ERR_CONTROL_UNAVAILABLE.
import { GatewayError, type ErrorCode } from '../../errors.js';
import type {
  AuxRequest,
  BasicParamUpdate,
  ControlServices,
  CruiseRequest,
  DeviceSettingsUpdate,
  DragZoomRequest,
  HomePositionRequest,
  PtzPreciseRequest,
  ScanRequest,
} from '../../views/control.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { BasicParamViewBody, DeviceDetailBody, OkBody, PresetsBody, PtzPositionBody } from '../responses.js';
import {
  AuxBody,
  BasicParamBody,
  ChannelParams,
  ConfigQuery,
  CruiseBody,
  DeviceParams,
  DeviceRecordingBody,
  DeviceSettingsBody,
  DragZoomBody,
  HomePositionBody,
  PtzPreciseBody,
  ScanBody,
} from '../validation.js';
import type { ChannelP, DeviceP } from './route-deps.js';

const CHANNEL = '/api/devices/:deviceId/channels/:channelId';

/** What a command to the device can answer (the OpenAPI document lists these per route). */
const DEVICE_ERRORS: ErrorCode[] = [
  'GW_ERR_DEVICE_OFFLINE',
  'GW_ERR_DEVICE_TIMEOUT',
  'GW_ERR_DEVICE_REJECTED',
  'GW_ERR_CONTROL_UNAVAILABLE',
];
/** The same for the 2022-only commands. */
const DEVICE_2022_ERRORS: ErrorCode[] = [...DEVICE_ERRORS, 'GW_ERR_DEVICE_UNSUPPORTED'];

export function controlRoutes(control: ControlServices | undefined): ApiRoute[] {
  const services = (): ControlServices => {
    if (!control) {
      throw new GatewayError('GW_ERR_CONTROL_UNAVAILABLE');
    }
    return control;
  };
  /** A channel command whose answer is { ok: true }. */
  const channelCommand = <B>(
    method: 'post' | 'put',
    path: string,
    summary: string,
    body: ApiRoute['body'],
    run: (c: ControlServices, deviceId: string, channelId: string, body: B) => Promise<void>,
    errors: ErrorCode[] = DEVICE_ERRORS,
  ): ApiRoute =>
    defineRoute({
      method,
      path: `${CHANNEL}/${path}`,
      errors,
      summary,
      auth: 'bearer',
      params: ChannelParams,
      ...(body ? { body } : {}),
      response: OkBody,
      handler: async ({ params, body: input }) => {
        const { deviceId, channelId } = params as ChannelP;
        await run(services(), deviceId, channelId, input as B);
        return { ok: true };
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: `${CHANNEL}/presets`,
      errors: DEVICE_ERRORS,
      summary: "The channel's presets with their names (PresetQuery; the list may come in several messages)",
      auth: 'bearer',
      params: ChannelParams,
      response: PresetsBody,
      handler: async ({ params }) => {
        const { deviceId, channelId } = params as ChannelP;
        return { presets: await services().presets(deviceId, channelId) };
      },
    }),
    channelCommand<CruiseRequest>(
      'post',
      'cruise',
      'Cruise: add/delete a preset point, speed, dwell time, start, stop (PTZCmd 0x84-0x88)',
      CruiseBody,
      (c, d, ch, b) => c.cruise(d, ch, b),
    ),
    channelCommand<ScanRequest>(
      'post',
      'scan',
      'Auto-scan: start, left and right edge, speed, stop (PTZCmd 0x89-0x8A)',
      ScanBody,
      (c, d, ch, b) => c.scan(d, ch, b),
    ),
    channelCommand<AuxRequest>(
      'post',
      'aux',
      'Auxiliary switch on/off (PTZCmd 0x8C/0x8D; switch 1 is the wiper)',
      AuxBody,
      (c, d, ch, b) => c.aux(d, ch, b),
    ),
    channelCommand<DragZoomRequest>(
      'post',
      'drag-zoom',
      'Zoom to a box drawn on the picture (DeviceControl DragZoomIn/DragZoomOut)',
      DragZoomBody,
      (c, d, ch, b) => c.dragZoom(d, ch, b),
    ),
    channelCommand<HomePositionRequest>(
      'put',
      'home-position',
      'Home (guard) position: enabled, return after resetTimeSec, to presetIndex (DeviceControl HomePosition)',
      HomePositionBody,
      (c, d, ch, b) => c.homePosition(d, ch, b),
    ),
    channelCommand<{ action: 'start' | 'stop' }>(
      'post',
      'device-recording',
      'Start or stop recording on the device (DeviceControl RecordCmd)',
      DeviceRecordingBody,
      (c, d, ch, b) => c.deviceRecording(d, ch, b.action),
    ),
    channelCommand<undefined>(
      'post',
      'keyframe',
      'Ask for a keyframe now (DeviceControl IFameCmd)',
      undefined,
      (c, d, ch) => c.keyframe(d, ch),
    ),
    channelCommand<PtzPreciseRequest>(
      'post',
      'ptz-precise',
      'Move to an absolute pan/tilt/zoom (GB/T 28181-2022 PTZPreciseCtrl; 2022 devices only)',
      PtzPreciseBody,
      (c, d, ch, b) => c.ptzPrecise(d, ch, b),
      DEVICE_2022_ERRORS,
    ),
    defineRoute({
      method: 'get',
      path: `${CHANNEL}/ptz-position`,
      errors: DEVICE_2022_ERRORS,
      summary: 'The precise pan/tilt/zoom and field of view (GB/T 28181-2022 PTZPosition; 2022 devices only)',
      auth: 'bearer',
      params: ChannelParams,
      response: PtzPositionBody,
      handler: ({ params }) => {
        const { deviceId, channelId } = params as ChannelP;
        return services().ptzPosition(deviceId, channelId);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/reboot',
      errors: DEVICE_ERRORS,
      summary: 'Reboot the device (DeviceControl TeleBoot)',
      auth: 'bearer',
      params: DeviceParams,
      response: OkBody,
      handler: async ({ params }) => {
        await services().reboot((params as DeviceP).deviceId);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/config',
      errors: DEVICE_ERRORS,
      summary:
        "The device's configuration (ConfigDownload); its keepalive interval and count become the device's offline detection",
      auth: 'bearer',
      params: DeviceParams,
      query: ConfigQuery,
      response: BasicParamViewBody,
      handler: ({ params }) => services().readConfig((params as DeviceP).deviceId, 'BasicParam'),
    }),
    defineRoute({
      method: 'put',
      path: '/api/devices/:deviceId/config',
      errors: DEVICE_ERRORS,
      summary: 'Set name, registration expiry, keepalive interval and count (DeviceConfig BasicParam)',
      auth: 'bearer',
      params: DeviceParams,
      body: BasicParamBody,
      response: OkBody,
      handler: async ({ params, body }) => {
        await services().writeConfig((params as DeviceP).deviceId, body as BasicParamUpdate);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/devices/:deviceId',
      errors: ['GW_ERR_CONTROL_UNAVAILABLE'],
      summary:
        'Per-device settings: password, charset, media transport, SDP c= address, default stream, stream selection dialect',
      auth: 'bearer',
      params: DeviceParams,
      body: DeviceSettingsBody,
      response: DeviceDetailBody,
      handler: ({ params, body }) =>
        services().updateDevice((params as DeviceP).deviceId, body as DeviceSettingsUpdate),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/devices/:deviceId',
      errors: ['GW_ERR_CONTROL_UNAVAILABLE'],
      summary: 'Forget a device and its channels (its streams end with BYE) until it registers again',
      auth: 'bearer',
      params: DeviceParams,
      response: OkBody,
      handler: async ({ params }) => {
        await services().forgetDevice((params as DeviceP).deviceId);
        return { ok: true };
      },
    }),
  ];
}
