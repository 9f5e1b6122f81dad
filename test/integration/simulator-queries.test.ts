// MANSCDP queries and controls against the simulated lower platform (docs/gb28181.md §3-§6): catalog
// paging and charset per vendor, out-of-order and duplicated pages, DeviceInfo/DeviceStatus,
// RecordInfo pages, PTZ moving the simulated camera, presets, IFameCmd.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, test } from 'node:test';
import { buildPtzCmd, ptzMove, ptzZoom } from '../../gateway/gb28181/ptz.js';
import { epochMsOf, parseGbDateTime } from '../../gateway/gb28181/gb-date.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import { seededRandom } from '../helpers/random.js';
import { StandInUpper } from '../helpers/stand-in-upper.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) {
    await x.close();
  }
});

async function setup(
  simOpts: Partial<SimulatorOptions> = {},
): Promise<{ upper: StandInUpper; sim: Simulator }> {
  const upper = await StandInUpper.start();
  open.push(upper);
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: upper.port },
    audio: null,
    ...simOpts,
  });
  open.push(sim);
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  return { upper, sim };
}

test('catalog: generic pages 2 items per MESSAGE, SumNum = total, GB2312 Chinese names', async () => {
  const { upper } = await setup({ channels: 5 });
  await upper.send(DEVICE, { kind: 'CatalogQuery', sn: '100', deviceId: DEVICE });
  const pages = await waitFor(() => {
    const p = upper.messagesOf('CatalogResponse', '100');
    return p.length === 3 && p;
  });
  assert.deepEqual(
    pages.map((p) => p.message.items.length),
    [2, 2, 1],
  );
  assert.ok(pages.every((p) => p.message.sumNum === 5 && p.message.deviceId === DEVICE));
  assert.ok(
    pages.every((p) => p.parsed.charset.declared === 'GB2312' && p.parsed.charset.decodedAs === 'gb18030'),
  );
  const items = pages.flatMap((p) => p.message.items);
  assert.equal(items[0].deviceId, CH1);
  assert.equal(items[0].name, '模拟通道1');
  assert.equal(items[0].parentId, DEVICE);
  assert.equal(items[0].status, 'ON');
  // The bytes on the wire are GB2312: 模拟 is C4 A3 C4 E2 there (E6 A8 A1 E6 8B 9F in UTF-8).
  assert.ok(Buffer.from(pages[0].body).includes(Buffer.from([0xc4, 0xa3, 0xc4, 0xe2])));
  // Pages go out serially: each one after the 200 to the previous, in order without faults.
  assert.deepEqual(
    items.map((i) => i.deviceId.slice(-1)),
    ['1', '2', '3', '4', '5'],
  );
});

test('catalog: hikvision sends one item per message with a raw & in names; UTF-8 mode declares UTF-8', async () => {
  const { upper } = await setup({ vendor: 'hikvision', charset: 'UTF-8' });
  await upper.send(DEVICE, { kind: 'CatalogQuery', sn: '101', deviceId: DEVICE });
  const pages = await waitFor(() => {
    const p = upper.messagesOf('CatalogResponse', '101');
    return p.length === 4 && p;
  });
  assert.ok(pages.every((p) => p.message.items.length === 1 && p.message.sumNum === 4));
  assert.ok(
    pages.every((p) => p.parsed.charset.declared === 'UTF-8' && p.parsed.charset.decodedAs === 'utf-8'),
  );
  const raw = Buffer.from(pages[0].body).toString('utf8');
  assert.match(raw, /<Name>模拟通道1&IPC<\/Name>/, 'raw & as Hikvision writes it (quirk 2)');
  assert.equal(pages[0].message.items[0].name, '模拟通道1&IPC');
});

