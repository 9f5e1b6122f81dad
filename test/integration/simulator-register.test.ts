// The simulated lower platform registers with a stand-in upper platform (docs/gb28181.md §1, §2):
// digest over UDP and TCP, qop and stale nonces, 403 back-off, unregister on close, keepalives,
// and re-registration after three unanswered keepalives.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { StandInUpper, type StandInUpperOptions } from '../helpers/stand-in-upper.js';
import { waitFor } from '../helpers/wait.js';

const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) {
    await x.close();
  }
});

async function setup(
  upperOpts: StandInUpperOptions = {},
  simOpts: Partial<Parameters<typeof startSimulator>[0]> = {},
): Promise<{ upper: StandInUpper; sim: Simulator }> {
  const upper = await StandInUpper.start(upperOpts);
  open.push(upper);
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: upper.port },
    audio: null,
    ...simOpts,
  });
  open.push(sim);
  return { upper, sim };
}

test('a device registers over UDP answering the digest challenge, and unregisters on close', async () => {
  const { upper, sim } = await setup({}, { vendor: 'hikvision' });
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  const reg = upper.registrations.get('34020000001180000001');
  assert.ok(reg);
  assert.equal(reg.remote.transport, 'udp');
  assert.equal(reg.userAgent, 'Embedded Net DVR/NVR/DVS');
  assert.equal(upper.log.challenges, 1);
  const states: string[] = [];
  sim.devices[0].platform.on('state', (s) => states.push(s));
  await sim.close();
  assert.deepEqual(upper.unregistered, ['34020000001180000001']);
  assert.deepEqual(states, ['unregistering', 'closed']);
});

test('registration works over TCP, on the connection the device opened', async () => {
  const { upper, sim } = await setup({}, { transport: 'tcp', devices: 2 });
  assert.equal(await sim.waitForRegistered(2, 5000), true);
  const remotes = [...upper.registrations.values()].map((r) => r.remote);
  assert.ok(remotes.every((r) => r.transport === 'tcp' && r.connectionId !== undefined));
  assert.notEqual(remotes[0].connectionId, remotes[1].connectionId, 'one connection per device');
  // The upper reaches the device over that connection.
  const res = await upper.send('34020000001180000001', {
    kind: 'DeviceInfoQuery',
    sn: '7',
    deviceId: '34020000001180000001',
  });
  assert.equal(res.status, 200);
  const info = await waitFor(() => upper.messagesOf('DeviceInfoResponse', '7')[0]);
  assert.equal(info.message.channel, 4);
});

test('qop=auth challenges are answered, and a stale nonce is retried without counting a failure', async () => {
  const { upper, sim } = await setup({ qop: true, staleOnce: true });
  const states: string[] = [];
  sim.devices[0].platform.on('state', (s) => states.push(s));
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  assert.equal(upper.log.staleChallenges, 1);
  assert.equal(upper.log.forbidden, 0);
  assert.ok(!states.includes('failed'), `states: ${states.join(',')}`);
});

test('a wrong password ends in 403: state failed with the error, retried after the back-off', async () => {
  const { upper, sim } = await setup(
    { password: 'right' },
    { password: 'wrong', forbiddenRetryMs: 200, backoff: { initialMs: 50 } },
  );
  const platform = sim.devices[0].platform;
  const failed = await waitFor(() => platform.state === 'failed' && platform.lastError, 5000, 'failed state');
  assert.match(failed, /403/);
  await waitFor(() => upper.log.forbidden >= 2, 5000, 'a retry');
  assert.equal(sim.counts().registered, 0);
});

test('keepalives are sent at the interval; three unanswered ones make the device register again', async () => {
  const { upper, sim } = await setup(
    {},
    { keepaliveIntervalSec: 0.2, backoff: { initialMs: 50, maxMs: 100 } },
  );
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  await waitFor(() => upper.log.keepalives >= 2, 3000, 'keepalives');
  const keepalive = upper.messagesOf('Keepalive')[0];
  assert.equal(keepalive.message.deviceId, '34020000001180000001');
  assert.equal(keepalive.parsed.charset.declared, 'GB2312');

  upper.keepaliveMode = 'reject'; // wvp answers 404 to a device it does not know
  const before = upper.registrations.get('34020000001180000001')!.registers;
  await waitFor(
    () => upper.registrations.get('34020000001180000001')!.registers > before,
    5000,
    're-register',
  );
  assert.ok(upper.log.keepalives >= 5);
});

test('a device keeps its registration fresh before Expires runs out', async () => {
  const { upper, sim } = await setup({ grantExpiresSec: 1 });
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  // Refreshed halfway through the 1 s lifetime granted by the upper.
  await waitFor(() => upper.registrations.get('34020000001180000001')!.registers >= 3, 3000, 'refreshes');
});

test('over TCP a closed connection means offline: the device dials again and re-registers', async () => {
  const { upper, sim } = await setup({}, { transport: 'tcp', backoff: { initialMs: 50, maxMs: 100 } });
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  const first = upper.registrations.get('34020000001180000001')!;
  upper.transport.closeConnection(first.remote.connectionId!);
  const again = await waitFor(
    () => {
      const r = upper.registrations.get('34020000001180000001')!;
      return r.registers > first.registers && r;
    },
    5000,
    're-registration',
  );
  assert.notEqual(again.remote.connectionId, first.remote.connectionId);
});
