// Active streams: list, inspect, diagnose, control (playback) and stop.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { PlaybackControl } from '../../views/services.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { DiagnosisBody, OkBody, StreamViewBody } from '../responses.js';
import { ControlBody, StreamParams } from '../validation.js';
import { requireStream, type RouteDeps, type StreamP } from './route-deps.js';

export function streamRoutes(deps: RouteDeps): ApiRoute[] {
  const { services } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/streams',
      summary: 'Active streams',
      auth: 'bearer',
      response: z.array(StreamViewBody),
      handler: () => services.listStreams(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/streams/:streamId',
      summary: 'One active stream',
      auth: 'bearer',
      params: StreamParams,
      response: StreamViewBody,
      handler: ({ params }) => requireStream(services, (params as StreamP).streamId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/streams/:streamId/diagnosis',
      summary: 'The play attempt step by step, with a classified cause on failure',
      auth: 'bearer',
      params: StreamParams,
      response: DiagnosisBody,
      handler: ({ params }) => {
        const { streamId } = params as StreamP;
        const diagnosis = services.diagnosis(streamId);
        if (!diagnosis) {
          throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no play attempt ${streamId}`);
        }
        return diagnosis;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/streams/:streamId/control',
      errors: ['GW_ERR_DEVICE_REJECTED'],
      summary: 'Playback control: pause, resume, scale, seek (INFO MANSRTSP)',
      auth: 'bearer',
      params: StreamParams,
      body: ControlBody,
      response: OkBody,
      handler: async ({ params, body }) => {
        const { streamId } = params as StreamP;
        requireStream(services, streamId);
        await services.controlPlayback(streamId, body as PlaybackControl);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/streams/:streamId',
      summary: 'Stop a stream (BYE)',
      auth: 'bearer',
      params: StreamParams,
      response: OkBody,
      handler: async ({ params }) => {
        const { streamId } = params as StreamP;
        requireStream(services, streamId);
        await services.stopStream(streamId);
        return { ok: true };
      },
    }),
  ];
}
