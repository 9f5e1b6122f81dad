import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { GbErrorCode } from '../errors.js';
import * as ref from '../fixtures/reference-bodies.js';
import { buildManscdpXml, encodeManscdp, parseManscdp, type ManscdpMessage } from './codec.js';
import { parseCoordinate } from './catalog.js';
import { ptzMove } from '../ptz.js';

const gb2312 = (text: string): Buffer => iconv.encode(text, 'gb2312');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Parses bytes and returns the message, failing the test on an error result. */
function parse(bytes: Uint8Array | string): ManscdpMessage {
  const r = parseManscdp(bytes);
  assert.ok(r.ok, r.ok ? '' : `${r.error}: ${r.detail}`);
  return r.value.message;
}

const CATALOG_ITEM_1 = {
  deviceId: '34020000001310000001',
  name: 'Gate-1',
  manufacturer: 'Hikvision',
  model: 'IP Camera',
  civilCode: '3402000000',
  parental: 0,
  parentId: '34020000001180000001',
  safetyWay: 0,
  registerWay: 1,
  secrecy: 0,
  status: 'ON',
  longitude: '117.2272',
  latitude: '31.8206',
  info: { ptzType: 1 },
} as const;

test('reference Keepalive parses in GB2312 and UTF-8; builds back byte for byte', () => {
  const expected: ManscdpMessage = {
    kind: 'Keepalive',
    sn: '9',
    deviceId: '34020000001180000001',
    status: 'OK',
    faultyDeviceIds: [],
  };
  assert.deepEqual(parse(gb2312(ref.KEEPALIVE)), expected);
  assert.deepEqual(parse(utf8(ref.KEEPALIVE)), expected);
  assert.equal(buildManscdpXml(expected), ref.KEEPALIVE);
  assert.equal(encodeManscdp(expected).length, 168); // the reference Content-Length
});

test('reference Catalog query and response parse to typed values (placeholders Owner/Address dropped)', () => {
  assert.deepEqual(parse(gb2312(ref.CATALOG_QUERY)), {
    kind: 'CatalogQuery',
    sn: '120417',
    deviceId: '34020000001180000001',
  });
  assert.deepEqual(parse(gb2312(ref.CATALOG_RESPONSE)), {
    kind: 'CatalogResponse',
    sn: '120417',
    deviceId: '34020000001180000001',
    sumNum: 2,
    items: [CATALOG_ITEM_1],
  });
});

test('Catalog query and response build to the reference bytes (711-byte page)', () => {
  assert.equal(
    buildManscdpXml({ kind: 'CatalogQuery', sn: '120417', deviceId: '34020000001180000001' }),
    ref.CATALOG_QUERY,
  );
  const page: ManscdpMessage = {
    kind: 'CatalogResponse',
    sn: '120417',
    deviceId: '34020000001180000001',
    sumNum: 2,
    items: [{ ...CATALOG_ITEM_1, owner: 'Owner', address: 'Address' }],
  };
  assert.equal(buildManscdpXml(page), ref.CATALOG_RESPONSE);
  assert.equal(encodeManscdp(page).length, 711);
});

test('Chinese names survive GB2312 and UTF-8 bodies (大门一号)', () => {
  const text = ref.CATALOG_RESPONSE.replace('<Name>Gate-1</Name>', '<Name>大门一号</Name>').replace(
    '<Address>Address</Address>',
    '<Address>合肥市蜀山区</Address>',
  );
  const bytes = gb2312(text);
  assert.deepEqual(
    [...bytes.subarray(bytes.indexOf('<Name>') + 6, bytes.indexOf('</Name>'))],
    [0xb4, 0xf3, 0xc3, 0xc5, 0xd2, 0xbb, 0xba, 0xc5],
  );
  for (const body of [bytes, utf8(text)]) {
    const m = parse(body);
    assert.equal(m.kind, 'CatalogResponse');
    assert.equal(m.items[0].name, '大门一号');
    assert.equal(m.items[0].address, '合肥市蜀山区');
  }
  const r = parseManscdp(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value.charset, { decodedAs: 'gb18030', declared: 'GB2312', mismatch: false });
  // A reply in the device's charset encodes the name back to the same GB2312 bytes.
  assert.ok(
    encodeManscdp(parse(bytes), 'GB2312').includes(
      Buffer.from([0xb4, 0xf3, 0xc3, 0xc5, 0xd2, 0xbb, 0xba, 0xc5]),
    ),
  );
});

