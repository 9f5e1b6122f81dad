// Issue #17 acceptance 1: an independent peer receives every control command. sipp plays a 2016
// camera (test/sipp/lower-register.xml, and test/sipp/lower-control.xml for the requests it
// receives); the test drives the API and reads the requests back from sipp's own message trace,
// comparing each body byte for byte with the worked examples of docs/gb28181.md §5 (GB/T
// 28181-2016 A.3 for PTZCmd, §A.2.3 for the other elements), written out here by hand. The
// answers sipp sends (preset pages, BasicParam, Results) come back through the API.
//
// Skipped only when sipp is not installed and CI is unset; under CI a missing sipp fails.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { repoRoot } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';
import { REALM, SERVER_ID } from '../helpers/sip-peer.js';
import { gb2312Scenario, runSipp, SIPP, type SippRun, tracedMessages } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000021';
const CHANNEL = '34020000001310000001';
const lines = (...l: string[]) => l.join('\r\n') + '\r\n';

/** A DeviceControl body as the reference writes it (docs/gb28181.md §5.1); SN as a placeholder. */
const control = (target: string, ...element: string[]) =>
  lines(
    '<?xml version="1.0" encoding="GB2312"?>',
    '<Control>',
    '<CmdType>DeviceControl</CmdType>',
    '<SN>#</SN>',
    `<DeviceID>${target}</DeviceID>`,
    ...element,
    '</Control>',
  );
/** PTZCmd with the <Info><ControlPriority>5 of the reference envelope. */
const ptz = (hex: string) =>
  control(CHANNEL, `<PTZCmd>${hex}</PTZCmd>`, '<Info>', '<ControlPriority>5</ControlPriority>', '</Info>');