test('catalog: dahua declares standalone="yes"; shuffled and duplicated pages still carry every item', async () => {
  const { upper } = await setup({
    vendor: 'dahua',
    channels: 8,
    catalogPageSize: 1,
    paging: { shuffle: true, duplicate: 0.5, random: seededRandom(7) },
  });
  await upper.send(DEVICE, { kind: 'CatalogQuery', sn: '102', deviceId: DEVICE });
  // Every item, and more pages than items: the duplicates.
  const pages = await waitFor(
    () => {
      const got = upper.messagesOf('CatalogResponse', '102');
      const items = new Set(got.flatMap((p) => p.message.items.map((i) => i.deviceId)));
      return items.size === 8 && got.length > 8 && got;
    },
    5_000,
    'all 8 items and some duplicated pages',
  );
  const order = pages.map((p) => Number(p.message.items[0].deviceId.slice(-2)));
  assert.notDeepEqual(order.slice(0, 8), [1, 2, 3, 4, 5, 6, 7, 8], 'out of order');
  assert.match(Buffer.from(pages[0].body).toString('latin1'), /standalone="yes"/);
});

test('DeviceInfo and DeviceStatus answers come as new MESSAGEs with the query SN', async () => {
  const { upper } = await setup({ vendor: 'hikvision' });
  await upper.send(DEVICE, { kind: 'DeviceInfoQuery', sn: '200', deviceId: DEVICE });
  await upper.send(DEVICE, { kind: 'DeviceStatusQuery', sn: '201', deviceId: DEVICE });
  const info = await waitFor(() => upper.messagesOf('DeviceInfoResponse', '200')[0]);
  assert.equal(info.message.manufacturer, 'Hikvision');
  assert.equal(info.message.channel, 4);
  assert.equal(info.message.result, 'OK');
  const status = await waitFor(() => upper.messagesOf('DeviceStatusResponse', '201')[0]);
  assert.equal(status.message.online, 'ONLINE');
  assert.equal(status.message.status, 'OK');
  // DeviceTime is the device clock (synced from the 200 Date) in Asia/Shanghai wall time.
  const t = parseGbDateTime(status.message.deviceTime!);
  assert.ok(t.ok);
  assert.ok(Math.abs(epochMsOf(t.value) - Date.now()) < 5000);
});

test('RecordInfo: a day of synthetic recordings comes back in pages of the vendor size', async () => {
  const { upper } = await setup({ vendor: 'hikvision' });
  await upper.send(DEVICE, {
    kind: 'RecordInfoQuery',
    sn: '300',
    deviceId: CH1,
    startTime: '2025-04-18T00:00:00',
    endTime: '2025-04-18T23:59:59',
    type: 'all',
  });
  const pages = await waitFor(() => {
    const p = upper.messagesOf('RecordInfoResponse', '300');
    return p.length > 0 && p.length === Math.ceil(p[0].message.sumNum / 2) && p;
  });
  const items = pages.flatMap((p) => p.message.items);
  assert.equal(pages[0].message.sumNum, items.length);
  assert.ok(items.length >= 24 && items.length <= 25, `${items.length} items`);
  assert.ok(pages.every((p) => p.message.items.length <= 2));
  assert.equal(pages[0].message.name, '模拟通道1&IPC');
  assert.equal(items[0].deviceId, CH1);
  assert.match(items[1].startTime, /^2025-04-18T0[01]:/);
  // Deterministic: the same query gives the same answer.
  await upper.send(DEVICE, {
    kind: 'RecordInfoQuery',
    sn: '301',
    deviceId: CH1,
    startTime: '2025-04-18T00:00:00',
    endTime: '2025-04-18T23:59:59',
    type: 'all',
  });
  const again = await waitFor(() => {
    const p = upper.messagesOf('RecordInfoResponse', '301');
    return p.length === pages.length && p;
  });
  assert.deepEqual(
    again.flatMap((p) => p.message.items),
    items,
  );
});

