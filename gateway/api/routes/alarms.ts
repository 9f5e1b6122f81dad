// Stored alarms and positions (docs/events.md §2-§3): list and acknowledge alarms, the latest
// position of every channel, one channel's track as JSON or as a GeoJSON LineString.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { AlarmQuery, PositionView } from '../../views/events.js';
import { AlarmBody, PositionBody, TrackFeatureBody } from '../event-responses.js';
import { AlarmListQuery, AlarmParams, TrackQuery } from '../event-validation.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { ChannelParams } from '../validation.js';
import { requireEvents, type ChannelP, type RouteDeps } from './route-deps.js';

export const GEOJSON = 'application/geo+json';

export function alarmRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/alarms',
      summary: 'Stored alarms, newest first; page with ?before=<alarmId>',
      auth: 'bearer',
      query: AlarmListQuery,
      response: z.array(AlarmBody),
      handler: ({ query }) => requireEvents(deps).listAlarms(query as unknown as AlarmQuery),
    }),
    defineRoute({
      method: 'post',
      path: '/api/alarms/:alarmId/ack',
      summary: 'Acknowledge one alarm (idempotent: the first acknowledgement time is kept)',
      auth: 'bearer',
      params: AlarmParams,
      response: AlarmBody,
      handler: async ({ params }) => {
        const { alarmId } = params as { alarmId: string };
        const alarm = await requireEvents(deps).acknowledgeAlarm(alarmId);
        if (!alarm) {
          throw new GatewayError('GW_ERR_ALARM_NOT_FOUND', `no alarm ${alarmId}`);
        }
        return alarm;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/positions',
      summary: 'The latest MobilePosition report of every channel',
      auth: 'bearer',
      response: z.array(PositionBody),
      handler: () => requireEvents(deps).latestPositions(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels/:channelId/positions',
      summary: `A channel's track in [start, end] (default the last 24 h), oldest first; Accept: ${GEOJSON} for a GeoJSON LineString Feature`,
      auth: 'bearer',
      params: ChannelParams,
      query: TrackQuery,
      response: z.union([z.array(PositionBody), TrackFeatureBody]),
      alternateTypes: [GEOJSON],
      handler: async ({ params, query, type }) => {
        const { deviceId, channelId } = params as ChannelP;
        const q = query as { start?: Date; end?: Date; limit: number };
        const end = q.end ?? new Date();
        const start = q.start ?? new Date(end.getTime() - 86_400_000);
        const track = await requireEvents(deps).track(deviceId, channelId, start, end, q.limit);
        return type === GEOJSON ? trackFeature(deviceId, channelId, start, end, track) : track;
      },
    }),
  ];
}

/** RFC 7946 §3.2 Feature, §3.1.4 LineString; positions are [longitude, latitude]. */
function trackFeature(deviceId: string, channelId: string, start: Date, end: Date, track: PositionView[]) {
  const located = track.filter((p) => p.longitude !== null && p.latitude !== null);
  return {
    type: 'Feature' as const,
    geometry: {
      type: 'LineString' as const,
      coordinates: located.map((p) => [p.longitude!, p.latitude!] as [number, number]),
    },
    properties: {
      deviceId,
      channelId,
      start: start.toISOString(),
      end: end.toISOString(),
      times: located.map((p) => p.time ?? p.receivedAt),
      reports: track.length,
    },
  };
}
