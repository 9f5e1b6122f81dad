// Weekly schedule ranges of a recording plan, read in the gateway's time zone (--timezone, the
// devices' zone): a range {day, start, end} covers [start, end) of that weekday.
import type { ScheduleRange } from '../store/recording-store.js';

const DAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inSchedule(ranges: readonly ScheduleRange[], nowMs: number, timeZone: string): boolean {
  const parts = Object.fromEntries(
    format(timeZone)
      .formatToParts(new Date(nowMs))
      .map((p) => [p.type, p.value]),
  );
  const day = DAYS[parts.weekday];
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return ranges.some((r) => r.day === day && minute >= minutesOf(r.start) && minute < minutesOf(r.end));
}
