// Input schemas for the HTTP API (zod). IDs stay strings: a 20-digit GB ID is never a number.
import { z } from 'zod';
import { CHARSET_SETTINGS, GB_EDITIONS, LIVE_STREAMS, STREAM_SELECTIONS } from '../device-settings.js';

export const GbId = z.string().regex(/^\d{20}$/, 'must be a 20-digit GB/T 28181 ID');
export const StreamId = z.string().regex(/^[0-9A-Za-z_-]{1,96}$/, 'not a stream ID');

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-](\d{2}):(\d{2}))$/;

/** Days in a month of the proleptic Gregorian calendar (ISO 8601 §4.3.2). */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The calendar fields exist (2026-02-30 does not): JavaScript's Date would roll such a day
 * over into March and the mistake would surface later as a confusing range error.
 */
export function isCalendarTime(text: string): boolean {
  const m = ISO_TIME.exec(text);
  if (!m) {
    return false;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetOk
  );
}

/** ISO 8601 with an explicit offset ("Z" or "+08:00"): a bare local time is ambiguous across zones. */
export const IsoTime = z
  .string()
  .regex(ISO_TIME, 'ISO 8601 time with offset expected')
  .refine(isCalendarTime, 'no such date or time (the day, hour, minute or second does not exist)')
  .transform((s) => new Date(s));

const MAX_RANGE_MS = 24 * 3600 * 1000;

/** Record spans stay within one day: Hikvision IPCs emit invalid XML beyond ~12 h (docs/gb28181.md §6). */
export const TimeRange = z
  .object({ start: IsoTime, end: IsoTime })
  // zod runs object refinements even when a field failed, so check the fields are dates first.
  .refine(
    (r) => !(r.start instanceof Date && r.end instanceof Date) || r.end.getTime() > r.start.getTime(),
    'end must be after start',
  )
  .refine(
    (r) =>
      !(r.start instanceof Date && r.end instanceof Date) ||
      r.end.getTime() - r.start.getTime() <= MAX_RANGE_MS,
    'the range may span at most 24 hours',
  );

export const DeviceParams = z.object({ deviceId: GbId });
export const ChannelParams = z.object({ deviceId: GbId, channelId: GbId });
export const StreamParams = z.object({ streamId: StreamId });

export const PtzBody = z.union([
  z.strictObject({
    command: z.enum([
      'left',
      'right',
      'up',
      'down',
      'upleft',
      'upright',
      'downleft',
      'downright',
      'zoomin',
      'zoomout',
      'stop',
      'focusnear',
      'focusfar',
      'irisopen',
      'irisclose',
      'fistop',
    ]),
    speed: z.number().int().min(0).max(255).default(128),
  }),
  z.strictObject({
    preset: z.enum(['set', 'call', 'delete']),
    index: z.number().int().min(1).max(255),
  }),
]);

export const ControlBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('pause') }),
  z.strictObject({ action: z.literal('resume') }),
  z.strictObject({
    action: z.literal('scale'),
    scale: z.union([z.literal(0.25), z.literal(0.5), z.literal(1), z.literal(2), z.literal(4)]),
  }),
  z.strictObject({ action: z.literal('seek'), position: z.number().min(0).max(86400) }),
]);

// ---- control and device management (docs/api.md "Control and device management")

const Byte = z.number().int().min(0).max(255);
const PresetIndex = z.number().int().min(1).max(255);
/** Cruise and scan speeds and dwell times are 12-bit values (docs/gb28181.md §5.2). */
const Value12 = z.number().int().min(0).max(4095);

/** `live` takes an optional body: the encoder stream (the device's default stream otherwise). */
export const LiveBody = z.strictObject({ stream: z.enum(LIVE_STREAMS).optional() }).optional();

export const CruiseBody = z
  .strictObject({
    action: z.enum(['add', 'delete', 'speed', 'dwell', 'start', 'stop']),
    group: Byte,
    preset: Byte.optional(),
    value: Value12.optional(),
  })
  .refine((b) => b.action !== 'add' || (b.preset !== undefined && b.preset >= 1), 'add needs preset 1-255')
  .refine(
    (b) => !(b.action === 'speed' || b.action === 'dwell') || b.value !== undefined,
    'speed and dwell need value',
  );

export const ScanBody = z
  .strictObject({
    action: z.enum(['start', 'left', 'right', 'speed', 'stop']),
    group: Byte,
    value: Value12.optional(),
  })
  .refine((b) => b.action !== 'speed' || b.value !== undefined, 'speed needs value');

export const AuxBody = z.strictObject({ index: Byte, on: z.boolean() });

const Pixels = z.number().int().min(0).max(65535);
export const DragZoomBody = z.strictObject({
  direction: z.enum(['in', 'out']),
  length: Pixels.min(1),
  width: Pixels.min(1),
  midPointX: Pixels,
  midPointY: Pixels,
  lengthX: Pixels,
  lengthY: Pixels,
});

export const HomePositionBody = z.strictObject({
  enabled: z.boolean(),
  resetTimeSec: z.number().int().min(0).max(86400),
  presetIndex: PresetIndex,
});

export const DeviceRecordingBody = z.strictObject({ action: z.enum(['start', 'stop']) });

export const PtzPreciseBody = z
  .strictObject({
    pan: z.number().min(-360).max(360).optional(),
    tilt: z.number().min(-180).max(180).optional(),
    zoom: z.number().min(0).max(1000).optional(),
  })
  .refine(
    (b) => b.pan !== undefined || b.tilt !== undefined || b.zoom !== undefined,
    'name pan, tilt or zoom',
  );

export const ConfigQuery = z.strictObject({ type: z.literal('BasicParam').default('BasicParam') });

export const BasicParamBody = z
  .strictObject({
    name: z.string().min(1).max(64).optional(),
    expiration: z.number().int().min(60).max(86400).optional(),
    heartbeatInterval: z.number().int().min(5).max(3600).optional(),
    heartbeatCount: z.number().int().min(1).max(100).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'name at least one field');

export const DeviceSettingsBody = z
  .strictObject({
    password: z.string().min(1).max(64).nullable().optional(),
    charset: z.enum(CHARSET_SETTINGS).optional(),
    transport: z.enum(['udp', 'tcp-passive', 'tcp-active']).nullable().optional(),
    mediaIp: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
    defaultStream: z.enum(LIVE_STREAMS).optional(),
    streamSelection: z.enum(STREAM_SELECTIONS).optional(),
    gbVersion: z.enum(GB_EDITIONS).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'name at least one setting');
