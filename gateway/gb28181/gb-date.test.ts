import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from './errors.js';
import {
  epochMsOf,
  epochSecondsToGbTime,
  formatGbDateTime,
  gbTimeToEpochSeconds,
  isValidTimeZone,
  parseGbDateTime,
  sipDateHeader,
  wallClockAt,
  zoneOffsetMs,
} from './gb-date.js';

test('XML times: plain, fractional, +08:00 and Z suffixes (Unisinsight, wvp PR #1336), space separator', () => {
  assert.deepEqual(parseGbDateTime('2025-04-18T10:23:02'), {
    ok: true,
    value: { year: 2025, month: 4, day: 18, hour: 10, minute: 23, second: 2, millisecond: 0 },
  });
  assert.deepEqual(parseGbDateTime('2025-04-22T10:48:38.234'), {
    ok: true,
    value: { year: 2025, month: 4, day: 22, hour: 10, minute: 48, second: 38, millisecond: 234 },
  });
  const zoned = parseGbDateTime('2025-04-18T10:30:00.5+08:00');
  assert.ok(zoned.ok);
  assert.equal(zoned.value.millisecond, 500);
  assert.equal(zoned.value.offsetMinutes, 480);
  const z = parseGbDateTime('2025-04-18T02:30:00Z');
  assert.ok(z.ok && z.value.offsetMinutes === 0);
  const neg = parseGbDateTime('2025-04-18T02:30:00-0530');
  assert.ok(neg.ok && neg.value.offsetMinutes === -330);
  assert.ok(parseGbDateTime('2025-04-22 11:30:00').ok);
});

test('impossible or malformed times are errors', () => {
  for (const bad of [
    '2025-02-29T00:00:00',
    '2024-13-01T00:00:00',
    '2025-04-18T24:00:00',
    '2025-04-18',
    '20250418T103000',
    '2025-04-18T10:30:00+15:00',
    '',
  ]) {
    const r = parseGbDateTime(bad);
    assert.equal(r.ok ? 'ok' : r.error, GbErrorCode.BAD_TIME, bad);
  }
  assert.ok(parseGbDateTime('2024-02-29T00:00:00').ok); // leap year
});

test('wall clock ↔ epoch in the device zone: 2025-04-18 10:30:00 Asia/Shanghai = 1744943400', () => {
  assert.deepEqual(gbTimeToEpochSeconds('2025-04-18T10:30:00'), { ok: true, value: 1744943400 });
  assert.deepEqual(gbTimeToEpochSeconds('2025-04-18T10:30:00', 'UTC'), { ok: true, value: 1744972200 });
  assert.deepEqual(gbTimeToEpochSeconds('2025-04-18T10:30:00+08:00', 'UTC'), { ok: true, value: 1744943400 });
  assert.equal(epochSecondsToGbTime(1744943400), '2025-04-18T10:30:00');
  assert.equal(epochSecondsToGbTime(1744943400, 'UTC'), '2025-04-18T02:30:00');
  assert.equal(zoneOffsetMs(1744943400000, 'Asia/Shanghai'), 8 * 3600 * 1000);
});

test('zones with DST convert both ways (Europe/Berlin summer and winter)', () => {
  const summer = gbTimeToEpochSeconds('2025-07-01T12:00:00', 'Europe/Berlin');
  assert.deepEqual(summer, { ok: true, value: Date.UTC(2025, 6, 1, 10) / 1000 });
  const winter = gbTimeToEpochSeconds('2025-01-01T12:00:00', 'Europe/Berlin');
  assert.deepEqual(winter, { ok: true, value: Date.UTC(2025, 0, 1, 11) / 1000 });
  assert.equal(epochSecondsToGbTime(Date.UTC(2025, 6, 1, 10) / 1000, 'Europe/Berlin'), '2025-07-01T12:00:00');
});

test('REGISTER 200 Date header is YYYY-MM-DDTHH:MM:SS.mmm local time (docs/gb28181.md §1.4)', () => {
  const ms = Date.UTC(2025, 3, 22, 2, 48, 38, 234);
  assert.equal(sipDateHeader(ms), '2025-04-22T10:48:38.234');
  assert.equal(sipDateHeader(ms, 'UTC'), '2025-04-22T02:48:38.234');
  const parsed = parseGbDateTime('2025-04-22T10:48:38.234');
  assert.ok(parsed.ok);
  assert.equal(epochMsOf(parsed.value), ms);
  assert.deepEqual(wallClockAt(ms), {
    year: 2025,
    month: 4,
    day: 22,
    hour: 10,
    minute: 48,
    second: 38,
    millisecond: 234,
  });
  assert.equal(formatGbDateTime(wallClockAt(ms)), '2025-04-22T10:48:38');
});

test('time zone names are checked without throwing', () => {
  assert.equal(isValidTimeZone('Asia/Shanghai'), true);
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
});

/** The offset straight from Intl, uncached: what zoneOffsetMs must equal at every instant. */
function referenceOffsetMs(epochMs: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(
    f
      .formatToParts(new Date(epochMs))
      .filter((x) => x.type !== 'literal')
      .map((x) => [x.type, Number(x.value)]),
  );
  const second = Math.floor(epochMs / 1000) * 1000;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - second;
}

test("zoneOffsetMs: the per-minute cache gives Intl's offset on both sides of every 2024 transition, also on the second call", () => {
  // Lord Howe moves by 30 minutes at 02:00 local (15:30 UTC), Kathmandu is +05:45: transitions and
  // offsets that an hour-keyed cache would get wrong.
  const zones = [
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Asia/Shanghai',
  ];
  let transitions = 0;
  for (const zone of zones) {
    const start = Date.UTC(2024, 0, 1);
    for (let t = start; t < Date.UTC(2025, 0, 1); t += 3_600_000) {
      if (referenceOffsetMs(t, zone) === referenceOffsetMs(t + 3_600_000, zone)) {
        continue;
      }
      // The exact second of the change, by bisection.
      let lo = t;
      let hi = t + 3_600_000;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (referenceOffsetMs(mid, zone) === referenceOffsetMs(lo, zone)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      transitions++;
      for (const at of [hi - 61_000, hi - 1000, hi - 1, hi, hi + 1, hi + 999, hi + 59_000, hi + 61_000]) {
        for (let call = 0; call < 2; call++) {
          assert.equal(
            zoneOffsetMs(at, zone),
            referenceOffsetMs(at, zone),
            `${zone} at ${new Date(at).toISOString()}`,
          );
        }
      }
    }
  }
  assert.equal(transitions, 6, 'New York, London and Lord Howe change twice in 2024');
  // Before 1973 offsets in seconds existed (LMT): computed, not cached.
  const lmt = Date.UTC(1900, 0, 1, 12, 0, 30);
  assert.equal(zoneOffsetMs(lmt, 'Asia/Shanghai'), referenceOffsetMs(lmt, 'Asia/Shanghai'));
  assert.equal(zoneOffsetMs(lmt + 20_000, 'Asia/Shanghai'), referenceOffsetMs(lmt + 20_000, 'Asia/Shanghai'));
});
