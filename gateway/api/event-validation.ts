// Input schemas of the events routes (zod). Query strings arrive as strings (the 'simple' query
// parser): numbers and booleans are read from their text; IDs stay strings.
import { z } from 'zod';
import { EVENT_TYPES, SUBSCRIPTION_EVENTS, type EventType } from '../views/events.js';
import { GbId, IsoTime } from './validation.js';

const intText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'an integer')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `between ${min} and ${max}`);

export const AlarmListQuery = z.strictObject({
  deviceId: GbId.optional(),
  channelId: GbId.optional(),
  since: IsoTime.optional(),
  until: IsoTime.optional(),
  priority: intText(1, 4).optional(),
  type: intText(0, 1000).optional(),
  acknowledged: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: intText(1, 1000).default(100),
  before: z
    .string()
    .regex(/^\d{1,15}$/, 'an alarmId')
    .optional(),
});

export const AlarmParams = z.object({ alarmId: z.string().regex(/^\d{1,15}$/, 'an alarmId') });

/** A track spans at most 7 days; without start/end, the last 24 hours. */
export const TrackQuery = z
  .strictObject({
    start: IsoTime.optional(),
    end: IsoTime.optional(),
    limit: intText(1, 100_000).default(10_000),
  })
  .refine(
    (q) => !(q.start instanceof Date && q.end instanceof Date) || q.end.getTime() > q.start.getTime(),
    'end must be after start',
  )
  .refine(
    (q) =>
      !(q.start instanceof Date && q.end instanceof Date) ||
      q.end.getTime() - q.start.getTime() <= 7 * 86_400_000,
    'the range may span at most 7 days',
  );

export const SubscribeBody = z.strictObject({
  event: z.enum(SUBSCRIPTION_EVENTS as ['alarm', 'mobile-position', 'catalog']),
  expires: z.number().int().min(30).max(86_400).optional(),
  interval: z.number().int().min(1).max(3600).optional(),
});

export const SubscriptionParams = z.object({
  deviceId: GbId,
  subscriptionId: z.string().regex(/^sub_[0-9a-f]{1,32}$/, 'a subscriptionId'),
});

export const SubscriptionDefaultsInput = z.strictObject({
  events: z
    .array(z.enum(SUBSCRIPTION_EVENTS as ['alarm', 'mobile-position', 'catalog']))
    .max(3)
    .nullable(),
});

export const GuardBody = z.strictObject({ armed: z.boolean() });

export const AlarmResetBody = z.strictObject({
  method: z.number().int().min(1).max(7).optional(),
  type: z.number().int().min(1).max(1000).optional(),
});

export const WebhookCreateBody = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z
    .array(z.enum(EVENT_TYPES as [EventType, ...EventType[]]))
    .min(1)
    .max(EVENT_TYPES.length),
  secret: z.string().min(16, 'a secret has at least 16 characters').max(256).optional(),
});

export const WebhookParams = z.object({ webhookId: z.string().regex(/^wh_[0-9a-f]{16}$/, 'a webhookId') });

/** `?types=alarm,position`: a comma list of event types; absent means all. */
export function parseTypes(text: unknown): Set<EventType> | string {
  if (text === undefined || text === '') {
    return new Set(EVENT_TYPES);
  }
  if (typeof text !== 'string') {
    return 'types must be a comma list';
  }
  const out = new Set<EventType>();
  for (const t of text.split(',').map((s) => s.trim())) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      return `unknown event type "${t.slice(0, 32)}" (expected ${EVENT_TYPES.join(', ')})`;
    }
    out.add(t as EventType);
  }
  return out;
}
