// Alarm and MobilePosition bodies as devices send them, read into what the gateway stores
// (docs/events.md §2-§3): GB2312 text, a bare '&', missing optional fields, coordinates as 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { ALARM_NOTIFY, MOBILE_POSITION_NOTIFY } from '../fixtures/reference-bodies.js';
import { parseManscdp } from '../manscdp/codec.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';
import { alarmInputOf, decimalOrNull, gbTimeOrNull, positionInputOf } from './event-reports.js';

const DEVICE = '34020000001180000001';
const TZ = 'Asia/Shanghai';
const AT = '2025-04-22T03:26:03.100Z';

function parsed<K extends 'AlarmNotify' | 'MobilePositionNotify'>(body: Uint8Array | string, kind: K) {
  const r = parseManscdp(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.message.kind, kind);
  return r.value.message as K extends 'AlarmNotify' ? AlarmNotify : MobilePositionNotify;
}

test('the reference alarm: numbers as numbers, AlarmTime read in the device zone', () => {
  const a = alarmInputOf(parsed(ALARM_NOTIFY, 'AlarmNotify'), DEVICE, TZ, AT);
  assert.deepEqual(a, {
    deviceId: DEVICE,
    channelId: '34020000001310000001',
    sn: '99',
    priority: 4,
    method: 5,
    type: 2,
    // 11:26:02 in Shanghai (UTC+8)
    time: '2025-04-22T03:26:02.000Z',
    description: 'motion',
    longitude: 117.2272,
    latitude: 31.8206,
    receivedAt: AT,
  });
});

test('a GB2312 alarm with a bare & in its description and only the required fields (Hikvision)', () => {
  const body = iconv.encode(
    [
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Notify>',
      '<CmdType>Alarm</CmdType>',
      '<SN>17</SN>',
      '<DeviceID>34020000001340000001</DeviceID>',
      '<AlarmPriority>1</AlarmPriority>',
      '<AlarmMethod>2</AlarmMethod>',
      '<AlarmDescription>门磁&红外报警</AlarmDescription>',
      '</Notify>',
      '',
    ].join('\r\n'),
    'gb2312',
  );
  const a = alarmInputOf(parsed(body, 'AlarmNotify'), DEVICE, TZ, AT);
  assert.equal(a.description, '门磁&红外报警');
  assert.equal(a.channelId, '34020000001340000001');
  assert.deepEqual([a.type, a.time, a.longitude, a.latitude], [null, null, null, null]);
});

test('coordinates: absent or empty are null, 0 stays 0, unreadable text is null', () => {
  const withCoords = (lon: string, lat: string) =>
    ALARM_NOTIFY.replace('117.2272', lon).replace('31.8206', lat).replace('<SN>99', '<SN>5');
  assert.deepEqual(
    [
      alarmInputOf(parsed(withCoords('0', '0'), 'AlarmNotify'), DEVICE, TZ, AT),
      alarmInputOf(parsed(withCoords('', ''), 'AlarmNotify'), DEVICE, TZ, AT),
      alarmInputOf(parsed(withCoords('E117.2', '31.8N'), 'AlarmNotify'), DEVICE, TZ, AT),
      alarmInputOf(parsed(withCoords(' -0.5 ', '+12'), 'AlarmNotify'), DEVICE, TZ, AT),
    ].map((a) => [a.longitude, a.latitude]),
    [
      [0, 0],
      [null, null],
      [null, null],
      [-0.5, 12],
    ],
  );
});

test('the reference MobilePosition, and the ISO-8601 variants devices put in Time (wvp #876)', () => {
  const p = positionInputOf(parsed(MOBILE_POSITION_NOTIFY, 'MobilePositionNotify'), DEVICE, TZ, AT);
  assert.deepEqual(p, {
    deviceId: DEVICE,
    channelId: '34020000001310000001',
    time: '2025-04-22T03:30:00.000Z',
    longitude: 117.2272,
    latitude: 31.8206,
    speed: 0,
    direction: 90,
    altitude: 30,
    receivedAt: AT,
  });
  assert.equal(gbTimeOrNull('2025-04-22 11:30:00', TZ), '2025-04-22T03:30:00.000Z');
  assert.equal(gbTimeOrNull('2025-04-22T11:30:00+08:00', TZ), '2025-04-22T03:30:00.000Z');
  assert.equal(gbTimeOrNull('2025-04-22T11:30:00.250', TZ), '2025-04-22T03:30:00.250Z');
  assert.equal(gbTimeOrNull('yesterday', TZ), null);
  assert.equal(gbTimeOrNull('', TZ), null);
});

test('a position without coordinates is kept, with null coordinates rather than 0,0', () => {
  const body = MOBILE_POSITION_NOTIFY.replace('<Longitude>117.2272</Longitude>', '').replace(
    '<Latitude>31.8206</Latitude>',
    '<Latitude></Latitude>',
  );
  const p = positionInputOf(parsed(body, 'MobilePositionNotify'), DEVICE, TZ, AT);
  assert.deepEqual([p.longitude, p.latitude, p.speed], [null, null, 0]);
});

test('decimalOrNull reads plain decimals only', () => {
  assert.deepEqual(
    ['12', '12.', '.5', '-3.25', '1e3', '0x10', 'NaN', 'Infinity', '', undefined, ' 7 '].map(decimalOrNull),
    [12, 12, 0.5, -3.25, null, null, null, null, null, null, 7],
  );
});
