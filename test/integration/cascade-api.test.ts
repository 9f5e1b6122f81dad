// /api/upper-platforms against a real gateway: the routes are in /openapi.json, input is
// validated with stable error codes, the config file's `cascade-config` list is loaded, and the
// CRUD calls act on the link for real (B is a second gateway: A registers with it, keeps the
// stored password across a PUT without one, and unregisters on DELETE).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { A_ID, B_ID, SIM, channel, type UpperView } from '../helpers/cascade-pair.js';

const FROM_FILE = '34020000002000000042';
const GROUP = '34020000002150000001';
let a: Harness;
let b: Harness;
let dir: string;

type ErrorBody = { error: { code: string; message: string } };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gb-cascade-api-'));
  const file = join(dir, 'cascade.yaml');
  writeFileSync(
    file,
    [
      'cascade:',
      `  - id: "${FROM_FILE}"`,
      '    name: 省级平台',
      '    host: 192.0.2.1',
      '    password: from-file',
      '    enabled: false',
      '    shares:',
      `      - { type: group, id: "${GROUP}", name: 治安监控 }`,
      `      - { type: device, deviceId: "${SIM}", parentId: "${GROUP}" }`,
      '',
    ].join('\n'),
  );
  b = await startHarness({ gateway: { 'sip-id': B_ID }, simulator: { devices: 0 } });
  a = await startHarness({ gateway: { 'cascade-config': file }, simulator: { devices: 0 } });
});

after(async () => {
  await a?.close();
  await b?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the upper-platform routes are in /openapi.json', async () => {
  const doc = (await (await fetch(`${a.base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  assert.deepEqual(Object.keys(doc.paths['/api/upper-platforms'] ?? {}).sort(), ['get', 'post']);
  assert.deepEqual(Object.keys(doc.paths['/api/upper-platforms/{upperId}'] ?? {}).sort(), [
    'delete',
    'get',
    'put',
  ]);
  assert.deepEqual(Object.keys(doc.paths['/api/upper-platforms/{upperId}/shares'] ?? {}).sort(), [
    'get',
    'put',
  ]);
});

test('the cascade-config file is loaded: a disabled platform with its directory share', async () => {
  const r = await a.api<UpperView>(`/api/upper-platforms/${FROM_FILE}`);
  assert.equal(r.status, 200);
  assert.deepEqual(
    [r.body.name, r.body.enabled, r.body.status.state, r.body.shareCount],
    ['省级平台', false, 'disabled', 2],
  );
  assert.deepEqual(
    r.body.catalog.map((c) => [c.channelId, c.directory]),
    [[GROUP, true]],
  );
  assert.equal('password' in r.body, false, 'passwords are never returned');
});

test('bad input is GW_ERR_BAD_REQUEST; unknown platforms GW_ERR_UPPER_PLATFORM_NOT_FOUND; a second POST GW_ERR_UPPER_PLATFORM_EXISTS', async () => {
  const post = (body: object) =>
    a.api<ErrorBody>('/api/upper-platforms', { method: 'POST', body: JSON.stringify(body) });
  const base = { id: B_ID, host: '127.0.0.1', port: b.gw.sipPort, password: b.gw.secrets.password };
  const wrongType = await post({
    ...base,
    shares: [{ type: 'group', id: '34020000002160000001', name: 'x' }],
  });
  assert.deepEqual([wrongType.status, wrongType.body.error.code], [400, 'GW_ERR_BAD_REQUEST']);
  assert.match(wrongType.body.error.message, /type code 215/);
  const orphan = await post({ ...base, shares: [{ type: 'device', deviceId: SIM, parentId: GROUP }] });
  assert.equal(orphan.status, 400);
  assert.match(orphan.body.error.message, /not a group or organisation/);
  const missing = await a.api<ErrorBody>(`/api/upper-platforms/${B_ID}`);
  assert.deepEqual([missing.status, missing.body.error.code], [404, 'GW_ERR_UPPER_PLATFORM_NOT_FOUND']);
  const badId = await a.api<ErrorBody>('/api/upper-platforms/123');
  assert.equal(badId.status, 400);

  const created = await post({
    ...base,
    keepaliveIntervalSec: 5,
    shares: [{ type: 'channel', deviceId: SIM, channelId: channel(1) }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const again = await post(base);
  assert.deepEqual([again.status, again.body.error.code], [409, 'GW_ERR_UPPER_PLATFORM_EXISTS']);
});

test('the created platform registers; a PUT without password keeps the stored one and registers afresh', async () => {
  const online = () =>
    waitFor(
      async () => {
        const r = await a.api<UpperView>(`/api/upper-platforms/${B_ID}`);
        return r.body.status.online ? r.body : undefined;
      },
      10_000,
      'A registered with B',
    );
  const first = await online();
  assert.deepEqual([first.localId, first.keepaliveIntervalSec, first.channelCount], [A_ID, 5, 0]);
  const put = await a.api<UpperView>(`/api/upper-platforms/${B_ID}`, {
    method: 'PUT',
    body: JSON.stringify({ host: '127.0.0.1', port: b.gw.sipPort, keepaliveIntervalSec: 7 }),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const second = await online();
  assert.equal(second.keepaliveIntervalSec, 7);
  assert.notEqual(second.status.registeredAt, first.status.registeredAt, 'a new registration');
  // PUT without shares keeps them.
  assert.equal(second.shareCount, 1);
});

test('PUT shares replaces the relations; DELETE unregisters and forgets the platform', async () => {
  const put = await a.api<{ shares: unknown[]; catalog: unknown[] }>(`/api/upper-platforms/${B_ID}/shares`, {
    method: 'PUT',
    body: JSON.stringify({ shares: [{ type: 'group', id: GROUP, name: '治安监控' }] }),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body.shares, [{ type: 'group', id: GROUP, name: '治安监控' }]);
  const got = await a.api<{ shares: unknown[] }>(`/api/upper-platforms/${B_ID}/shares`);
  assert.deepEqual(got.body.shares, put.body.shares);

  const del = await a.api(`/api/upper-platforms/${B_ID}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  await waitFor(
    async () => !(await b.api<{ online: boolean }>(`/api/devices/${A_ID}`)).body.online,
    5_000,
    'B to see A unregister',
  );
  assert.equal((await a.api(`/api/upper-platforms/${B_ID}`)).status, 404);
  const list = await a.api<{ id: string }[]>('/api/upper-platforms');
  assert.deepEqual(
    list.body.map((u) => u.id),
    [FROM_FILE],
  );
});