test('IDs and SNs stay exact strings: leading zeros, 20 digits', () => {
  const body = ref.KEEPALIVE.replace('<SN>9</SN>', '<SN>00012</SN>').replace(
    '34020000001180000001',
    '04020000001180000009',
  );
  const m = parse(gb2312(body));
  assert.equal(m.sn, '00012');
  assert.equal(m.kind === 'Keepalive' && m.deviceId, '04020000001180000009');
  const big = parse(ref.KEEPALIVE.replace('<SN>9</SN>', '<SN>98765432109876543210</SN>'));
  assert.equal(big.sn, '98765432109876543210');
});

test('reference Catalog NOTIFY parses; a missing Event reads as ADD, unknown events and ID-less items are skipped', () => {
  assert.deepEqual(parse(gb2312(ref.CATALOG_NOTIFY)), {
    kind: 'CatalogNotify',
    sn: '210',
    deviceId: '34020000001180000001',
    sumNum: 1,
    items: [{ deviceId: '34020000001310000002', event: 'ON' }],
  });
  const odd = ref.CATALOG_NOTIFY.replace(
    '<Item>\r\n<DeviceID>34020000001310000002</DeviceID>\r\n<Event>ON</Event>\r\n</Item>',
    '<Item><DeviceID>34020000001310000002</DeviceID><Name>New</Name></Item>' +
      '<Item><DeviceID>34020000001310000003</DeviceID><Event>vlost</Event></Item>' +
      '<Item><DeviceID>34020000001310000004</DeviceID><Event>MOVE</Event></Item>' +
      '<Item><Event>DEL</Event></Item>',
  );
  const m = parse(odd);
  assert.equal(m.kind, 'CatalogNotify');
  assert.deepEqual(m.items, [
    { deviceId: '34020000001310000002', name: 'New', event: 'ADD' },
    { deviceId: '34020000001310000003', event: 'VLOST' },
  ]);
  assert.equal(m.skippedItems, 2);
  const built: ManscdpMessage = {
    kind: 'CatalogNotify',
    sn: '210',
    deviceId: '34020000001180000001',
    sumNum: 1,
    items: [{ deviceId: '34020000001310000002', event: 'ON' }],
  };
  assert.equal(buildManscdpXml(built), ref.CATALOG_NOTIFY);
});

test('catalog field quirks: Parental 65535 ⇒ 1, Status variants, placeholders, Info fields', () => {
  const item = (inner: string) =>
    `<?xml version="1.0"?><Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000001180000001</DeviceID>` +
    `<SumNum>1</SumNum><DeviceList Num="1"><Item><DeviceID>34020000001310000001</DeviceID>${inner}</Item></DeviceList></Response>`;
  const first = (inner: string) => {
    const m = parse(item(inner));
    assert.equal(m.kind, 'CatalogResponse');
    return m.items[0];
  };
  assert.equal(first('<Parental>65535</Parental>').parental, 1);
  assert.equal(first('<Parental>0</Parental>').parental, 0);
  assert.equal(first('<Status>ONLINE</Status>').status, 'ON');
  assert.equal(first('<Status>OK</Status>').status, 'ON');
  assert.equal(first('<Status>offline</Status>').status, 'OFF');
  assert.equal(first('<Status>BROKEN</Status>').status, undefined);
  assert.deepEqual(
    first(
      '<Owner>Owner</Owner><CivilCode>CivilCode</CivilCode><Manufacturer>Manufacturer</Manufacturer><Name></Name>',
    ),
    {
      deviceId: '34020000001310000001',
    },
  );
  assert.deepEqual(
    first(
      '<Port>70000</Port><Longitude>abc</Longitude><Info><PTZType>x</PTZType><DownloadSpeed>1/2/4</DownloadSpeed></Info>',
    ),
    {
      deviceId: '34020000001310000001',
      longitude: 'abc',
      info: { downloadSpeed: '1/2/4' },
    },
  );
});

