// GB/T 28181 times: local wall-clock text without a zone, converted to and from epoch time in
// the device's time zone (docs/gb28181.md §0 "Date/time in XML", §1.4, §7.4).
//
// - XML (RecordInfo, DeviceTime, AlarmTime): `YYYY-MM-DDTHH:MM:SS`; also accepted: a fractional
//   part and a `+08:00`/`Z` suffix (Unisinsight, wvp PR #1336), and a space for `T` (ISO
//   variants in MobilePosition, wvp PR #876).
// - REGISTER 200 `Date` header (time sync): `YYYY-MM-DDTHH:MM:SS.mmm`, local, no zone; not RFC 1123.
// - SDP `t=` of playback/download: Unix seconds of the device's local wall clock; a UTC server
//   converting naively is 8 h off for China (docs/gb28181.md §13 trap 7).
// Zone offsets come from Intl.DateTimeFormat, so any IANA zone works without a dependency.
import { fail, ok, GbErrorCode, type GbResult } from './errors.js';

/** A local wall-clock instant without a zone. month 1-12, millisecond 0-999. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export interface GbDateTime extends WallClock {
  /** Minutes east of UTC when the text carried a zone suffix (+08:00 → 480, Z → 0). */
  offsetMinutes?: number;
}

/** Devices in the field run on China Standard Time unless configured otherwise. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses any of the accepted XML/SIP forms; rejects impossible dates (2025-02-30). */
export function parseGbDateTime(text: string): GbResult<GbDateTime> {
  const m = DATE_TIME_RE.exec(text.trim());
  if (!m) {
    return fail(GbErrorCode.BAD_TIME, `"${text.slice(0, 40)}"`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millisecond = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return fail(GbErrorCode.BAD_TIME, `out of range "${text.slice(0, 40)}"`);
  }
  const out: GbDateTime = { year, month, day, hour, minute, second, millisecond };
  const zone = m[8];
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') {
      out.offsetMinutes = 0;
    } else {
      const digits = zone.slice(1).replace(':', '');
      const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
      if (minutes > 14 * 60 || Number(digits.slice(2)) > 59) {
        return fail(GbErrorCode.BAD_TIME, `zone ${zone}`);
      }
      out.offsetMinutes = zone.startsWith('-') ? -minutes : minutes;
    }
  }
  return ok(out);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DDTHH:MM:SS`, the form of every MANSCDP time element. */
export function formatGbDateTime(w: WallClock): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** `YYYY-MM-DDTHH:MM:SS.mmm`, the REGISTER 200 `Date` header (GB/T 28181 §9.1.2.1 time sync). */
export function formatSipDate(w: WallClock): string {
  return `${formatGbDateTime(w)}.${pad(w.millisecond, 3)}`;
}

// ---- time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the IANA zone name (check configuration with this; others throw). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `epochMs` in `timeZone`. Throws RangeError on an unknown zone (configuration error). */
export function wallClockAt(epochMs: number, timeZone: string = DEFAULT_TIME_ZONE): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') {
      parts[p.type] = Number(p.value);
    }
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
    millisecond: ((epochMs % 1000) + 1000) % 1000,
  };
}

function wallAsUtcMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (Asia/Shanghai: +28 800 000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  // formatToParts costs tens of µs, and every alarm and position time needs two offsets. Since
  // 1973 every zone's offsets and transitions fall on whole minutes (tzdata), so the offset of a
  // UTC minute holds for each instant in it; earlier instants (LMT offsets in seconds) are not cached.
  const minute = Math.floor(epochMs / 60_000);
  const cacheable = epochMs >= CACHE_FROM_MS;
  let zone = offsetCache.get(timeZone);
  const cached = cacheable ? zone?.get(minute) : undefined;
  if (cached !== undefined) {
    return cached;
  }
  const second = Math.floor(epochMs / 1000) * 1000;
  const offset = wallAsUtcMs({ ...wallClockAt(second, timeZone), millisecond: 0 }) - second;
  if (cacheable) {
    if (!zone || zone.size >= OFFSET_CACHE_MINUTES) {
      zone = new Map();
      offsetCache.set(timeZone, zone);
    }
    zone.set(minute, offset);
  }
  return offset;
}

const CACHE_FROM_MS = Date.UTC(1973, 0, 1);
/** Minutes remembered per zone; reports carry times near now, so a few are in use at once. */
const OFFSET_CACHE_MINUTES = 256;
const offsetCache = new Map<string, Map<number, number>>();

/**
 * Epoch ms of a wall-clock time. An explicit `offsetMinutes` wins over `timeZone`. In a DST
 * gap or overlap the result is one of the candidate instants (China has no DST).
 */
export function epochMsOf(w: GbDateTime, timeZone: string = DEFAULT_TIME_ZONE): number {
  const asUtc = wallAsUtcMs(w);
  if (w.offsetMinutes !== undefined) {
    return asUtc - w.offsetMinutes * 60_000;
  }
  const first = zoneOffsetMs(asUtc, timeZone);
  const second = zoneOffsetMs(asUtc - first, timeZone);
  return asUtc - second;
}

/** Parses an XML time and converts it to Unix seconds in the device's zone (SDP `t=`). */
export function gbTimeToEpochSeconds(text: string, timeZone: string = DEFAULT_TIME_ZONE): GbResult<number> {
  const parsed = parseGbDateTime(text);
  return parsed.ok ? ok(Math.floor(epochMsOf(parsed.value, timeZone) / 1000)) : parsed;
}

/** Unix seconds → `YYYY-MM-DDTHH:MM:SS` in the device's zone (reading an offer's `t=`). */
export function epochSecondsToGbTime(seconds: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return formatGbDateTime(wallClockAt(seconds * 1000, timeZone));
}

/** The `Date` header value for a REGISTER 200 at `epochMs`. */
export function sipDateHeader(epochMs: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return formatSipDate(wallClockAt(epochMs, timeZone));
}
