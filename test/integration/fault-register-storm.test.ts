// Fault: 1,000 devices register in the same second (a site's power comes back). Each one is a
// REGISTER, a 401, an authorized REGISTER, then the gateway's Catalog and DeviceInfo queries and
// their answers: about 6,000 SIP transactions within seconds on one UDP port. Every device must
// end up online exactly once, at the address it registered from, with its catalog stored, and no
// registration may fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 1000;
let h: Harness;
let registeredInMs = 0;

before(async () => {
  const t0 = Date.now();
  h = await startHarness({
    simulator: { devices: DEVICES, channels: 1, audio: null, registerSpreadMs: 1000 },
  });
  assert.equal(await h.sim.waitForRegistered(DEVICES, 45_000), true, JSON.stringify(h.sim.counts()));
  registeredInMs = Date.now() - t0;
});
after(async () => {
  await h?.close();
});

test('1,000 devices registering within one second all end up online once, with their catalogs', async () => {
  console.log(`# ${DEVICES} devices registered ${registeredInMs} ms after the first REGISTER was due`);
  const counts = h.sim.counts();
  assert.equal(counts.failed, 0, JSON.stringify(counts));
  assert.equal(h.gw.upper.sessions.onlineCount, DEVICES);

  const devices =
    await h.api<{ deviceId: string; online: boolean; remoteAddress: string | null }[]>('/api/devices');
  assert.equal(devices.status, 200);
  assert.equal(devices.body.length, DEVICES, 'device rows');
  assert.equal(new Set(devices.body.map((d) => d.deviceId)).size, DEVICES, 'duplicate device rows');
  assert.ok(
    devices.body.every((d) => d.online),
    'a device is listed offline',
  );
  // Each device is reachable where it registered from (one of the simulator's SIP sockets).
  const ports = new Set(h.sim.devices.map((d) => d.platform.link.ua.transport.port));
  for (const d of devices.body) {
    assert.ok(ports.has(Number(d.remoteAddress?.split(':')[1])), `${d.deviceId} at ${d.remoteAddress}`);
  }

  // The catalog burst (one query per registration) completes for every device.
  const t0 = Date.now();
  await waitFor(
    async () => {
      const list = await h.api<{ channelCount: number }[]>('/api/devices');
      return list.body.every((d) => d.channelCount === 1);
    },
    45_000,
    'every catalog',
  );
  console.log(`# all ${DEVICES} catalogs stored ${Date.now() - t0} ms later`);
  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  assert.match(metrics, new RegExp(`gb_devices\\{state="online"\\} ${DEVICES}\\b`));
});
