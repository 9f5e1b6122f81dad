// Success bodies of the events routes (docs/api.md "Events"), as zod schemas tied to their view
// types by `satisfies`; /openapi.json describes the answers from them and, under test, every
// answer is checked against them (app.ts). Field names are a contract (contracts: Second wave).
import { z } from 'zod';
import type {
  AlarmView,
  ControlAnswer,
  PositionView,
  SubscriptionDefaults,
  SubscriptionView,
  WebhookView,
} from '../views/events.js';

const GbId = z.string().regex(/^\d{20}$/);
const Time = z.string().describe('ISO 8601 time with offset');
const num = z.number().nullable();
const EventTypeSchema = z.enum(['alarm', 'device', 'channel', 'position', 'stream', 'recording']);
const SubscriptionEventSchema = z.enum(['alarm', 'mobile-position', 'catalog']);

export const AlarmBody = z.object({
  alarmId: z.string(),
  deviceId: GbId,
  channelId: z.string(),
  priority: z.number().int().nullable(),
  method: z.number().int().nullable(),
  type: z.number().int().nullable(),
  time: Time.nullable(),
  description: z.string().nullable(),
  longitude: num,
  latitude: num,
  acknowledged: z.boolean(),
  receivedAt: Time,
  sn: z.string(),
  acknowledgedAt: Time.nullable(),
}) satisfies z.ZodType<AlarmView>;

export const PositionBody = z.object({
  deviceId: GbId,
  channelId: z.string(),
  time: Time.nullable(),
  longitude: num,
  latitude: num,
  speed: num,
  direction: num,
  altitude: num,
  receivedAt: Time,
}) satisfies z.ZodType<PositionView>;

/** RFC 7946 Feature with a LineString of [longitude, latitude] pairs (reports without coordinates left out). */
export const TrackFeatureBody = z.object({
  type: z.literal('Feature'),
  geometry: z.object({
    type: z.literal('LineString'),
    coordinates: z.array(z.tuple([z.number(), z.number()])),
  }),
  properties: z.object({
    deviceId: GbId,
    channelId: z.string(),
    start: Time,
    end: Time,
    /** The report time of each coordinate, in the same order. */
    times: z.array(Time),
    /** Reports in the range, with and without coordinates. */
    reports: z.number().int().min(0),
  }),
});

export const SubscriptionBody = z.object({
  subscriptionId: z.string(),
  deviceId: GbId,
  event: SubscriptionEventSchema,
  expires: z.number().int(),
  interval: z.number().int().nullable(),
  state: z.enum(['pending', 'active', 'retrying', 'failed']),
  expiresAt: Time.nullable(),
  auto: z.boolean(),
  lastError: z.string().nullable(),
  notifications: z.number().int().min(0),
  createdAt: Time,
}) satisfies z.ZodType<SubscriptionView>;

export const SubscriptionDefaultsBody = z.object({
  deviceId: GbId,
  events: z.array(SubscriptionEventSchema).nullable(),
  effective: z.array(SubscriptionEventSchema),
}) satisfies z.ZodType<SubscriptionDefaults>;

export const ControlAnswerBody = z.object({
  ok: z.literal(true),
  result: z
    .literal('OK')
    .nullable()
    .describe("'OK' when the device confirmed with its Response; null when only SIP 200 came"),
}) satisfies z.ZodType<ControlAnswer>;

export const WebhookBody = z.object({
  webhookId: z.string(),
  url: z.string(),
  events: z.array(EventTypeSchema),
  signed: z.boolean(),
  createdAt: Time,
  delivery: z.object({
    queued: z.number().int().min(0),
    delivered: z.number().int().min(0),
    failed: z.number().int().min(0),
    deadLetters: z.number().int().min(0),
    lastError: z.string().nullable(),
  }),
}) satisfies z.ZodType<WebhookView>;

export const EventsTokenBody = z.object({
  token: z.string(),
  expiresAt: Time,
  url: z.string().describe('GET this for the event stream without a bearer header (EventSource)'),
});
