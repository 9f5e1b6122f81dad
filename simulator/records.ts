// Synthetic recordings for RecordInfo (docs/gb28181.md §6): each channel has, every hour of every
// device-local day, one segment starting 0-10 min past the hour and lasting 10-50 min. The set is
// a pure function of (channel ID, local date), so the gateway's RecordInfo query and a later
// playback INVITE of the same range agree without any stored state.
import type { LowerRecord, LowerRecordType } from '../gateway/gb28181/lower/backend.js';
import { DEFAULT_TIME_ZONE, epochMsOf, wallClockAt } from '../gateway/gb28181/gb-date.js';
import { hashString, randomInt, seededRandom } from './deterministic.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface RecordGeneratorOptions {
  /** Device-local IANA time zone; days are cut in local time. Default Asia/Shanghai. */
  timeZone?: string;
  /** Recordings end here: nothing in the future exists. Default Date.now. */
  now?: () => number;
  /** Cap on items per query, so a year-long query cannot build millions of items. Default 10000 (docs/gb28181.md §3.2). */
  maxItems?: number;
  /** Average video bit rate used for FileSize. Default 2 Mbit/s. */
  bitrateBps?: number;
}

/** The segments of one local day, oldest first; `dayStartMs` is local midnight as epoch ms. */
export function recordsOfDay(
  channelId: string,
  channelName: string,
  dayStartMs: number,
  localDate: string,
  bitrateBps: number,
): LowerRecord[] {
  const rand = seededRandom(hashString(`${channelId}/${localDate}`));
  const out: LowerRecord[] = [];
  for (let hour = 0; hour < 24; hour++) {
    const startMs =
      dayStartMs + hour * HOUR_MS + randomInt(rand, 0, 10) * MINUTE_MS + randomInt(rand, 0, 59) * 1000;
    const endMs = startMs + randomInt(rand, 10, 50) * MINUTE_MS;
    const roll = rand();
    const type: LowerRecordType = roll < 0.8 ? 'time' : roll < 0.95 ? 'alarm' : 'manual';
    out.push({
      channelId,
      name: channelName,
      startMs,
      endMs,
      type,
      filePath: `${channelId.slice(-4)}_${localDate.replaceAll('-', '')}_${String(hour).padStart(2, '0')}.ps`,
      fileSizeBytes: Math.round((((endMs - startMs) / 1000) * bitrateBps) / 8),
    });
  }
  return out;
}

/** Recordings of one channel overlapping [startMs, endMs], oldest first, cut at `now`. */
export function generateRecords(
  channelId: string,
  channelName: string,
  startMs: number,
  endMs: number,
  opts: RecordGeneratorOptions = {},
): LowerRecord[] {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    return [];
  }
  const timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const now = (opts.now ?? Date.now)();
  const maxItems = opts.maxItems ?? 10_000;
  const bitrateBps = opts.bitrateBps ?? 2_000_000;
  const until = Math.min(endMs, now);
  const out: LowerRecord[] = [];
  // Local days from the one before startMs (its last segment may run past midnight into the
  // range) up to the one holding the end of the range.
  const first = wallClockAt(startMs - DAY_MS, timeZone);
  for (let day = 0; out.length < maxItems; day++) {
    // Date.UTC normalises day overflow (Jan 32 → Feb 1), so this walks the calendar.
    const date = new Date(Date.UTC(first.year, first.month - 1, first.day + day));
    const wall = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 0,
    };
    const dayStart = epochMsOf(wall, timeZone);
    if (dayStart > until) {
      break;
    }
    const localDate = date.toISOString().slice(0, 10);
    for (const r of recordsOfDay(channelId, channelName, dayStart, localDate, bitrateBps)) {
      if (r.endMs <= startMs || r.startMs > until) {
        continue;
      }
      // A segment still being written ends now.
      out.push(
        r.endMs > now
          ? { ...r, endMs: now, fileSizeBytes: Math.round((((now - r.startMs) / 1000) * bitrateBps) / 8) }
          : r,
      );
      if (out.length >= maxItems) {
        break;
      }
    }
  }
  return out;
}
