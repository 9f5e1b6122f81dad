// The control routes (routes/control.ts) on an in-memory ControlServices: what reaches the service
// for each body, the refusals before anything is sent, the success bodies checked against their
// schemas (createApp does under test), /openapi.json describing them, and GW_ERR_CONTROL_UNAVAILABLE
// without the service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { MediaTokenSigner } from './media-token.js';
import { FakeServices } from '../../test/helpers/fake-services.js';
import type { ControlServices } from '../views/control.js';

const TOKEN = 'test-token-0123456789abcdef';
const DEV = '34020000001180000001';
const CH = '34020000001310000001';
const services = new FakeServices();
services.addDevice(DEV, [CH]);
const calls: { method: string; args: unknown[] }[] = [];
/** A service method that records its call and answers `value` (typed as whatever the slot needs). */
const record =
  <T = void>(method: string, value?: T) =>
  (...args: unknown[]): Promise<T> => {
    calls.push({ method, args });
    return Promise.resolve(value as T);
  };
const control: ControlServices = {
  presets: record('presets', [
    { index: 1, name: '大门' },
    { index: 2, name: null },
  ]),
  cruise: record('cruise'),
  scan: record('scan'),
  aux: record('aux'),
  dragZoom: record('dragZoom'),
  homePosition: record('homePosition'),
  deviceRecording: record('deviceRecording'),
  keyframe: record('keyframe'),
  ptzPrecise: record('ptzPrecise'),
  ptzPosition: record('ptzPosition', {
    pan: 10,
    tilt: null,
    zoom: 2,
    horizontalFieldAngle: null,
    verticalFieldAngle: null,
    maxViewDistance: null,
  }),
  reboot: record('reboot'),
  readConfig: record('readConfig', {
    type: 'BasicParam',
    name: 'NVR',
    expiration: 3600,
    heartbeatInterval: 10,
    heartbeatCount: 3,
    sipServerId: null,
    sipServerIp: null,
    sipServerPort: null,
    domainName: null,
  }),
  writeConfig: record('writeConfig'),
  updateDevice: (deviceId, update) => {
    calls.push({ method: 'updateDevice', args: [deviceId, update] });
    return Promise.resolve(services.getDevice(deviceId)!);
  },
  forgetDevice: record('forgetDevice'),
};
const opts = {
  services,
  apiToken: TOKEN,
  signer: new MediaTokenSigner(Buffer.alloc(32, 7)),
  version: '0.0.0-test',
};
const withControl = createApp({ ...opts, control });
const without = createApp(opts);
let servers: Server[] = [];
let base: string;
let baseWithout: string;

before(async () => {
  servers = [withControl.app.listen(0, '127.0.0.1'), without.app.listen(0, '127.0.0.1')];
  await Promise.all(servers.map((s) => new Promise((r) => s.once('listening', r))));
  [base, baseWithout] = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
});
after(() => servers.forEach((s) => s.close()));

async function call(method: string, path: string, body?: unknown, at = base) {
  const res = await fetch(at + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
  };
}
const ch = `/api/devices/${DEV}/channels/${CH}`;

test('each route hands its body to the service as parsed; success bodies pass their schemas', async () => {
  calls.length = 0;
  const ok = [
    ['GET', `${ch}/presets`, undefined, 'presets'],
    ['POST', `${ch}/cruise`, { action: 'dwell', group: 1, value: 10 }, 'cruise'],
    ['POST', `${ch}/scan`, { action: 'right', group: 2 }, 'scan'],
    ['POST', `${ch}/aux`, { index: 1, on: true }, 'aux'],
    [
      'POST',
      `${ch}/drag-zoom`,
      { direction: 'out', length: 640, width: 360, midPointX: 1, midPointY: 2, lengthX: 3, lengthY: 4 },
      'dragZoom',
    ],
    ['PUT', `${ch}/home-position`, { enabled: false, resetTimeSec: 0, presetIndex: 1 }, 'homePosition'],
    ['POST', `${ch}/device-recording`, { action: 'stop' }, 'deviceRecording'],
    ['POST', `${ch}/keyframe`, undefined, 'keyframe'],
    ['POST', `${ch}/ptz-precise`, { pan: 12.5 }, 'ptzPrecise'],
    ['GET', `${ch}/ptz-position`, undefined, 'ptzPosition'],
    ['POST', `/api/devices/${DEV}/reboot`, undefined, 'reboot'],
    ['GET', `/api/devices/${DEV}/config?type=BasicParam`, undefined, 'readConfig'],
    ['PUT', `/api/devices/${DEV}/config`, { heartbeatInterval: 30 }, 'writeConfig'],
    ['PATCH', `/api/devices/${DEV}`, { mediaIp: '192.168.7.2', streamSelection: 'stream' }, 'updateDevice'],
    ['DELETE', `/api/devices/${DEV}`, undefined, 'forgetDevice'],
  ] as const;
  for (const [method, path, body, name] of ok) {
    const r = await call(method, path, body);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(calls.at(-1)?.method, name, `${method} ${path}`);
  }
  assert.deepEqual((await call('GET', `${ch}/presets`)).body, {
    presets: [
      { index: 1, name: '大门' },
      { index: 2, name: null },
    ],
  });
  assert.deepEqual(calls.find((c) => c.method === 'cruise')?.args, [
    DEV,
    CH,
    { action: 'dwell', group: 1, value: 10 },
  ]);
  assert.deepEqual(calls.find((c) => c.method === 'updateDevice')?.args, [
    DEV,
    { mediaIp: '192.168.7.2', streamSelection: 'stream' },
  ]);
  assert.deepEqual(calls.find((c) => c.method === 'deviceRecording')?.args, [DEV, CH, 'stop']);
});

