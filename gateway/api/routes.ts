// The routes of shared/contracts.md mapped onto GatewayServices.
import { GatewayError } from '../errors.js';
import type { CascadeServices } from '../views/cascade-services.js';
import { cascadeRoutes } from './cascade-routes.js';
import type { GatewayServices, PlaybackControl, PtzRequest, StreamView } from '../views/services.js';
import { defineRoute, type ApiRoute } from './route-table.js';
import { ChannelParams, ControlBody, DeviceParams, PtzBody, StreamParams, TimeRange } from './validation.js';

export interface RouteDeps {
  services: GatewayServices;
  /** The cascade role; its routes answer GW_ERR_NOT_FOUND without it. */
  cascade?: CascadeServices;
  version: string;
  startedAt: number;
  /** Adds signed WHEP/HLS URLs to a stream answer. */
  mediaUrls(streamId: string): { whep: string; hls: string };
}

type DeviceP = { deviceId: string };
type ChannelP = { deviceId: string; channelId: string };
type StreamP = { streamId: string };

export function buildRoutes(deps: RouteDeps): ApiRoute[] {
  const { services } = deps;

  const requireDevice = (deviceId: string) => {
    const device = services.getDevice(deviceId);
    if (!device) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    return device;
  };
  const requireStream = (streamId: string) => {
    const stream = services.getStream(streamId);
    if (!stream) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
    }
    return stream;
  };
  const playAnswer = (s: StreamView) => ({
    streamId: s.streamId,
    ...deps.mediaUrls(s.streamId),
    codec: s.codec,
    transport: s.transport,
  });

  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Liveness and version',
      auth: 'none',
      returns: '{status: "ok", version, uptimeSec}',
      handler: () => ({
        status: 'ok',
        version: deps.version,
        uptimeSec: Math.round((Date.now() - deps.startedAt) / 1000),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices',
      summary: 'Registered and known devices',
      auth: 'bearer',
      returns:
        '[{deviceId, name, manufacturer, model, transport, remoteAddress, online, registeredAt, lastKeepaliveAt, channelCount}]',
      handler: () => services.listDevices(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId',
      summary: 'One device, with DeviceInfo/DeviceStatus when known',
      auth: 'bearer',
      params: DeviceParams,
      returns: 'device',
      handler: ({ params }) => requireDevice((params as DeviceP).deviceId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/catalog/sync',
      summary: 'Query the catalog now',
      auth: 'bearer',
      params: DeviceParams,
      returns: '{channelCount, complete}',
      handler: ({ params }) => {
        const { deviceId } = params as DeviceP;
        requireDevice(deviceId);
        return services.syncCatalog(deviceId);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels',
      summary: "A device's channels",
      auth: 'bearer',
      params: DeviceParams,
      returns:
        '[{channelId, name, manufacturer, model, parentId, civilCode, address, status, longitude, latitude, ptzType}]',
      handler: ({ params }) => {
        const { deviceId } = params as DeviceP;
        const channels = services.listChannels(deviceId);
        if (!channels) {
          throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
        }
        return channels;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/live',
      summary: 'Start or join the live stream (INVITE s=Play)',
      auth: 'bearer',
      params: ChannelParams,
      returns: '{streamId, whep, hls, codec: {video, audio}, transport}',
      handler: async ({ params }) => {
        const { deviceId, channelId } = params as ChannelP;
        return playAnswer(await services.startLive(deviceId, channelId));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/ptz',
      summary: 'PTZ move/zoom/stop or preset set/call/delete (DeviceControl PTZCmd)',
      auth: 'bearer',
      params: ChannelParams,
      body: PtzBody,
      returns: '{ok: true}',
      handler: async ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        await services.ptz(deviceId, channelId, body as PtzRequest);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels/:channelId/records',
      summary: 'RecordInfo query for a time range (at most 24 h)',
      auth: 'bearer',
      params: ChannelParams,
      query: TimeRange,
      returns: '[{start, end, name, filePath, type, secrecy}]',
      handler: ({ params, query }) => {
        const { deviceId, channelId } = params as ChannelP;
        const { start, end } = query as { start: Date; end: Date };
        return services.queryRecords(deviceId, channelId, start, end);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/playback',
      summary: 'Start a playback stream (INVITE s=Playback)',
      auth: 'bearer',
      params: ChannelParams,
      body: TimeRange,
      returns: '{streamId, whep, hls, codec: {video, audio}, transport}',
      handler: async ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        const { start, end } = body as { start: Date; end: Date };
        return playAnswer(await services.startPlayback(deviceId, channelId, start, end));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/streams',
      summary: 'Active streams',
      auth: 'bearer',
      returns:
        '[{streamId, deviceId, channelId, kind, transport, codec, width, height, fps, bitrateKbps, packetsLost, viewers, startedAt}]',
      handler: () => services.listStreams(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/streams/:streamId',
      summary: 'One active stream',
      auth: 'bearer',
      params: StreamParams,
      returns: 'stream',
      handler: ({ params }) => requireStream((params as StreamP).streamId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/streams/:streamId/diagnosis',
      summary: 'The play attempt step by step, with a classified cause on failure',
      auth: 'bearer',
      params: StreamParams,
      returns: '{streamId, ok, steps: [{at, step, detail}], cause}',
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
      summary: 'Playback control: pause, resume, scale, seek (INFO MANSRTSP)',
      auth: 'bearer',
      params: StreamParams,
      body: ControlBody,
      returns: '{ok: true}',
      handler: async ({ params, body }) => {
        const { streamId } = params as StreamP;
        requireStream(streamId);
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
      returns: '{ok: true}',
      handler: async ({ params }) => {
        const { streamId } = params as StreamP;
        requireStream(streamId);
        await services.stopStream(streamId);
        return { ok: true };
      },
    }),
    ...cascadeRoutes(deps.cascade),
  ];
}
