// Alarm and MobilePosition notifications as the gateway stores them (docs/gb28181.md §9,
// docs/events.md §2-§3): text fields read as numbers where they are numbers, the device's
// wall-clock time converted in the configured zone, and nothing invented. A field the device
// left out or could not fill is null; a coordinate of 0 stays 0 (what it sent); an unreadable
// number (`E117.2`, `abc`) is null rather than a guess. Pure.
import type { AlarmInput, PositionInput } from '../../views/events.js';
import { epochMsOf, parseGbDateTime } from '../gb-date.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** A decimal number as written, or null (absent, empty, or not a plain decimal). */
export function decimalOrNull(text: string | undefined): number | null {
  const t = text?.trim();
  if (!t || !DECIMAL_RE.test(t)) {
    return null;
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A GB time (docs/gb28181.md §0 "Date/time in XML") as ISO 8601, or null when absent or unreadable. */
export function gbTimeOrNull(text: string | undefined, timeZone: string): string | null {
  if (!text?.trim()) {
    return null;
  }
  const parsed = parseGbDateTime(text);
  return parsed.ok ? new Date(epochMsOf(parsed.value, timeZone)).toISOString() : null;
}

const text = (s: string | undefined): string | null => (s?.trim() ? s.trim() : null);

export function alarmInputOf(
  m: AlarmNotify,
  deviceId: string,
  timeZone: string,
  receivedAt: string,
): AlarmInput {
  return {
    deviceId,
    channelId: m.deviceId,
    sn: m.sn,
    priority: m.alarmPriority ?? null,
    method: m.alarmMethod ?? null,
    type: m.alarmType ?? null,
    time: gbTimeOrNull(m.alarmTime, timeZone),
    description: text(m.alarmDescription),
    longitude: decimalOrNull(m.longitude),
    latitude: decimalOrNull(m.latitude),
    receivedAt,
  };
}

export function positionInputOf(
  m: MobilePositionNotify,
  deviceId: string,
  timeZone: string,
  receivedAt: string,
): PositionInput {
  return {
    deviceId,
    channelId: m.deviceId,
    time: gbTimeOrNull(m.time, timeZone),
    longitude: decimalOrNull(m.longitude),
    latitude: decimalOrNull(m.latitude),
    speed: decimalOrNull(m.speed),
    direction: decimalOrNull(m.direction),
    altitude: decimalOrNull(m.altitude),
    receivedAt,
  };
}