test('reference DeviceInfo query/response and DeviceStatus (Alarmstatus) parse and build', () => {
  assert.deepEqual(parse(gb2312(ref.DEVICE_INFO_QUERY)), {
    kind: 'DeviceInfoQuery',
    sn: '120419',
    deviceId: '34020000001180000001',
  });
  const info: ManscdpMessage = {
    kind: 'DeviceInfoResponse',
    sn: '120419',
    deviceId: '34020000001180000001',
    result: 'OK',
    deviceName: 'NVR-Lobby',
    manufacturer: 'Hikvision',
    model: 'DS-7808N',
    firmware: 'V4.30.000',
    channel: 8,
  };
  assert.deepEqual(parse(gb2312(ref.DEVICE_INFO_RESPONSE)), info);
  assert.equal(buildManscdpXml(info), ref.DEVICE_INFO_RESPONSE);
  assert.equal(
    buildManscdpXml({ kind: 'DeviceInfoQuery', sn: '120419', deviceId: '34020000001180000001' }),
    ref.DEVICE_INFO_QUERY,
  );

  const status: ManscdpMessage = {
    kind: 'DeviceStatusResponse',
    sn: '120420',
    deviceId: '34020000001180000001',
    result: 'OK',
    online: 'ONLINE',
    status: 'OK',
    deviceTime: '2025-04-22T11:14:23',
    alarmStatus: [{ deviceId: '34020000001340000001', dutyStatus: 'ONDUTY' }],
    encode: 'ON',
    record: 'ON',
  };
  assert.deepEqual(parse(gb2312(ref.DEVICE_STATUS_RESPONSE)), status);
  // The reference shows this body without the declaration line.
  assert.equal(
    buildManscdpXml(status).replace('<?xml version="1.0" encoding="GB2312"?>\r\n', ''),
    ref.DEVICE_STATUS_RESPONSE,
  );
  const camel = parse(ref.DEVICE_STATUS_RESPONSE.replace(/Alarmstatus/g, 'AlarmStatus'));
  assert.equal(camel.kind === 'DeviceStatusResponse' && camel.alarmStatus.length, 1);
});

test('reference PTZ DeviceControl parses to a typed PTZ command and builds to the 248-byte body', () => {
  const control: ManscdpMessage = {
    kind: 'DeviceControl',
    sn: '120421',
    deviceId: '34020000001310000001',
    command: { type: 'PTZCmd', ptz: ptzMove('up-left', 0x80) },
    controlPriority: 5,
  };
  assert.deepEqual(parse(gb2312(ref.PTZ_CONTROL)), control);
  assert.equal(buildManscdpXml(control), ref.PTZ_CONTROL);
  assert.equal(encodeManscdp(control).length, 248);
  const bad = parseManscdp(ref.PTZ_CONTROL.replace('A50F010A808000BF', 'A50F010A808000BE'));
  assert.equal(bad.ok ? 'ok' : bad.error, GbErrorCode.PTZ_CHECKSUM);
});

test('other DeviceControl elements round-trip, IFameCmd keeps the standard spelling', () => {
  const base = { kind: 'DeviceControl', sn: '7', deviceId: '34020000001310000001' } as const;
  const commands = [
    { type: 'TeleBoot' },
    { type: 'IFameCmd' },
    { type: 'RecordCmd', action: 'StopRecord' },
    { type: 'GuardCmd', action: 'SetGuard' },
    { type: 'AlarmCmd', alarmMethod: 2, alarmType: 1 },
    { type: 'HomePosition', enabled: true, resetTime: 60, presetIndex: 1 },
    {
      type: 'DragZoom',
      zoom: 'out',
      length: 1920,
      width: 1080,
      midPointX: 100,
      midPointY: 200,
      lengthX: 50,
      lengthY: 40,
    },
  ] as const;
  for (const command of commands) {
    const m: ManscdpMessage = { ...base, command };
    const xml = buildManscdpXml(m);
    assert.deepEqual(parse(xml), m, command.type);
  }
  assert.match(
    buildManscdpXml({ ...base, command: { type: 'IFameCmd' } }),
    /\r\n<IFameCmd>Send<\/IFameCmd>\r\n/,
  );
  assert.match(buildManscdpXml({ ...base, command: { type: 'TeleBoot' } }), /<TeleBoot>Boot<\/TeleBoot>/);
  const resp = parse(
    '<Response><CmdType>DeviceControl</CmdType><SN>7</SN><DeviceID>1</DeviceID><Result>ERROR</Result></Response>',
  );
  assert.deepEqual(resp, { kind: 'DeviceControlResponse', sn: '7', deviceId: '1', result: 'ERROR' });
});

