// Acceptance (simulator issue, point 1): 100 simulated devices with 4 channels each register with
// the real gateway in under 5 s, and every channel reaches the gateway's catalog.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 100;
const CHANNELS = 4;
let h: Harness | undefined;
after(async () => {
  await h?.close();
});

interface DeviceRow {
  deviceId: string;
  online: boolean;
  channelCount: number;
}

test('100 devices × 4 channels register within 5 s and all 400 channels are in the catalog', async () => {
  const t0 = performance.now();
  h = await startHarness({
    simulator: { devices: DEVICES, channels: CHANNELS, audio: null, devicesPerSocket: 25 },
  });
  const harness = h;
  let registeredMs = 0;
  const online = await waitFor(
    async () => {
      const r = await harness.api<DeviceRow[]>('/api/devices');
      const n = r.status === 200 ? r.body.filter((d) => d.online).length : 0;
      if (n === DEVICES) {
        registeredMs = performance.now() - t0;
        return r.body;
      }
      return undefined;
    },
    15_000,
    `${DEVICES} devices online at the gateway`,
  );
  assert.equal(new Set(online.map((d) => d.deviceId)).size, DEVICES);
  assert.equal(harness.sim.counts().registered, DEVICES, 'the simulator agrees every device is registered');

  const withCatalog = await waitFor(
    async () => {
      const r = await harness.api<DeviceRow[]>('/api/devices');
      const total = r.body.reduce((n, d) => n + d.channelCount, 0);
      return total === DEVICES * CHANNELS ? r.body : undefined;
    },
    20_000,
    `${DEVICES * CHANNELS} channels in the catalog`,
  );
  const catalogMs = performance.now() - t0;
  console.log(
    `fleet-100: ${DEVICES} devices online after ${registeredMs.toFixed(0)} ms, ` +
      `${DEVICES * CHANNELS} channels catalogued after ${catalogMs.toFixed(0)} ms`,
  );
  assert.ok(
    withCatalog.every((d) => d.channelCount === CHANNELS),
    'every device has exactly 4 channels',
  );
  assert.ok(registeredMs < 5000, `registration took ${registeredMs.toFixed(0)} ms (limit 5000)`);

  // Spot-check one device's channel IDs through the per-device API.
  const last = withCatalog
    .map((d) => d.deviceId)
    .sort()
    .at(-1)!;
  const channels = await harness.api<{ channelId: string }[]>(`/api/devices/${last}/channels`);
  assert.equal(channels.status, 200);
  assert.deepEqual(
    channels.body.map((c) => c.channelId).sort(),
    harness.sim.device(last)!.backend.channelIds.slice().sort(),
  );

  const metrics = await (await fetch(`${harness.base}/metrics`)).text();
  assert.match(metrics, new RegExp(`gb_devices\\{state="online"\\} ${DEVICES}\\b`));
});
