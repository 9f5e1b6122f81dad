// Restart outage (issue #20 point 4): kill -9 with live streams running. Before, the devices kept
// streaming into closed ports until they timed out (16 orphaned media sessions), and live requests
// got 409 until each device's next keepalive. Now the play dialogs are in the store while they
// last; the restarted gateway sends each orphan a BYE built from it, so no orphaned media session
// is left after 10 s, and a live request answers at once, before the devices have said anything
// (their registrations were kept across the restart), with the stream invited afresh.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { spawnGateway } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'restart-dialogs-pw';
const TOKEN = 'restart-dialogs-token-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'gb-restart-dialogs-'));
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) {
    await c().catch(() => undefined);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every media session the simulated devices hold, as "device channel callId". */
function deviceSessions(sim: Simulator): string[] {
  return sim.devices.flatMap((d) =>
    d.platform.sessions.map((s) => `${d.deviceId} ${s.channelId} ${s.callId}`),
  );
}

test('after kill -9, the orphaned dialogs get a BYE and a live request answers at once, no 409', async () => {
  const sipPort = await freePort();
  const gw1 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw1.kill9());
  // A long keepalive interval: nothing the devices say after the restart helps before 60 s.
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: 2,
    channels: 2,
    keepaliveIntervalSec: 60,
  });
  cleanup.push(() => sim.close());
  assert.equal(await sim.waitForRegistered(2, 15_000), true);
  const channels: [string, string][] = [];
  for (const d of sim.devices) {
    await waitFor(
      async () => (await gw1.api<unknown[]>(`/api/devices/${d.deviceId}/channels`)).body.length === 2,
      15_000,
      'catalogs',
    );
    for (const c of (await gw1.api<{ channelId: string }[]>(`/api/devices/${d.deviceId}/channels`)).body) {
      channels.push([d.deviceId, c.channelId]);
    }
  }
  for (const [deviceId, channelId] of channels) {
    const r = await gw1.api(`/api/devices/${deviceId}/channels/${channelId}/live`, { method: 'POST' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  await waitFor(() => deviceSessions(sim).length === 4, 10_000, 'four media sessions at the devices');
  const before = deviceSessions(sim);

  await gw1.kill9();
  // What the crash left: the four dialogs, in the store.
  const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
  const stored = (db.prepare('SELECT call_id FROM play_dialogs').all() as { call_id: string }[]).map(
    (r) => r.call_id,
  );
  db.close();
  assert.deepEqual(stored.sort(), before.map((s) => s.split(' ')[2]).sort());
  assert.equal(deviceSessions(sim).length, 4, 'the devices keep streaming into the dead process');

  const restartedAt = performance.now();
  const gw2 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw2.stop());
  // A live request right away: the device has not said a word since the restart.
  const [deviceId, channelId] = channels[0];
  const live = await gw2.api<{ streamId: string }>(`/api/devices/${deviceId}/channels/${channelId}/live`, {
    method: 'POST',
  });
  const liveMs = performance.now() - restartedAt;
  assert.equal(live.status, 200, JSON.stringify(live.body));
  const device = await gw2.api<{ online: boolean }>(`/api/devices/${deviceId}`);
  assert.equal(device.body.online, true, 'the device answered the INVITE: it is online');

  // Within 10 s of the restart every old media session is gone; the one new play remains.
  await waitFor(
    () => deviceSessions(sim).every((s) => !before.includes(s)),
    10_000,
    'the orphaned media sessions to end',
  );
  const orphansMs = performance.now() - restartedAt;
  console.log(
    `# restart: live answered ${liveMs.toFixed(0)} ms after the restart began, orphans gone after ${orphansMs.toFixed(0)} ms`,
  );
  const now = deviceSessions(sim);
  assert.equal(now.length, 1, now.join('\n'));
  assert.ok(now[0].startsWith(`${deviceId} ${channelId} `));
  assert.equal(gw2.logged(/orphaned play dialog ended/).length, 4);
  assert.equal(gw2.logged(/play dialogs orphaned by the restart/)[0]?.orphaned, 4);
  assert.ok(orphansMs < 10_000);
});