test('reference RecordInfo query and response; SumNum 0 has no list', () => {
  const query: ManscdpMessage = {
    kind: 'RecordInfoQuery',
    sn: '120422',
    deviceId: '34020000001310000001',
    startTime: '2025-04-18T00:00:00',
    endTime: '2025-04-18T23:59:59',
    secrecy: 0,
    type: 'all',
  };
  assert.deepEqual(parse(gb2312(ref.RECORD_INFO_QUERY)), query);
  // <Type>all</Type> is written even when the caller leaves the type out (Dahua needs it).
  const { type: _type, ...noType } = query;
  assert.equal(buildManscdpXml(noType), ref.RECORD_INFO_QUERY);
  assert.equal(encodeManscdp(noType).length, 275);

  const page: ManscdpMessage = {
    kind: 'RecordInfoResponse',
    sn: '120422',
    deviceId: '34020000001310000001',
    name: 'Gate-1',
    sumNum: 3,
    items: [
      {
        deviceId: '34020000001310000001',
        name: 'Gate-1',
        filePath: 'ch01_00000000012000100',
        address: 'Address 1',
        startTime: '2025-04-18T10:23:02',
        endTime: '2025-04-18T10:40:20',
        secrecy: 0,
        type: 'time',
        fileSize: '263094272',
      },
      {
        deviceId: '34020000001310000001',
        name: 'Gate-1',
        startTime: '2025-04-18T10:40:20',
        endTime: '2025-04-18T10:57:36',
        secrecy: 0,
        type: 'alarm',
      },
    ],
  };
  assert.deepEqual(parse(gb2312(ref.RECORD_INFO_RESPONSE)), page);
  assert.equal(buildManscdpXml(page), ref.RECORD_INFO_RESPONSE);

  const empty: ManscdpMessage = {
    kind: 'RecordInfoResponse',
    sn: '5',
    deviceId: '34020000001310000001',
    sumNum: 0,
    items: [],
  };
  assert.doesNotMatch(buildManscdpXml(empty), /RecordList/);
  assert.deepEqual(parse(buildManscdpXml(empty)), empty);
});

test('reference MediaStatus 121, Alarm and MobilePosition notifications', () => {
  const eof: ManscdpMessage = {
    kind: 'MediaStatus',
    sn: '151',
    deviceId: '34020000001310000001',
    notifyType: '121',
  };
  assert.deepEqual(parse(gb2312(ref.MEDIA_STATUS)), eof);
  assert.equal(buildManscdpXml(eof), ref.MEDIA_STATUS);

  const alarm: ManscdpMessage = {
    kind: 'AlarmNotify',
    sn: '99',
    deviceId: '34020000001310000001',
    alarmPriority: 4,
    alarmMethod: 5,
    alarmTime: '2025-04-22T11:26:02',
    alarmDescription: 'motion',
    longitude: '117.2272',
    latitude: '31.8206',
    alarmType: 2,
  };
  assert.deepEqual(parse(gb2312(ref.ALARM_NOTIFY)), alarm);
  assert.equal(buildManscdpXml(alarm), ref.ALARM_NOTIFY);

  assert.deepEqual(parse(ref.MOBILE_POSITION_NOTIFY), {
    kind: 'MobilePositionNotify',
    sn: '1',
    deviceId: '34020000001310000001',
    time: '2025-04-22T11:30:00',
    longitude: '117.2272',
    latitude: '31.8206',
    speed: '0.0',
    direction: '90.0',
    altitude: '30',
  });
});

test('Broadcast notify (no DeviceID) and response round-trip', () => {
  const notify: ManscdpMessage = {
    kind: 'BroadcastNotify',
    sn: '3',
    sourceId: '34020000002000000001',
    targetId: '34020000001310000001',
  };
  const xml = buildManscdpXml(notify);
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Broadcast</CmdType>\r\n<SN>3</SN>\r\n' +
      '<SourceID>34020000002000000001</SourceID>\r\n<TargetID>34020000001310000001</TargetID>\r\n</Notify>\r\n',
  );
  assert.deepEqual(parse(xml), notify);
  const resp: ManscdpMessage = {
    kind: 'BroadcastResponse',
    sn: '3',
    deviceId: '34020000001310000001',
    result: 'OK',
  };
  assert.deepEqual(parse(buildManscdpXml(resp)), resp);
});

