// The success bodies of the JSON API as zod schemas: /openapi.json describes each route's answer
// from them, and under test every answer is checked against its schema before it leaves
// (app.ts), so the document cannot drift from what the gateway sends. Each schema is tied to
// the view type it describes by `satisfies`, so a change to a view that the schema does not
// follow fails to compile. Field names are a contract (docs/api.md).
import { z } from 'zod';
import type {
  ChannelView,
  DeviceDetail,
  DeviceView,
  Diagnosis,
  RecordItem,
  StreamView,
} from '../views/services.js';
import type { SharedItemView, UpperPlatformDetail, UpperPlatformView } from '../views/cascade-services.js';
import type { BasicParamView, PresetView, PtzPositionView } from '../views/control.js';
import { ShareSchema } from '../views/upper-platform-config.js';
import type { DeviceSettings } from '../store/device-store.js';
import { CHARSET_SETTINGS, GB_EDITIONS, LIVE_STREAMS, STREAM_SELECTIONS } from '../device-settings.js';
import type { LimitsView } from '../views/limits.js';

const GbId = z.string().regex(/^\d{20}$/);
/** ISO 8601 with an offset, as the API writes times. */
const Time = z.string().describe('ISO 8601 time with offset');
const nullable = <T extends z.ZodType>(s: T) => s.nullable();

export const OkBody = z.object({ ok: z.literal(true) });

export const HealthBody = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptimeSec: z.number().int().min(0),
});

const SipTransport = z.enum(['udp', 'tcp']);
export const MediaTransport = z.enum(['udp', 'tcp-passive', 'tcp-active']);

export const DeviceViewBody = z.object({
  deviceId: GbId,
  name: nullable(z.string()),
  manufacturer: nullable(z.string()),
  model: nullable(z.string()),
  transport: SipTransport,
  remoteAddress: nullable(z.string()),
  online: z.boolean(),
  registeredAt: nullable(Time),
  lastKeepaliveAt: nullable(Time),
  channelCount: z.number().int().min(0),
}) satisfies z.ZodType<DeviceView>;

export const LiveStreamName = z.enum(LIVE_STREAMS);

export const DeviceSettingsBody = z.object({
  charset: z.enum(CHARSET_SETTINGS),
  transport: nullable(MediaTransport),
  mediaIp: nullable(z.string()),
  defaultStream: LiveStreamName,
  streamSelection: z.enum(STREAM_SELECTIONS),
  gbVersion: nullable(z.enum(GB_EDITIONS)),
  heartbeatIntervalSec: nullable(z.number().int()),
  heartbeatCount: nullable(z.number().int()),
  ownPassword: z.boolean(),
}) satisfies z.ZodType<DeviceSettings>;

export const DeviceDetailBody = DeviceViewBody.extend({
  firmware: nullable(z.string()),
  mediaTransport: nullable(MediaTransport),
  info: z.record(z.string(), z.string()).optional(),
  status: z.record(z.string(), z.string()).optional(),
  settings: DeviceSettingsBody,
}) satisfies z.ZodType<DeviceDetail>;

export const CatalogSyncBody = z.object({
  channelCount: z.number().int().min(0),
  complete: z.boolean(),
});

export const ChannelViewBody = z.object({
  channelId: GbId,
  name: nullable(z.string()),
  manufacturer: nullable(z.string()),
  model: nullable(z.string()),
  parentId: nullable(z.string()),
  civilCode: nullable(z.string()),
  businessGroupId: nullable(z.string()),
  address: nullable(z.string()),
  status: z.enum(['ON', 'OFF']),
  longitude: nullable(z.string()),
  latitude: nullable(z.string()),
  ptzType: nullable(z.string()),
  parental: z.boolean(),
}) satisfies z.ZodType<ChannelView>;

const Codec = z.object({ video: nullable(z.string()), audio: nullable(z.string()) });

export const PlayAnswerBody = z.object({
  streamId: z.string(),
  whep: z.string().describe('WHEP URL with a signed media token'),
  hls: z.string().describe('HLS playlist URL with a signed media token'),
  codec: Codec,
  transport: MediaTransport,
  stream: nullable(LiveStreamName).describe('live: the encoder stream asked for'),
  answeredStream: nullable(LiveStreamName).describe(
    "live: the stream the device's answer names; null when it names none",
  ),
});

export const StreamViewBody = z.object({
  streamId: z.string(),
  deviceId: GbId,
  channelId: GbId,
  kind: z.enum(['live', 'playback', 'download']),
  transport: MediaTransport,
  codec: Codec,
  width: nullable(z.number().int()),
  height: nullable(z.number().int()),
  fps: nullable(z.number()),
  bitrateKbps: nullable(z.number()),
  packetsLost: z.number().int().min(0),
  viewers: z.object({ webrtc: z.number().int().min(0), hls: z.number().int().min(0) }),
  startedAt: nullable(Time),
  state: z.enum(['starting', 'live', 'closed']),
  stream: nullable(LiveStreamName),
  answeredStream: nullable(LiveStreamName),
}) satisfies z.ZodType<StreamView>;

