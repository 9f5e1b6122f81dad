// Issue #17 PTZ and device control through the API against the simulator (its camera heads,
// recording state and configuration are the device's side), per-device keepalive timing from
// ConfigDownload, and DELETE of a device: BYE for its streams, gone until it registers again.
// The bytes on the wire are checked against an independent peer in sipp-control.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const CH2 = '34020000001310000002';
const DEVICE_2022 = '34020000001180000201';
const CH_2022 = '34020000001310000801'; // channelIdOf(DEVICE_2022, 0, 4)
const PRESETS = Array.from({ length: 10 }, (_, i) => ({ index: i + 1, name: `预置位${i + 1}` }));

interface ApiError {
  error: { code: string; message: string };
}

let h: Harness;
let sim2022: Simulator;
const channel = (id = CH1, deviceId = DEVICE) => `/api/devices/${deviceId}/channels/${id}`;
const post = (path: string, body?: unknown) =>
  h.api<Record<string, unknown>>(path, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const head = (id = CH1) => h.sim.device(DEVICE)!.backend.ptzState(id)!;

before(async () => {
  // Hikvision-like paging: 4 presets per MESSAGE, so 10 presets arrive in 3 pages.
  h = await startHarness({ simulator: { vendor: 'hikvision', presets: PRESETS, keepaliveIntervalSec: 2 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 4);
  sim2022 = await startSimulator({
    server: { host: '127.0.0.1', port: h.gw.sipPort },
    password: h.gw.secrets.password,
    deviceIdBase: DEVICE_2022,
    gbVersion: '2022',
  });
  assert.equal(await sim2022.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE_2022, 4);
});

after(async () => {
  await sim2022?.close();
  await h?.close();
});

describe('PTZ keyboard', () => {
  test('the preset list comes in three pages and is answered whole, with names, in order', async () => {
    const r = await h.api<{ presets: { index: number; name: string | null }[] }>(`${channel()}/presets`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.presets, PRESETS);
  });

  test('focus and iris reach the camera as FI commands; fistop ends them', async () => {
    for (const command of ['focusnear', 'irisopen', 'fistop']) {
      const r = await post(`${channel()}/ptz`, { command, speed: 64 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await waitFor(() => head().snapshot().counts.fi === 3, 5000, 'three FI commands at the camera');
  });

  test('cruise, scan and aux reach the camera; a bad body is refused before anything is sent', async () => {
    const before = head().snapshot().counts;
    for (const body of [
      { action: 'add', group: 1, preset: 3 },
      { action: 'speed', group: 1, value: 0x123 },
      { action: 'dwell', group: 1, value: 10 },
      { action: 'start', group: 1 },
      { action: 'stop', group: 1 },
    ]) {
      assert.equal((await post(`${channel()}/cruise`, body)).status, 200);
    }
    for (const body of [
      { action: 'start', group: 1 },
      { action: 'left', group: 1 },
      { action: 'speed', group: 1, value: 7 },
    ]) {
      assert.equal((await post(`${channel()}/scan`, body)).status, 200);
    }
    assert.equal((await post(`${channel()}/aux`, { index: 1, on: true })).status, 200);
    await waitFor(
      () => (head().snapshot().counts.aux ?? 0) === (before.aux ?? 0) + 1,
      5000,
      'the aux switch',
    );
    const c = head().snapshot().counts;
    assert.equal((c['cruise-point'] ?? 0) - (before['cruise-point'] ?? 0), 1);
    assert.equal((c['cruise-start'] ?? 0) - (before['cruise-start'] ?? 0), 1);
    assert.equal((c.scan ?? 0) - (before.scan ?? 0), 2);
    assert.equal((c.stop ?? 0) - (before.stop ?? 0), 1, 'cruise stop is the PTZ stop');
    for (const [path, body] of [
      ['cruise', { action: 'add', group: 1 }],
      ['cruise', { action: 'speed', group: 1 }],
      ['cruise', { action: 'start', group: 256 }],
      ['scan', { action: 'speed', group: 1, value: 4096 }],
      ['aux', { index: 1 }],
    ] as const) {
      const r = await h.api<ApiError>(`${channel()}/${path}`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(r.body.error.code, 'GW_ERR_BAD_REQUEST', `${path} ${JSON.stringify(body)}`);
    }
  });

  test('drag-zoom reaches the camera with the box; home position is answered with a Result', async () => {
    const box = {
      direction: 'in',
      length: 640,
      width: 360,
      midPointX: 100,
      midPointY: 80,
      lengthX: 64,
      lengthY: 36,
    };
    assert.equal((await post(`${channel()}/drag-zoom`, box)).status, 200);
    await waitFor(
      () => h.sim.device(DEVICE)!.backend.controls.get(`${CH1}:DragZoom`),
      5000,
      'DragZoom at the camera',
    );
    assert.deepEqual(h.sim.device(DEVICE)!.backend.controls.get(`${CH1}:DragZoom`), {
      type: 'DragZoom',
      zoom: 'in',
      length: 640,
      width: 360,
      midPointX: 100,
      midPointY: 80,
      lengthX: 64,
      lengthY: 36,
    });
    const home = await h.api(`${channel()}/home-position`, {
      method: 'PUT',
      body: JSON.stringify({ enabled: true, resetTimeSec: 60, presetIndex: 2 }),
    });
    assert.equal(home.status, 200, JSON.stringify(home.body));
    // A preset the camera does not have: its Result is ERROR.
    const refused = await h.api<ApiError>(`${channel()}/home-position`, {
      method: 'PUT',
      body: JSON.stringify({ enabled: true, resetTimeSec: 60, presetIndex: 200 }),
    });
    assert.equal(refused.status, 502);
    assert.equal(refused.body.error.code, 'GW_ERR_DEVICE_REJECTED');
  });

  test('2022 precise PTZ: refused for a 2016 device, moves a 2022 camera and reads its position back', async () => {
    const old = await h.api<ApiError>(`${channel()}/ptz-precise`, {
      method: 'POST',
      body: JSON.stringify({ pan: 90 }),
    });
    assert.equal(old.status, 409);
    assert.equal(old.body.error.code, 'GW_ERR_DEVICE_UNSUPPORTED');
    const device = await h.api<{ settings: { gbVersion: string | null } }>(`/api/devices/${DEVICE_2022}`);
    assert.equal(device.body.settings.gbVersion, '2022', 'from X-GB-Ver: 3.0');
    const moved = await post(`${channel(CH_2022, DEVICE_2022)}/ptz-precise`, {
      pan: 123.45,
      tilt: -10.5,
      zoom: 3,
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await waitFor(
      () => sim2022.device(DEVICE_2022)!.backend.ptzState(CH_2022)!.snapshot().zoom === 3,
      5000,
      'the move',
    );
    const pos = await h.api<Record<string, number>>(`${channel(CH_2022, DEVICE_2022)}/ptz-position`);
    assert.equal(pos.status, 200, JSON.stringify(pos.body));
    assert.equal(pos.body.pan, 123.45);
    assert.equal(pos.body.tilt, -10.5);
    assert.equal(pos.body.zoom, 3);
    assert.equal(pos.body.horizontalFieldAngle, 20);
  });
});

describe('device control', () => {
  test('device recording stops and starts on the device (RecordCmd, answered with a Result)', async () => {
    const device = h.sim.device(DEVICE)!.backend;
    assert.equal(device.isRecording(CH2), true);
    assert.equal((await post(`${channel(CH2)}/device-recording`, { action: 'stop' })).status, 200);
    assert.equal(device.isRecording(CH2), false, 'the Result came after the device acted');
    assert.equal((await post(`${channel(CH2)}/device-recording`, { action: 'start' })).status, 200);
    assert.equal(device.isRecording(CH2), true);
  });

  test('a keyframe on request (IFameCmd) reaches the device', async () => {
    const before = h.sim.device(DEVICE)!.backend.stats.keyframeRequests;
    assert.equal((await post(`${channel()}/keyframe`)).status, 200);
    await waitFor(() => h.sim.device(DEVICE)!.backend.stats.keyframeRequests > before, 5000, 'IFameCmd');
  });

  test("config: ConfigDownload answers the device's keepalive timing, which becomes its offline detection; PUT changes it", async () => {
    const get = await h.api<Record<string, unknown>>(`/api/devices/${DEVICE}/config?type=BasicParam`);
    assert.equal(get.status, 200, JSON.stringify(get.body));
    assert.equal(get.body.heartbeatInterval, 2);
    assert.equal(get.body.heartbeatCount, 3);
    assert.equal(get.body.expiration, 3600);
    assert.deepEqual(h.gw.upper.sessions.heartbeatOf(DEVICE), { intervalSec: 2, count: 3 });
    const put = await h.api(`/api/devices/${DEVICE}/config`, {
      method: 'PUT',
      body: JSON.stringify({ name: '东门NVR', heartbeatInterval: 5, heartbeatCount: 4 }),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(h.sim.device(DEVICE)!.platform.keepaliveTiming, { intervalSec: 5, maxMisses: 4 });
    assert.deepEqual(h.gw.upper.sessions.heartbeatOf(DEVICE), { intervalSec: 5, count: 4 });
    const again = await h.api<Record<string, unknown>>(`/api/devices/${DEVICE}/config`);
    assert.equal(again.body.name, '东门NVR');
    const device = await h.api<{ settings: { heartbeatIntervalSec: number } }>(`/api/devices/${DEVICE}`);
    assert.equal(device.body.settings.heartbeatIntervalSec, 5);
    await h.api(`/api/devices/${DEVICE}/config`, {
      method: 'PUT',
      body: JSON.stringify({ heartbeatInterval: 2, heartbeatCount: 3 }),
    });
  });

  test('reboot (TeleBoot): the simulated device restarts and registers under a new Call-ID', async () => {
    const before = h.gw.upper.sessions.get(DEVICE_2022)?.callId;
    assert.ok(before);
    assert.equal((await post(`/api/devices/${DEVICE_2022}/reboot`)).status, 200);
    await waitFor(
      () => h.gw.upper.sessions.get(DEVICE_2022)?.callId !== before,
      10_000,
      'the new registration',
    );
    assert.equal(h.gw.upper.sessions.get(DEVICE_2022)?.online, true);
  });
});

describe('offline detection and forgetting', () => {
  test('a silent device is offline after its own 2 s × 3, not the global 60 s × 3', async () => {
    const silent = await startSimulator({
      server: { host: '127.0.0.1', port: h.gw.sipPort },
      password: h.gw.secrets.password,
      deviceIdBase: '34020000001180000301',
      keepaliveIntervalSec: 2,
    });
    try {
      const id = '34020000001180000301';
      await silent.waitForRegistered(1, 10_000);
      await waitFor(
        () => h.gw.upper.sessions.heartbeatOf(id).intervalSec === 2,
        10_000,
        'ConfigDownload after registration',
      );
      await waitFor(
        () => h.gw.upper.sessions.get(id)?.lastKeepaliveAt !== undefined,
        5000,
        'a first keepalive',
      );
      silent.device(id)!.platform.fallSilent();
      const last = h.gw.upper.sessions.get(id)!.lastSeenAt;
      await waitFor(() => !h.gw.upper.sessions.get(id)?.online, 15_000, 'the device to go offline');
      const after = Date.now() - last;
      assert.ok(after >= 6000 && after <= 8500, `offline ${after} ms after the device was last heard`);
    } finally {
      await silent.close();
    }
  });
});

describe('DELETE /api/devices/:deviceId', () => {
  test('its streams end with BYE, it is gone from the catalog, its keepalives are refused, and it is back after it registers again', async () => {
    const platform = h.sim.device(DEVICE)!.platform;
    const live = await post(`${channel()}/live`);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    const ended = new Promise<string>((resolve) => {
      const off = platform.on('sessionEnd', (_info, reason) => {
        off();
        resolve(reason);
      });
    });
    const refused: number[] = [];
    const offKeepalive = platform.on('keepalive', ({ ok, status }) => {
      if (!ok) {
        refused.push(status);
      }
    });
    const registeredAgain = new Promise<void>((resolve) => {
      const off = platform.on('registered', () => {
        off();
        resolve();
      });
    });

    const del = await h.api(`/api/devices/${DEVICE}`, { method: 'DELETE' });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal(await ended, 'bye-received', 'the device got a BYE for its stream');
    const streams = await h.api<{ deviceId: string }[]>('/api/streams');
    assert.equal(streams.body.filter((s) => s.deviceId === DEVICE).length, 0);
    const devices = await h.api<{ deviceId: string }[]>('/api/devices');
    assert.ok(!devices.body.some((d) => d.deviceId === DEVICE), 'still listed');
    assert.equal(
      (await h.api<ApiError>(`/api/devices/${DEVICE}/channels`)).body.error.code,
      'GW_ERR_DEVICE_NOT_FOUND',
    );
    assert.equal((await h.api<ApiError>(`/api/devices/${DEVICE}`, { method: 'DELETE' })).status, 404);

    // Its keepalives are refused like an unknown device's (404), and do not bring it back.
    await waitFor(() => refused.length >= 1, 10_000, 'a refused keepalive');
    assert.deepEqual(refused.slice(0, 1), [404]);
    h.gw.upper.sessions.flush();
    const meanwhile = await h.api<{ deviceId: string }[]>('/api/devices');
    assert.ok(!meanwhile.body.some((d) => d.deviceId === DEVICE), 'a keepalive brought the device back');

    // After three refused keepalives the device registers again (docs/gb28181.md §2), with its catalog.
    await registeredAgain;
    offKeepalive();
    await h.waitForChannels(DEVICE, 4, 15_000);
    const back = await h.api<{ online: boolean; settings: { heartbeatIntervalSec: number | null } }>(
      `/api/devices/${DEVICE}`,
    );
    assert.equal(back.body.online, true);
  });
});
