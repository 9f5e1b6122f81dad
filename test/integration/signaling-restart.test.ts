// Crash safety: the gateway CLI runs as a child process, learns two lower platforms and their
// catalogs, and is killed with SIGKILL (no shutdown code runs). Restarted on the same data dir,
// it still knows every device and channel, shows the devices offline until they talk again, and
// takes them back when they register.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

const PASSWORD = 'restart-test-pw';
const TOKEN = 'restart-test-token-0123456789';
const DEVICES = ['34020000001180000001', '34020000001180000002'];

interface DeviceView {
  deviceId: string;
  online: boolean;
  channelCount: number;
}
type Catalog = Record<string, { channelId: string; name: string }[]>;

const dataDir = mkdtempSync(join(tmpdir(), 'gb-restart-'));
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) {
    await c().catch(() => undefined);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function catalogOf(gw: GatewayProcess): Promise<Catalog> {
  const out: Catalog = {};
  for (const id of DEVICES) {
    const r = await gw.api<{ channelId: string; name: string }[]>(`/api/devices/${id}/channels`);
    assert.equal(r.status, 200, `channels of ${id}: ${JSON.stringify(r.body)}`);
    out[id] = r.body
      .map((c) => ({ channelId: c.channelId, name: c.name }))
      .sort((a, b) => a.channelId.localeCompare(b.channelId));
  }
  return out;
}

async function simulator(sipPort: number): Promise<Simulator> {
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: DEVICES.length,
    channels: 3,
    audio: null,
    // Short SIP timers: after the kill, requests to the dead port give up in 64·T1 = 3.2 s.
    timers: { t1Ms: 50 },
  });
  cleanup.push(() => sim.close());
  return sim;
}

test('after kill -9 and a restart on the same data dir, devices and channels are all there, offline until they register again', async () => {
  const sipPort = await freePort();
  const gw1 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw1.kill9());
  const sim1 = await simulator(sipPort);
  assert.equal(await sim1.waitForRegistered(DEVICES.length, 15_000), true);
  await waitFor(
    async () => {
      const r = await gw1.api<DeviceView[]>('/api/devices');
      return r.body.length === 2 && r.body.every((d) => d.online && d.channelCount === 3);
    },
    20_000,
    'both devices online with 3 channels',
  );
  const before = await catalogOf(gw1);

  await gw1.kill9();
  assert.equal(gw1.child.signalCode, 'SIGKILL');
  // The devices go quiet without unregistering anywhere that matters (the port is dead).
  await sim1.close();

  const gw2 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw2.stop());
  const devices = await gw2.api<DeviceView[]>('/api/devices');
  assert.deepEqual(devices.body.map((d) => d.deviceId).sort(), DEVICES);
  assert.ok(
    devices.body.every((d) => !d.online),
    `all offline after restart: ${JSON.stringify(devices.body)}`,
  );
  assert.deepEqual(await catalogOf(gw2), before, 'every channel survived with its name');
  // The API's online flag is live state; the store's column must agree (it said 1 at the kill).
  const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT online FROM devices ORDER BY device_id').pluck().all(), [0, 0]);
  } finally {
    db.close();
  }

  // Talking again (a new registration) brings each device back, with its channels intact.
  const sim2 = await simulator(sipPort);
  assert.equal(await sim2.waitForRegistered(DEVICES.length, 15_000), true);
  await waitFor(
    async () => (await gw2.api<DeviceView[]>('/api/devices')).body.every((d) => d.online),
    10_000,
    'devices online again',
  );
  assert.deepEqual(await catalogOf(gw2), before);
});