/** [API request, the body the camera must receive]; PTZCmd values are the §5.2 worked examples. */
const CASES: [label: string, path: string, method: string, body: unknown, expected: string][] = [
  ['stop', 'ptz', 'POST', { command: 'stop', speed: 0 }, ptz('A50F0100000000B5')],
  ['right 0x80', 'ptz', 'POST', { command: 'right', speed: 0x80 }, ptz('A50F010180000036')],
  ['left 0x80', 'ptz', 'POST', { command: 'left', speed: 0x80 }, ptz('A50F010280000037')],
  ['up 0x80', 'ptz', 'POST', { command: 'up', speed: 0x80 }, ptz('A50F01080080003D')],
  ['down 0x80', 'ptz', 'POST', { command: 'down', speed: 0x80 }, ptz('A50F010400800039')],
  ['up-left 0x80', 'ptz', 'POST', { command: 'upleft', speed: 0x80 }, ptz('A50F010A808000BF')],
  ['zoom in 5', 'ptz', 'POST', { command: 'zoomin', speed: 5 }, ptz('A50F011000005015')],
  ['zoom out 5', 'ptz', 'POST', { command: 'zoomout', speed: 5 }, ptz('A50F012000005025')],
  ['focus near 0x40', 'ptz', 'POST', { command: 'focusnear', speed: 0x40 }, ptz('A50F014240000037')],
  ['iris open 0x40', 'ptz', 'POST', { command: 'irisopen', speed: 0x40 }, ptz('A50F014400400039')],
  ['FI stop', 'ptz', 'POST', { command: 'fistop', speed: 0 }, ptz('A50F0140000000F5')],
  ['preset set 3', 'ptz', 'POST', { preset: 'set', index: 3 }, ptz('A50F018100030039')],
  ['preset call 3', 'ptz', 'POST', { preset: 'call', index: 3 }, ptz('A50F01820003003A')],
  ['preset delete 3', 'ptz', 'POST', { preset: 'delete', index: 3 }, ptz('A50F01830003003B')],
  ['cruise 1 add 3', 'cruise', 'POST', { action: 'add', group: 1, preset: 3 }, ptz('A50F01840103003D')],
  [
    'cruise 1 speed 0x123',
    'cruise',
    'POST',
    { action: 'speed', group: 1, value: 0x123 },
    ptz('A50F01860123106F'),
  ],
  [
    'cruise 1 dwell 10 s',
    'cruise',
    'POST',
    { action: 'dwell', group: 1, value: 10 },
    ptz('A50F0187010A0047'),
  ],
  ['cruise 1 start', 'cruise', 'POST', { action: 'start', group: 1 }, ptz('A50F01880100003E')],
  ['scan 1 start', 'scan', 'POST', { action: 'start', group: 1 }, ptz('A50F01890100003F')],
  ['scan 1 left edge', 'scan', 'POST', { action: 'left', group: 1 }, ptz('A50F018901010040')],
  ['scan 1 right edge', 'scan', 'POST', { action: 'right', group: 1 }, ptz('A50F018901020041')],
  ['aux 1 on', 'aux', 'POST', { index: 1, on: true }, ptz('A50F018C01000042')],
  ['aux 1 off', 'aux', 'POST', { index: 1, on: false }, ptz('A50F018D01000043')],
  [
    'drag zoom in',
    'drag-zoom',
    'POST',
    { direction: 'in', length: 640, width: 360, midPointX: 100, midPointY: 80, lengthX: 64, lengthY: 36 },
    control(
      CHANNEL,
      '<DragZoomIn>',
      '<Length>640</Length>', // player width
      '<Width>360</Width>', // player height
      '<MidPointX>100</MidPointX>',
      '<MidPointY>80</MidPointY>',
      '<LengthX>64</LengthX>',
      '<LengthY>36</LengthY>',
      '</DragZoomIn>',
    ),
  ],
  [
    'drag zoom out',
    'drag-zoom',
    'POST',
    { direction: 'out', length: 640, width: 360, midPointX: 320, midPointY: 180, lengthX: 320, lengthY: 180 },
    control(
      CHANNEL,
      '<DragZoomOut>',
      '<Length>640</Length>',
      '<Width>360</Width>',
      '<MidPointX>320</MidPointX>',
      '<MidPointY>180</MidPointY>',
      '<LengthX>320</LengthX>',
      '<LengthY>180</LengthY>',
      '</DragZoomOut>',
    ),
  ],
  [
    'home position (the reference example)',
    'home-position',
    'PUT',
    { enabled: true, resetTimeSec: 60, presetIndex: 1 },
    control(
      CHANNEL,
      '<HomePosition>',
      '<Enabled>1</Enabled>',
      '<ResetTime>60</ResetTime>',
      '<PresetIndex>1</PresetIndex>',
      '</HomePosition>',
    ),
  ],
  [
    'record',
    'device-recording',
    'POST',
    { action: 'start' },
    control(CHANNEL, '<RecordCmd>Record</RecordCmd>'),
  ],
  [
    'stop record',
    'device-recording',
    'POST',
    { action: 'stop' },
    control(CHANNEL, '<RecordCmd>StopRecord</RecordCmd>'),
  ],
  ['keyframe', 'keyframe', 'POST', undefined, control(CHANNEL, '<IFameCmd>Send</IFameCmd>')],
  // Device-level: to the device ID (docs/gb28181.md §5.3, quirk 17).
  ['reboot', '/reboot', 'POST', undefined, control(DEVICE, '<TeleBoot>Boot</TeleBoot>')],
  [
    'DeviceConfig BasicParam',
    '/config',
    'PUT',
    { name: '东门球机', expiration: 3600, heartbeatInterval: 30, heartbeatCount: 3 },
    lines(
      '<?xml version="1.0" encoding="GB2312"?>',
      '<Control>',
      '<CmdType>DeviceConfig</CmdType>',
      '<SN>#</SN>',
      `<DeviceID>${DEVICE}</DeviceID>`,
      '<BasicParam>',
      '<Name>东门球机</Name>',
      '<Expiration>3600</Expiration>',
      '<HeartBeatInterval>30</HeartBeatInterval>',
      '<HeartBeatCount>3</HeartBeatCount>',
      '</BasicParam>',
      '</Control>',
    ),
  ],
];

interface Received {
  requestUri: string;
  contentLength: number;
  body: string;
}

/**
 * The MESSAGEs sipp received: the body is exactly Content-Length bytes (so a wrong length cannot
 * match an expected body), decoded from GB2312, with the SN blanked to '#'.
 */
function receivedMessages(path: string): Received[] {
  return tracedMessages(path)
    .filter((m) => m.direction === 'received' && m.text.startsWith('MESSAGE '))
    .map((m) => {
      const text = m.text.replace(/\r?\n/g, '\r\n');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      const contentLength = Number(/\r\nContent-Length: *(\d+)/i.exec(head)?.[1]);
      const body = iconv.encode(text.slice(split + 4), 'gb2312').subarray(0, contentLength);
      return {
        requestUri: head.slice(0, head.indexOf('\r\n')),
        contentLength,
        body: iconv.decode(body, 'gb2312').replace(/<SN>\d+<\/SN>/, '<SN>#</SN>'),
      };
    });
}

