// ConfigDownload / DeviceConfig BasicParam, the 2022 PTZPreciseCtrl and PTZPosition, and preset
// lists in pages: literal bodies in the reference's shape (one element per line, CRLF), parsed
// and rebuilt byte for byte (docs/gb28181.md §4, §5.3, §5.4).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from '../errors.js';
import { buildManscdpXml, parseManscdp, type ManscdpMessage } from './codec.js';

const xml = (...lines: string[]) => lines.join('\r\n') + '\r\n';
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';

function parsed(body: string): ManscdpMessage {
  const r = parseManscdp(body);
  assert.ok(r.ok, r.ok ? '' : `${r.error}: ${r.detail}`);
  return r.value.message;
}

/** Parse, compare with `message`, and rebuild the same bytes. */
function roundTrip(body: string, message: ManscdpMessage): void {
  assert.deepEqual(parsed(body), message);
  assert.equal(buildManscdpXml(message), body);
}

test('ConfigDownload BasicParam query (to the device ID)', () => {
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Query>',
      '<CmdType>ConfigDownload</CmdType>',
      '<SN>3001</SN>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<ConfigType>BasicParam</ConfigType>',
      '</Query>',
    ),
    { kind: 'ConfigDownloadQuery', sn: '3001', deviceId: DEVICE, configType: 'BasicParam' },
  );
  assert.equal(
    parseManscdp(`<Query><CmdType>ConfigDownload</CmdType><SN>1</SN><DeviceID>${DEVICE}</DeviceID></Query>`)
      .ok,
    false,
    'a ConfigDownload without ConfigType is refused',
  );
});

test('ConfigDownload answer: BasicParam with the device keepalive timing; the password is never read', () => {
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Response>',
      '<CmdType>ConfigDownload</CmdType>',
      '<SN>3001</SN>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<Result>OK</Result>',
      '<BasicParam>',
      '<Name>大门NVR</Name>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<SIPServerID>34020000002000000001</SIPServerID>',
      '<SIPServerIP>10.0.0.10</SIPServerIP>',
      '<SIPServerPort>5060</SIPServerPort>',
      '<DomainName>3402000000</DomainName>',
      '<Expiration>3600</Expiration>',
      '<HeartBeatInterval>10</HeartBeatInterval>', // seconds
      '<HeartBeatCount>3</HeartBeatCount>', // misses before offline
      '</BasicParam>',
      '</Response>',
    ),
    {
      kind: 'ConfigDownloadResponse',
      sn: '3001',
      deviceId: DEVICE,
      result: 'OK',
      basicParam: {
        name: '大门NVR',
        deviceId: DEVICE,
        sipServerId: '34020000002000000001',
        sipServerIp: '10.0.0.10',
        sipServerPort: 5060,
        domainName: '3402000000',
        expiration: 3600,
        heartBeatInterval: 10,
        heartBeatCount: 3,
      },
    },
  );
  // Field spelling varies (HeartbeatInterval), a Password may be present, numbers may be junk.
  const loose = parsed(
    '<Response><CmdType>ConfigDownload</CmdType><SN>9</SN>' +
      `<DeviceID>${DEVICE}</DeviceID><BasicParam><HeartbeatInterval>30</HeartbeatInterval>` +
      '<heartbeatcount>-1</heartbeatcount><Password>secret</Password></BasicParam></Response>',
  );
  assert.deepEqual(loose, {
    kind: 'ConfigDownloadResponse',
    sn: '9',
    deviceId: DEVICE,
    basicParam: { heartBeatInterval: 30 },
  });
});

test('DeviceConfig BasicParam (Control to the device ID) and its Result answer', () => {
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Control>',
      '<CmdType>DeviceConfig</CmdType>',
      '<SN>3002</SN>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<BasicParam>',
      '<Name>东门</Name>',
      '<Expiration>3600</Expiration>',
      '<HeartBeatInterval>30</HeartBeatInterval>',
      '<HeartBeatCount>3</HeartBeatCount>',
      '</BasicParam>',
      '</Control>',
    ),
    {
      kind: 'DeviceConfig',
      sn: '3002',
      deviceId: DEVICE,
      basicParam: { name: '东门', expiration: 3600, heartBeatInterval: 30, heartBeatCount: 3 },
    },
  );
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Response>',
      '<CmdType>DeviceConfig</CmdType>',
      '<SN>3002</SN>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<Result>OK</Result>',
      '</Response>',
    ),
    { kind: 'DeviceConfigResponse', sn: '3002', deviceId: DEVICE, result: 'OK' },
  );
  const noBlock = parseManscdp(
    `<Control><CmdType>DeviceConfig</CmdType><SN>1</SN><DeviceID>${DEVICE}</DeviceID></Control>`,
  );
  assert.equal(noBlock.ok ? 'ok' : noBlock.error, GbErrorCode.MISSING_FIELD);
});

