// What an operator does with one channel: live, PTZ, record search, playback.
import { z } from 'zod';
import type { PtzRequest } from '../../views/services.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { OkBody, PlayAnswerBody, RecordItemBody } from '../responses.js';
import { ChannelParams, LiveBody, PtzBody, TimeRange } from '../validation.js';
import type { LiveStream } from '../../device-settings.js';
import { playAnswer, type ChannelP, type RouteDeps } from './route-deps.js';

export function channelRoutes(deps: RouteDeps): ApiRoute[] {
  const { services } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/live',
      errors: [
        'GW_ERR_DEVICE_OFFLINE',
        'GW_ERR_PLAY_FAILED',
        'GW_ERR_NO_MEDIA_PORT',
        'GW_ERR_DEVICE_TIMEOUT',
      ],
      summary:
        'Start or join the live stream (INVITE s=Play); stream main|sub|third picks the encoder stream (default: the device setting)',
      auth: 'bearer',
      params: ChannelParams,
      body: LiveBody,
      response: PlayAnswerBody,
      handler: async ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        const stream = (body as { stream?: LiveStream } | undefined)?.stream;
        return playAnswer(deps, await services.startLive(deviceId, channelId, stream));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/ptz',
      errors: ['GW_ERR_DEVICE_OFFLINE', 'GW_ERR_DEVICE_TIMEOUT', 'GW_ERR_DEVICE_REJECTED'],
      summary: 'PTZ move/zoom/focus/iris/stop or preset set/call/delete (DeviceControl PTZCmd)',
      auth: 'bearer',
      params: ChannelParams,
      body: PtzBody,
      response: OkBody,
      handler: async ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        await services.ptz(deviceId, channelId, body as PtzRequest);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels/:channelId/records',
      errors: ['GW_ERR_DEVICE_OFFLINE', 'GW_ERR_DEVICE_TIMEOUT', 'GW_ERR_DEVICE_REJECTED'],
      summary: 'RecordInfo query for a time range (at most 24 h)',
      auth: 'bearer',
      params: ChannelParams,
      query: TimeRange,
      response: z.array(RecordItemBody),
      handler: ({ params, query }) => {
        const { deviceId, channelId } = params as ChannelP;
        const { start, end } = query as { start: Date; end: Date };
        return services.queryRecords(deviceId, channelId, start, end);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/playback',
      errors: [
        'GW_ERR_DEVICE_OFFLINE',
        'GW_ERR_PLAY_FAILED',
        'GW_ERR_NO_MEDIA_PORT',
        'GW_ERR_DEVICE_TIMEOUT',
      ],
      summary: 'Start a playback stream (INVITE s=Playback)',
      auth: 'bearer',
      params: ChannelParams,
      body: TimeRange,
      response: PlayAnswerBody,
      handler: async ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        const { start, end } = body as { start: Date; end: Date };
        return playAnswer(deps, await services.startPlayback(deviceId, channelId, start, end));
      },
    }),
  ];
}