describe(
  'sipp as a camera receives every control command',
  { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
  () => {
    let h: Harness;
    let sipp: SippRun | undefined;
    let work: string;
    let messagesLog: string;
    let errorsLog: string;

    before(async () => {
      assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
      h = await startHarness({ simulator: { devices: 0 } });
      work = mkdtempSync(join(tmpdir(), 'gb-sipp-control-'));
      messagesLog = join(work, 'messages.log');
      errorsLog = join(work, 'errors.log');
      // prettier-ignore
      const args = [
      `127.0.0.1:${h.gw.sipPort}`,
      '-sf', join(repoRoot, 'test', 'sipp', 'lower-register.xml'),
      '-oocsf', gb2312Scenario(work, 'lower-control.xml'),
      '-s', DEVICE, '-key', 'server', SERVER_ID, '-key', 'realm', REALM,
      '-au', DEVICE, '-ap', h.gw.secrets.password,
      '-t', 'u1', '-i', '127.0.0.1', '-p', String(await freePort()), '-cp', String(await freePort()),
      '-d', '1000', '-m', '1', '-timeout', '90s', '-nostdin',
      '-trace_err', '-error_file', errorsLog, '-trace_msg', '-message_file', messagesLog,
    ];
      sipp = runSipp(SIPP, args, work);
      await h.waitForChannels(DEVICE, 1, 15_000);
    });

    after(async () => {
      await sipp?.stop();
      await h?.close();
      if (work) {
        rmSync(work, { recursive: true, force: true });
      }
    });

    test('after registering, the camera is asked for its BasicParam; its 10 s × 3 becomes its keepalive timing', async () => {
      await waitFor(
        () => h.gw.upper.sessions.heartbeatOf(DEVICE).intervalSec === 10,
        15_000,
        'ConfigDownload',
      );
      const device = await h.api<{ settings: { heartbeatIntervalSec: number; heartbeatCount: number } }>(
        `/api/devices/${DEVICE}`,
      );
      assert.deepEqual(
        [device.body.settings.heartbeatIntervalSec, device.body.settings.heartbeatCount],
        [10, 3],
      );
      const query = receivedMessages(messagesLog).find((m) =>
        m.body.includes('<CmdType>ConfigDownload</CmdType>'),
      );
      assert.equal(
        query?.body,
        lines(
          '<?xml version="1.0" encoding="GB2312"?>',
          '<Query>',
          '<CmdType>ConfigDownload</CmdType>',
          '<SN>#</SN>',
          `<DeviceID>${DEVICE}</DeviceID>`,
          '<ConfigType>BasicParam</ConfigType>',
          '</Query>',
        ),
      );
      assert.match(query.requestUri, new RegExp(`^MESSAGE sip:${DEVICE}@127\\.0\\.0\\.1:\\d+ SIP/2\\.0$`));
    });

    test('the preset list in two pages (SumNum 3) comes back whole with its GB2312 names', async () => {
      const r = await h.api<{ presets: { index: number; name: string }[] }>(
        `/api/devices/${DEVICE}/channels/${CHANNEL}/presets`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.presets, [
        { index: 1, name: '大门' },
        { index: 3, name: '停车场' },
        { index: 7, name: '全景' },
      ]);
      const query = receivedMessages(messagesLog).find((m) =>
        m.body.includes('<CmdType>PresetQuery</CmdType>'),
      );
      assert.equal(
        query?.body,
        lines(
          '<?xml version="1.0" encoding="GB2312"?>',
          '<Query>',
          '<CmdType>PresetQuery</CmdType>',
          '<SN>#</SN>',
          `<DeviceID>${CHANNEL}</DeviceID>`,
          '</Query>',
        ),
      );
    });

    test('every command arrives byte for byte as the worked example (the body cut at its Content-Length), addressed to its target', async () => {
      for (const [label, path, method, body] of CASES) {
        const url = path.startsWith('/')
          ? `/api/devices/${DEVICE}${path}`
          : `/api/devices/${DEVICE}/channels/${CHANNEL}/${path}`;
        const r = await h.api(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        assert.equal(r.status, 200, `${label}: ${JSON.stringify(r.body)}`);
      }
      const received = await waitFor(
        () => {
          const all = receivedMessages(messagesLog);
          return CASES.every(([, , , , expected]) => all.some((m) => m.body === expected)) ? all : undefined;
        },
        10_000,
        'every command in the trace',
      ).catch(() => receivedMessages(messagesLog));
      for (const [label, , , , expected] of CASES) {
        const m = received.find((x) => x.body === expected);
        assert.ok(
          m,
          `${label}: no MESSAGE with\n${expected}\namong\n${received.map((x) => x.body).join('\n')}`,
        );
        const target = expected.includes(`<DeviceID>${DEVICE}</DeviceID>`) ? DEVICE : CHANNEL;
        assert.match(
          m.requestUri,
          new RegExp(`^MESSAGE sip:${target}@127\\.0\\.0\\.1:\\d+ SIP/2\\.0$`),
          label,
        );
      }
      const errors = existsSync(errorsLog) ? readFileSync(errorsLog, 'latin1') : '';
      assert.doesNotMatch(errors, /Aborting call|Failed regexp|unexpected/i, errors);
    });
  },
);