test('2022 PTZPreciseCtrl: pan/tilt/zoom with at most two decimals; an axis left out is not written', () => {
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Control>',
      '<CmdType>DeviceControl</CmdType>',
      '<SN>3003</SN>',
      `<DeviceID>${CHANNEL}</DeviceID>`,
      '<PTZPreciseCtrl>',
      '<Pan>123.45</Pan>', // degrees
      '<Tilt>-10.5</Tilt>', // degrees
      '<Zoom>3</Zoom>', // factor
      '</PTZPreciseCtrl>',
      '</Control>',
    ),
    {
      kind: 'DeviceControl',
      sn: '3003',
      deviceId: CHANNEL,
      command: { type: 'PTZPrecise', pan: 123.45, tilt: -10.5, zoom: 3 },
    },
  );
  const rounded = buildManscdpXml({
    kind: 'DeviceControl',
    sn: '1',
    deviceId: CHANNEL,
    command: { type: 'PTZPrecise', pan: 10.006 },
  });
  assert.match(rounded, /<PTZPreciseCtrl>\r\n<Pan>10.01<\/Pan>\r\n<\/PTZPreciseCtrl>/);
});

test('2022 PTZPosition: the query, and answers flat or inside <PTZPosInfo>', () => {
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Query>',
      '<CmdType>PTZPosition</CmdType>',
      '<SN>3004</SN>',
      `<DeviceID>${CHANNEL}</DeviceID>`,
      '</Query>',
    ),
    { kind: 'PtzPositionQuery', sn: '3004', deviceId: CHANNEL },
  );
  const expected: ManscdpMessage = {
    kind: 'PtzPositionResponse',
    sn: '3004',
    deviceId: CHANNEL,
    pan: 180.5,
    tilt: 30.25,
    zoom: 2,
    horizontalFieldAngle: 60,
    verticalFieldAngle: 40,
    maxViewDistance: 500,
  };
  roundTrip(
    xml(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Response>',
      '<CmdType>PTZPosition</CmdType>',
      '<SN>3004</SN>',
      `<DeviceID>${CHANNEL}</DeviceID>`,
      '<Pan>180.5</Pan>',
      '<Tilt>30.25</Tilt>',
      '<Zoom>2</Zoom>',
      '<HorizontalFieldAngle>60</HorizontalFieldAngle>',
      '<VerticalFieldAngle>40</VerticalFieldAngle>',
      '<MaxViewDistance>500</MaxViewDistance>',
      '</Response>',
    ),
    expected,
  );
  assert.deepEqual(
    parsed(
      `<Response><CmdType>PTZPosition</CmdType><SN>3004</SN><DeviceID>${CHANNEL}</DeviceID><PTZPosInfo>` +
        '<Pan>180.5</Pan><Tilt>30.25</Tilt><Zoom>2.0</Zoom><HorizontalFieldAngle>60</HorizontalFieldAngle>' +
        '<VerticalFieldAngle>40.00</VerticalFieldAngle><MaxViewDistance>500</MaxViewDistance></PTZPosInfo></Response>',
    ),
    expected,
  );
  assert.deepEqual(
    parsed(
      `<Response><CmdType>PTZPosition</CmdType><SN>1</SN><DeviceID>${CHANNEL}</DeviceID><Pan>1e3</Pan></Response>`,
    ),
    { kind: 'PtzPositionResponse', sn: '1', deviceId: CHANNEL },
    'an exponent is not a decimal a device writes',
  );
});

test('PresetQuery answer pages: SumNum is the total; without it a PresetList Num above the items is (quirk 24)', () => {
  const page = xml(
    '<?xml version="1.0" encoding="GB2312"?>',
    '<Response>',
    '<CmdType>PresetQuery</CmdType>',
    '<SN>3005</SN>',
    `<DeviceID>${CHANNEL}</DeviceID>`,
    '<SumNum>5</SumNum>', // presets over all pages
    '<PresetList Num="2">', // presets in this page
    '<Item>',
    '<PresetID>1</PresetID>',
    '<PresetName>大门</PresetName>',
    '</Item>',
    '<Item>',
    '<PresetID>2</PresetID>',
    '<PresetName>停车场</PresetName>',
    '</Item>',
    '</PresetList>',
    '</Response>',
  );
  roundTrip(page, {
    kind: 'PresetQueryResponse',
    sn: '3005',
    deviceId: CHANNEL,
    sumNum: 5,
    presets: [
      { presetId: 1, presetName: '大门' },
      { presetId: 2, presetName: '停车场' },
    ],
  });
  const withoutSumNum = (num: number) =>
    parsed(
      `<Response><CmdType>PresetQuery</CmdType><SN>1</SN><DeviceID>${CHANNEL}</DeviceID>` +
        `<PresetList Num="${num}"><Item><PresetID>4</PresetID></Item></PresetList></Response>`,
    );
  assert.equal((withoutSumNum(3) as { sumNum?: number }).sumNum, 3, 'the grand total in Num');
  assert.equal(
    (withoutSumNum(1) as { sumNum?: number }).sumNum,
    undefined,
    'Num = the items: the whole list',
  );
  const huge = parseManscdp(page.replace('<SumNum>5</SumNum>', '<SumNum>99999999999</SumNum>'));
  assert.equal(huge.ok ? 'ok' : huge.error, GbErrorCode.SUMNUM_RANGE);
});
