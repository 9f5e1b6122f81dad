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
