import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inSchedule } from './schedule.js';

// 2026-12-07 is a Monday (day 1). 01:30 UTC is 09:30 in Asia/Shanghai (UTC+8, no DST).
const MON_0130_UTC = Date.UTC(2026, 11, 7, 1, 30);

test('weekly ranges are read in the given zone, start included, end excluded', () => {
  const workHours = [{ day: 1, start: '09:00', end: '18:00' }];
  assert.equal(inSchedule(workHours, MON_0130_UTC, 'Asia/Shanghai'), true);
  assert.equal(inSchedule(workHours, MON_0130_UTC, 'UTC'), false, '01:30 in UTC');
  assert.equal(inSchedule([{ day: 1, start: '09:30', end: '10:00' }], MON_0130_UTC, 'Asia/Shanghai'), true);
  assert.equal(inSchedule([{ day: 1, start: '09:00', end: '09:30' }], MON_0130_UTC, 'Asia/Shanghai'), false);
  assert.equal(
    inSchedule([{ day: 2, start: '00:00', end: '24:00' }], MON_0130_UTC, 'Asia/Shanghai'),
    false,
    'Tuesday',
  );
  // Sunday 23:59 in Shanghai is Sunday 15:59 UTC; a whole-day range covers it.
  assert.equal(
    inSchedule([{ day: 0, start: '00:00', end: '24:00' }], Date.UTC(2026, 11, 6, 15, 59), 'Asia/Shanghai'),
    true,
  );
  assert.equal(inSchedule([], MON_0130_UTC, 'UTC'), false);
});