test('bad bodies are refused with GW_ERR_BAD_REQUEST before the service is called', async () => {
  calls.length = 0;
  const bad = [
    ['POST', `${ch}/cruise`, { action: 'add', group: 1 }],
    ['POST', `${ch}/cruise`, { action: 'dwell', group: 1, value: 4096 }],
    ['POST', `${ch}/scan`, { action: 'speed', group: 1 }],
    ['POST', `${ch}/aux`, { index: 256, on: true }],
    [
      'POST',
      `${ch}/drag-zoom`,
      { direction: 'in', length: 0, width: 1, midPointX: 0, midPointY: 0, lengthX: 0, lengthY: 0 },
    ],
    ['PUT', `${ch}/home-position`, { enabled: true, resetTimeSec: 60, presetIndex: 0 }],
    ['POST', `${ch}/device-recording`, { action: 'pause' }],
    ['POST', `${ch}/ptz-precise`, {}],
    ['POST', `${ch}/ptz`, { command: 'focusnearer', speed: 1 }],
    ['POST', `${ch}/live`, { stream: 'fourth' }],
    ['PUT', `/api/devices/${DEV}/config`, {}],
    ['PUT', `/api/devices/${DEV}/config`, { heartbeatInterval: 1 }],
    ['GET', `/api/devices/${DEV}/config?type=VideoParamOpt`, undefined],
    ['PATCH', `/api/devices/${DEV}`, {}],
    ['PATCH', `/api/devices/${DEV}`, { mediaIp: '10.0.0.300' }],
    ['PATCH', `/api/devices/${DEV}`, { charset: 'latin1' }],
    ['PATCH', `/api/devices/${DEV}`, { password: '' }],
    ['PATCH', `/api/devices/${DEV}`, { unknown: 1 }],
    ['PATCH', `/api/devices/12345`, { defaultStream: 'sub' }],
  ] as const;
  for (const [method, path, body] of bad) {
    const r = await call(method, path, body);
    assert.equal(r.body.error?.code, 'GW_ERR_BAD_REQUEST', `${method} ${path} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(calls, []);
});

test('without the upper platform the control routes answer GW_ERR_CONTROL_UNAVAILABLE (501)', async () => {
  for (const [method, path] of [
    ['GET', `${ch}/presets`],
    ['PATCH', `/api/devices/${DEV}`],
    ['DELETE', `/api/devices/${DEV}`],
  ] as const) {
    const r = await call(
      method,
      path,
      method === 'PATCH' ? { defaultStream: 'sub' } : undefined,
      baseWithout,
    );
    assert.equal(r.status, 501, path);
    assert.equal(r.body.error?.code, 'GW_ERR_CONTROL_UNAVAILABLE');
  }
});

test('/openapi.json describes the control routes with their response schemas; live takes an optional body', async () => {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { required: boolean }; responses: Record<string, unknown> }>
    >;
  };
  for (const [path, method] of [
    ['/api/devices/{deviceId}/channels/{channelId}/presets', 'get'],
    ['/api/devices/{deviceId}/channels/{channelId}/cruise', 'post'],
    ['/api/devices/{deviceId}/channels/{channelId}/scan', 'post'],
    ['/api/devices/{deviceId}/channels/{channelId}/aux', 'post'],
    ['/api/devices/{deviceId}/channels/{channelId}/drag-zoom', 'post'],
    ['/api/devices/{deviceId}/channels/{channelId}/home-position', 'put'],
    ['/api/devices/{deviceId}/channels/{channelId}/device-recording', 'post'],
    ['/api/devices/{deviceId}/reboot', 'post'],
    ['/api/devices/{deviceId}/config', 'get'],
    ['/api/devices/{deviceId}/config', 'put'],
    ['/api/devices/{deviceId}', 'patch'],
    ['/api/devices/{deviceId}', 'delete'],
  ]) {
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${method} ${path}`);
    assert.ok(op.responses['200'], `${method} ${path} has a 200 schema`);
  }
  assert.equal(
    doc.paths['/api/devices/{deviceId}/channels/{channelId}/live'].post.requestBody?.required,
    false,
  );
  assert.equal(doc.paths['/api/devices/{deviceId}'].patch.requestBody?.required, true);
  const presets = JSON.stringify(
    doc.paths['/api/devices/{deviceId}/channels/{channelId}/presets'].get.responses['200'],
  );
  assert.match(presets, /"index"/);
  assert.match(presets, /"name"/);
});