test('RecordInfo for a range without recordings answers SumNum 0 and no list', async () => {
  const { upper } = await setup();
  await upper.send(DEVICE, {
    kind: 'RecordInfoQuery',
    sn: '302',
    deviceId: CH1,
    startTime: '2099-01-01T00:00:00',
    endTime: '2099-01-01T01:00:00',
    type: 'all',
  });
  const page = await waitFor(() => upper.messagesOf('RecordInfoResponse', '302')[0]);
  assert.equal(page.message.sumNum, 0);
  assert.equal(page.message.items.length, 0);
  assert.doesNotMatch(Buffer.from(page.body).toString('latin1'), /RecordList/);
});

test('PTZ DeviceControl moves the simulated camera at the given speed until stop; presets are stored and recalled', async () => {
  const { upper, sim } = await setup();
  const head = sim.devices[0].backend.ptzState(CH1)!;
  const control = (sn: string, ptz: Parameters<typeof buildPtzCmd>[0]) =>
    upper.send(DEVICE, {
      kind: 'DeviceControl',
      sn,
      deviceId: CH1,
      command: { type: 'PTZCmd', ptz },
      controlPriority: 5,
    });

  const seen: string[] = [];
  sim.devices[0].platform.on('ptz', (p) => seen.push(`${p.channelId}:${p.command.type}`));
  // The speed itself is ptz-state.test.ts's (on an injected clock); here the wire path: the
  // move starts the head, the stop halts it promptly (under half a second at 120°/s).
  await control('400', ptzMove('right', 255));
  await waitFor(() => head.snapshot().pan >= 20, 5_000, 'the head to pan 20°');
  await control('401', { type: 'stop' });
  await waitFor(() => !head.snapshot().moving);
  const panned = head.snapshot().pan;
  assert.ok(panned >= 20 && panned < 80, `pan ${panned}°`);

  await control('402', { type: 'preset', action: 'set', index: 3 });
  await control('403', ptzZoom('in', 15));
  await waitFor(() => head.snapshot().zoom > 1, 5_000, 'the lens to zoom in');
  await control('404', { type: 'stop' });
  await waitFor(() => !head.snapshot().moving && head.snapshot().zoom > 1);
  await control('405', { type: 'preset', action: 'call', index: 3 });
  await waitFor(() => head.snapshot().zoom === 1);
  assert.equal(Math.round(head.snapshot().pan), Math.round(panned));
  assert.deepEqual(seen.slice(0, 2), [`${CH1}:move`, `${CH1}:stop`]);

  await upper.send(DEVICE, { kind: 'PresetQuery', sn: '406', deviceId: CH1 });
  const presets = await waitFor(() => upper.messagesOf('PresetQueryResponse', '406')[0]);
  assert.deepEqual(presets.message.presets, [{ presetId: 3, presetName: '预置点3' }]);
  // PTZ gets no MANSCDP answer (docs/gb28181.md §5.1).
  assert.equal(upper.received.filter((r) => r.message.kind === 'DeviceControlResponse').length, 0);
});

test('RecordCmd gets a DeviceControl Response with Result OK; garbage bodies are answered 200 and ignored', async () => {
  const { upper, sim } = await setup();
  await upper.send(DEVICE, {
    kind: 'DeviceControl',
    sn: '500',
    deviceId: CH1,
    command: { type: 'RecordCmd', action: 'Record' },
  });
  const res = await waitFor(() => upper.messagesOf('DeviceControlResponse', '500')[0]);
  assert.equal(res.message.result, 'OK');
  const reg = upper.registrations.get(DEVICE)!;
  const uri = `sip:${DEVICE}@${reg.remote.address}:${reg.remote.port}`;
  for (const body of [
    '<Query><CmdType>Catalog',
    'not xml at all',
    '<?xml version="1.0"?><Query><CmdType>Catalog</CmdType><SN>x</SN></Query>',
  ]) {
    const r = await upper.ua.request(
      upper.ua.createRequest({
        method: 'MESSAGE',
        requestUri: uri,
        to: uri,
        body,
        contentType: 'Application/MANSCDP+xml',
      }),
      reg.remote,
    );
    assert.equal(r.status, 200);
  }
  assert.equal(sim.devices[0].platform.state, 'registered');
});