test('routing: unknown CmdType is an Unknown message, unknown root and missing envelope fields are errors', () => {
  const unknown = parse(
    '<Query><CmdType>SDCardStatus</CmdType><SN>4</SN><DeviceID>34020000001180000001</DeviceID></Query>',
  );
  assert.equal(unknown.kind, 'Unknown');
  assert.equal(unknown.kind === 'Unknown' && unknown.cmdType, 'SDCardStatus');
  const code = (body: string) => {
    const r = parseManscdp(body);
    return r.ok ? 'ok' : r.error;
  };
  assert.equal(code('<Request><CmdType>Catalog</CmdType><SN>1</SN></Request>'), GbErrorCode.UNKNOWN_ROOT);
  assert.equal(code('<Query><SN>1</SN></Query>'), GbErrorCode.MISSING_FIELD);
  assert.equal(code('<Query><CmdType>Catalog</CmdType></Query>'), GbErrorCode.MISSING_FIELD);
  assert.equal(
    code('<Query><CmdType>Catalog</CmdType><SN>1x</SN><DeviceID>1</DeviceID></Query>'),
    GbErrorCode.BAD_FIELD,
  );
  assert.equal(code('<Query><CmdType>Catalog</CmdType><SN>1</SN></Query>'), GbErrorCode.MISSING_FIELD);
  const r = parseManscdp(
    '<Notify><CmdType>MediaStatus</CmdType><SN>8</SN><DeviceID>34020000001310000001</DeviceID></Notify>',
  );
  assert.deepEqual(r, {
    ok: false,
    error: GbErrorCode.MISSING_FIELD,
    detail: 'NotifyType',
    envelope: { root: 'Notify', cmdType: 'MediaStatus', sn: '8', deviceId: '34020000001310000001' },
  });
});

test('SumNum beyond the cap is refused; a missing SumNum counts the page', () => {
  const huge = ref.CATALOG_RESPONSE.replace('<SumNum>2</SumNum>', '<SumNum>99999999999</SumNum>');
  const r = parseManscdp(gb2312(huge));
  assert.equal(r.ok ? 'ok' : r.error, GbErrorCode.SUMNUM_RANGE);
  const neg = parseManscdp(ref.CATALOG_RESPONSE.replace('<SumNum>2</SumNum>', '<SumNum>-1</SumNum>'));
  assert.equal(neg.ok ? 'ok' : neg.error, GbErrorCode.SUMNUM_RANGE);
  const m = parse(ref.CATALOG_RESPONSE.replace('<SumNum>2</SumNum>\r\n', ''));
  assert.equal(m.kind === 'CatalogResponse' && m.sumNum, 1);
});

test('replies can be written in UTF-8 or GB18030 with the matching declaration', () => {
  const m: ManscdpMessage = {
    kind: 'Keepalive',
    sn: '1',
    deviceId: '34020000001180000001',
    faultyDeviceIds: ['34020000001310000001'],
  };
  const text = encodeManscdp(m, 'UTF-8').toString('utf8');
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\r\n/);
  assert.match(text, /<Info>\r\n<DeviceID>34020000001310000001<\/DeviceID>\r\n<\/Info>/);
  assert.deepEqual(parse(encodeManscdp(m, 'GB18030')), m);
});

test('coordinates stay strings in items and parse safely on demand', () => {
  assert.equal(parseCoordinate('117.2272', 'longitude'), 117.2272);
  assert.equal(parseCoordinate('-31.8206', 'latitude'), -31.8206);
  assert.equal(parseCoordinate('181', 'longitude'), undefined);
  assert.equal(parseCoordinate('91', 'latitude'), undefined);
  assert.equal(parseCoordinate('1e3', 'longitude'), undefined);
  assert.equal(parseCoordinate('', 'longitude'), undefined);
  assert.equal(parseCoordinate(undefined, 'latitude'), undefined);
});