export const RecordItemBody = z.object({
  start: Time,
  end: Time,
  name: nullable(z.string()),
  filePath: nullable(z.string()),
  type: nullable(z.string()),
  secrecy: nullable(z.string()),
}) satisfies z.ZodType<RecordItem>;

export const DiagnosisBody = z.object({
  streamId: z.string(),
  ok: z.boolean(),
  steps: z.array(z.object({ at: Time, step: z.string(), detail: z.string().optional() })),
  cause: nullable(z.string()),
}) satisfies z.ZodType<Diagnosis>;

const UpperStatus = z.object({
  state: z.string(),
  online: z.boolean(),
  lastError: nullable(z.string()),
  registeredAt: nullable(Time),
  lastKeepaliveAt: nullable(Time),
  keepalive: z.object({ sent: z.number().int(), answered: z.number().int(), missed: z.number().int() }),
  streams: z.number().int(),
  catalogSubscriptions: z.number().int(),
  notifications: z.object({ sent: z.number().int(), failed: z.number().int() }),
});

export const UpperPlatformViewBody = z.object({
  id: GbId,
  name: nullable(z.string()),
  realm: z.string(),
  host: z.string(),
  port: z.number().int(),
  transport: SipTransport,
  localId: GbId,
  keepaliveIntervalSec: z.number().int(),
  keepaliveMaxMisses: z.number().int(),
  expiresSec: z.number().int(),
  registerTimeoutSec: z.number().int(),
  charset: z.enum(['GB2312', 'GBK', 'GB18030', 'UTF-8']),
  enabled: z.boolean(),
  shareCount: z.number().int(),
  channelCount: z.number().int(),
  status: UpperStatus,
}) satisfies z.ZodType<UpperPlatformView>;

const SharedItem = z.object({
  channelId: GbId,
  name: z.string(),
  parentId: nullable(z.string()),
  businessGroupId: nullable(z.string()),
  directory: z.boolean(),
  online: z.boolean(),
  source: nullable(z.object({ deviceId: GbId, channelId: GbId })),
}) satisfies z.ZodType<SharedItemView>;

export const SharesBody = z.object({ shares: z.array(ShareSchema), catalog: z.array(SharedItem) });

export const UpperPlatformDetailBody = UpperPlatformViewBody.extend(
  SharesBody.shape,
) satisfies z.ZodType<UpperPlatformDetail>;

export const RevocationBody = z.object({
  scope: z.enum(['all', 'channel']),
  revokedAt: Time.describe('URLs issued up to this moment no longer work'),
  sessionsEnded: z.number().int().min(0).describe('WHEP sessions ended because their URL was revoked'),
});

// ---- control and device management

export const PresetsBody = z.object({
  presets: z.array(
    z.object({
      index: z.number().int().min(1).max(255),
      name: nullable(z.string()),
    }) satisfies z.ZodType<PresetView>,
  ),
});

export const PtzPositionBody = z.object({
  pan: nullable(z.number()),
  tilt: nullable(z.number()),
  zoom: nullable(z.number()),
  horizontalFieldAngle: nullable(z.number()),
  verticalFieldAngle: nullable(z.number()),
  maxViewDistance: nullable(z.number()),
}) satisfies z.ZodType<PtzPositionView>;

export const BasicParamViewBody = z.object({
  type: z.literal('BasicParam'),
  name: nullable(z.string()),
  expiration: nullable(z.number().int()),
  heartbeatInterval: nullable(z.number().int()),
  heartbeatCount: nullable(z.number().int()),
  sipServerId: nullable(z.string()),
  sipServerIp: nullable(z.string()),
  sipServerPort: nullable(z.number().int()),
  domainName: nullable(z.string()),
}) satisfies z.ZodType<BasicParamView>;

const Count = z.number().int().min(0);
const ConnectionLimitsBody = z.object({
  maxConnections: Count,
  maxPerClient: Count,
  open: Count,
  refused: z.object({ total: Count, 'per-client': Count, 'evicted-idle': Count, 'idle-timeout': Count }),
});
const RateBody = z.object({ perSecond: z.number().positive(), burst: z.number().min(1), limited: Count });

export const LimitsBody = z
  .object({
    openFiles: z.object({ soft: nullable(Count), hard: nullable(Count) }),
    http: ConnectionLimitsBody.extend({ headersTimeoutSec: Count, requestTimeoutSec: Count }),
    sipTcp: ConnectionLimitsBody.extend({ idleTimeoutSec: Count }),
    rates: z.object({ api: RateBody, media: RateBody, static: RateBody }),
    trustedProxies: Count,
    webrtc: z.object({
      maxViewers: Count,
      maxViewersPerStream: Count,
      maxPendingPerStream: Count,
      maxPendingPerClient: Count,
      connectTimeoutSec: z.number().positive(),
      viewers: Count,
      pending: Count,
      refused: z.object({
        total: Count,
        'per-stream': Count,
        'pending-per-stream': Count,
        'pending-per-client': Count,
        ports: Count,
      }),
    }),
  })
  .describe(
    'The limits that protect the gateway, and how often each refused something',
  ) satisfies z.ZodType<LimitsView>;
