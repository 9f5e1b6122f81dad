import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ShareEntry } from '../../store/cascade-store.js';
import type { ChannelRecord } from '../../store/device-store.js';
import { resolveSharedCatalog, type LocalChannels } from './shared-catalog.js';

const LOCAL = '34020000002000000001';
const NVR = '34020000001180000001';
const IPC = '34020000001320000009';
const GROUP = '34020000002150000001';
const ORG = '34020000002160000001';
const SUB_ORG = '34020000002160000002';

const record = (deviceId: string, channelId: string, patch: Partial<ChannelRecord> = {}): ChannelRecord => ({
  deviceId,
  channelId,
  name: `cam ${channelId.slice(-2)}`,
  manufacturer: 'Hikvision',
  model: 'DS-2CD',
  parentId: deviceId,
  civilCode: '340200',
  businessGroupId: null,
  address: null,
  status: 'ON',
  longitude: '117.2272',
  latitude: '31.8206',
  ptzType: '1',
  parental: false,
  updatedAt: '2025-04-22T10:00:00Z',
  ...patch,
});

function local(records: ChannelRecord[], offline: string[] = []): LocalChannels {
  return {
    channelsOf: (d) => records.filter((r) => r.deviceId === d),
    channel: (d, c) => records.find((r) => r.deviceId === d && r.channelId === c),
    deviceOnline: (d) => !offline.includes(d),
  };
}

const NVR_CHANNELS = [
  record(NVR, '34020000001310000001'),
  record(NVR, '34020000001310000002', { status: 'OFF' }),
  // The NVR's own directory node: not a camera, never shared upward.
  record(NVR, '34020000002160000099', { parental: true, name: 'NVR folder' }),
];

test('a whole-device share lists its cameras under our ID, with their status and the fields the store knows', () => {
  const { channels, sources } = resolveSharedCatalog(
    [{ type: 'device', deviceId: NVR }],
    LOCAL,
    local(NVR_CHANNELS),
  );
  assert.deepEqual(channels, [
    {
      channelId: '34020000001310000001',
      name: 'cam 01',
      manufacturer: 'Hikvision',
      model: 'DS-2CD',
      civilCode: '340200',
      ptzType: 1,
      longitude: 117.2272,
      latitude: 31.8206,
      online: true,
      parentId: LOCAL,
    },
    {
      channelId: '34020000001310000002',
      name: 'cam 02',
      manufacturer: 'Hikvision',
      model: 'DS-2CD',
      civilCode: '340200',
      ptzType: 1,
      longitude: 117.2272,
      latitude: 31.8206,
      online: false,
      parentId: LOCAL,
    },
  ]);
  assert.deepEqual(
    [...sources],
    [
      ['34020000001310000001', { deviceId: NVR, channelId: '34020000001310000001' }],
      ['34020000001310000002', { deviceId: NVR, channelId: '34020000001310000002' }],
    ],
  );
});

test('an offline device shows every shared channel OFF, whatever the last catalog said', () => {
  const { channels } = resolveSharedCatalog(
    [{ type: 'device', deviceId: NVR }],
    LOCAL,
    local(NVR_CHANNELS, [NVR]),
  );
  assert.deepEqual(
    channels.map((c) => c.online),
    [false, false],
  );
});

test('a virtual directory comes first, parents before children; channels below an organisation carry its business group', () => {
  const shares: ShareEntry[] = [
    {
      type: 'channel',
      deviceId: IPC,
      channelId: IPC,
      asId: '34020000001310009009',
      name: '东门',
      parentId: SUB_ORG,
    },
    { type: 'organisation', id: SUB_ORG, name: '东门片区', parentId: ORG },
    { type: 'group', id: GROUP, name: '治安监控' },
    { type: 'organisation', id: ORG, name: '东区', parentId: GROUP },
    { type: 'device', deviceId: NVR, parentId: GROUP },
  ];
  const { channels, sources } = resolveSharedCatalog(
    shares,
    LOCAL,
    local([...NVR_CHANNELS, record(IPC, IPC)]),
  );
  assert.deepEqual(
    channels.map((c) => [c.channelId, c.name, c.parentId, c.businessGroupId, c.parental ?? false]),
    [
      [GROUP, '治安监控', LOCAL, undefined, true],
      [ORG, '东区', GROUP, GROUP, true],
      [SUB_ORG, '东门片区', ORG, GROUP, true],
      ['34020000001310009009', '东门', SUB_ORG, GROUP, false],
      ['34020000001310000001', 'cam 01', GROUP, GROUP, false],
      ['34020000001310000002', 'cam 02', GROUP, GROUP, false],
    ],
  );
  // The upper asks for the presented ID; we play the IPC's own.
  assert.deepEqual(sources.get('34020000001310009009'), { deviceId: IPC, channelId: IPC });
  assert.equal(sources.has(GROUP), false, 'directory nodes cannot be played');
});

test('a channel shared twice, or not known (yet), is listed at most once', () => {
  const shares: ShareEntry[] = [
    { type: 'channel', deviceId: NVR, channelId: '34020000001310000001', name: 'first wins' },
    { type: 'device', deviceId: NVR },
    { type: 'channel', deviceId: NVR, channelId: '34020000001310000077' },
    { type: 'device', deviceId: '34020000001180000099' },
  ];
  const { channels } = resolveSharedCatalog(shares, LOCAL, local(NVR_CHANNELS));
  assert.deepEqual(
    channels.map((c) => [c.channelId, c.name]),
    [
      ['34020000001310000001', 'first wins'],
      ['34020000001310000002', 'cam 02'],
    ],
  );
});

test('store fields that are empty or not numbers stay out of the item', () => {
  const bare = record(NVR, '34020000001310000001', {
    name: null,
    manufacturer: null,
    model: '',
    civilCode: null,
    longitude: '',
    latitude: 'n/a',
    ptzType: null,
  });
  const { channels } = resolveSharedCatalog([{ type: 'device', deviceId: NVR }], LOCAL, local([bare]));
  assert.deepEqual(channels, [
    { channelId: '34020000001310000001', name: '34020000001310000001', online: true, parentId: LOCAL },
  ]);
});
