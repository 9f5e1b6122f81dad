// Cloud recording (docs/recording.md): a channel's recording plan, and the index of what was
// recorded. The files themselves (HTTP Range) are served beside the JSON routes
// (recording-media.ts, openapi.ts extraOperations). Field names as docs/recording.md §7 (the
// second-wave API contract).
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type {
  RecordingPlan,
  RecordingPlanView,
  RecordingServices,
  RecordingView,
} from '../../views/recording.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { ChannelParams, GbId, IsoTime } from '../validation.js';
import type { ChannelP, RouteDeps } from './route-deps.js';

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM, 00:00 to 24:00');

const ScheduleRangeBody = z
  .strictObject({
    day: z.number().int().min(0).max(6).describe('0 Sunday … 6 Saturday'),
    start: HhMm,
    end: HhMm,
  })
  .refine((r) => r.end > r.start, 'end must be after start (split a range across midnight in two)');

const PlanFields = {
  mode: z.enum(['off', 'always', 'schedule', 'alarm']),
  schedule: z.array(ScheduleRangeBody).max(70),
  preAlarmSec: z.number().int().min(0).max(300),
  postAlarmSec: z.number().int().min(0).max(3600),
  retentionDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .describe('0: kept until the quota or the free-space floor needs room'),
};

const PlanInput = z.strictObject({
  mode: PlanFields.mode,
  schedule: PlanFields.schedule.default([]),
  preAlarmSec: PlanFields.preAlarmSec.default(10),
  postAlarmSec: PlanFields.postAlarmSec.default(30),
  retentionDays: PlanFields.retentionDays.default(0),
});

export const RecordingPlanBody = z.object({
  mode: PlanFields.mode,
  schedule: z.array(z.object({ day: z.number().int(), start: z.string(), end: z.string() })),
  preAlarmSec: z.number().int(),
  postAlarmSec: z.number().int(),
  retentionDays: z.number().int(),
  state: z.enum(['off', 'idle', 'armed', 'recording', 'retrying', 'failed']),
  error: z.string().nullable(),
}) satisfies z.ZodType<RecordingPlanView>;

export const RecordingBody = z.object({
  recordingId: z.string(),
  deviceId: GbId,
  channelId: GbId,
  start: z.string(),
  end: z.string(),
  bytes: z.number().int().min(0),
  reason: z.enum(['always', 'schedule', 'alarm', 'manual']),
  open: z.boolean().describe('the file is still being written'),
}) satisfies z.ZodType<RecordingView>;

const ListQuery = z.object({
  deviceId: GbId.optional(),
  channelId: GbId.optional(),
  start: IsoTime.optional(),
  end: IsoTime.optional(),
});

function require(recording: RecordingServices | undefined): RecordingServices {
  if (!recording) {
    throw new GatewayError('GW_ERR_RECORDING_UNAVAILABLE');
  }
  return recording;
}

export function recordingRoutes(deps: RouteDeps): ApiRoute[] {
  const known = ({ deviceId, channelId }: ChannelP) => {
    const channels = deps.services.listChannels(deviceId);
    if (!channels) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    if (!channels.some((c) => c.channelId === channelId)) {
      throw new GatewayError('GW_ERR_CHANNEL_NOT_FOUND', `device ${deviceId} has no channel ${channelId}`);
    }
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels/:channelId/recording-plan',
      summary: "The channel's cloud-recording plan and what the recorder does now",
      auth: 'bearer',
      params: ChannelParams,
      response: RecordingPlanBody,
      handler: ({ params }) => {
        const p = params as ChannelP;
        const recording = require(deps.recording);
        known(p);
        return recording.getPlan(p.deviceId, p.channelId);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/devices/:deviceId/channels/:channelId/recording-plan',
      summary: 'Set the channel recording plan (off, always, schedule, alarm); takes effect at once',
      auth: 'bearer',
      params: ChannelParams,
      body: PlanInput,
      response: RecordingPlanBody,
      handler: ({ params, body }) => {
        const p = params as ChannelP;
        const recording = require(deps.recording);
        known(p);
        return recording.setPlan(p.deviceId, p.channelId, body as RecordingPlan);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/cloud-playback',
      summary: 'An HLS VOD playlist of the cloud recordings in a range (byte ranges of the stored files)',
      auth: 'bearer',
      params: ChannelParams,
      body: z
        .strictObject({ start: IsoTime, end: IsoTime })
        .refine((b) => b.end > b.start, 'end must be after start'),
      response: z.object({ hls: z.string().describe('VOD playlist URL with a signed token') }),
      handler: ({ params, body }) => {
        const p = params as ChannelP;
        require(deps.recording);
        known(p);
        const b = body as { start: Date; end: Date };
        const q = `start=${encodeURIComponent(b.start.toISOString())}&end=${encodeURIComponent(b.end.toISOString())}`;
        const token = deps.signMedia(`cloud:${p.deviceId}_${p.channelId}`);
        return {
          hls: `/api/devices/${p.deviceId}/channels/${p.channelId}/cloud/index.m3u8?${q}&token=${token}`,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/downloads',
      summary:
        'Download device recordings of a range (s=Download, a=downloadspeed) into an MP4 on the gateway',
      auth: 'bearer',
      params: ChannelParams,
      body: z
        .strictObject({ start: IsoTime, end: IsoTime, speed: z.number().int().min(1).max(8).default(4) })
        .refine((b) => b.end > b.start, 'end must be after start')
        .refine((b) => b.end.getTime() - b.start.getTime() <= 24 * 3600 * 1000, 'at most 24 hours'),
      response: z.object({ downloadId: z.string() }),
      handler: async ({ params, body }) => {
        const p = params as ChannelP;
        if (!deps.downloads) {
          throw new GatewayError('GW_ERR_RECORDING_UNAVAILABLE', 'downloads are not served by this process');
        }
        known(p);
        const b = body as { start: Date; end: Date; speed: number };
        return deps.downloads.start(p.deviceId, p.channelId, b.start, b.end, b.speed);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/downloads/:downloadId',
      summary: 'A download: state, progress (media time against the range, 0-1), bytes',
      auth: 'bearer',
      params: z.object({ downloadId: z.string().regex(/^[0-9a-f]{16}$/, 'not a download ID') }),
      response: z.object({
        downloadId: z.string(),
        state: z.enum(['running', 'done', 'failed']),
        progress: z.number().min(0).max(1),
        bytes: z.number().int().min(0),
        mediaSeconds: z.number().min(0),
        error: z.string().optional(),
      }),
      handler: ({ params }) => {
        const { downloadId } = params as { downloadId: string };
        const d = deps.downloads?.get(downloadId);
        if (!d) {
          throw new GatewayError('GW_ERR_DOWNLOAD_NOT_FOUND', `no download ${downloadId}`);
        }
        return d;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/recordings',
      summary: 'Cloud recordings overlapping a time range, oldest first',
      auth: 'bearer',
      query: ListQuery,
      response: z.array(RecordingBody),
      handler: ({ query }) => require(deps.recording).list(query),
    }),
  ];
}
