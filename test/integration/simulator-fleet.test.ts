// The simulator at scale and from the command line: 1,000 devices × 4 channels from one process
// over a few UDP sockets, registrations spread over a window, every identity reachable for
// queries and media on the shared sockets, clean unregistration; the CLI end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { deviceIdAt, startSimulator, channelIdOf } from '../../simulator/index.js';
import { StandInUpper } from '../helpers/stand-in-upper.js';
import { waitFor } from '../helpers/wait.js';

const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) {
    await x.close();
  }
});

test('1,000 devices × 4 channels register over 4 UDP sockets within the spread window', async () => {
  const upper = await StandInUpper.start();
  open.push(upper);
  const firstRegister = new Map<string, number>();
  upper.transport.onMessage((m) => {
    const from =
      m.kind === 'request' && m.method === 'REGISTER'
        ? /sip:(\d{20})@/.exec(m.headers.get('from') ?? '')?.[1]
        : undefined;
    if (from && !firstRegister.has(from)) {
      firstRegister.set(from, Date.now());
    }
  });
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: upper.port },
    devices: 1000,
    channels: 4,
    devicesPerSocket: 250,
    registerSpreadMs: 3000,
    audio: null,
  });
  open.push(sim);
  // Generous timeout: CI machines here are shared and often loaded.
  assert.equal(await sim.waitForRegistered(1000, 60_000), true, JSON.stringify(sim.counts()));
  // Registrations were spread over the window, not sent in one burst.
  const times = [...firstRegister.values()].sort((a, b) => a - b);
  assert.equal(times.length, 1000);
  assert.ok(times[999] - times[0] >= 2500, `first REGISTERs spread over ${times[999] - times[0]} ms`);
  assert.ok(times[500] - times[0] >= 1000, 'the middle device started about halfway');

  // Four source ports (one per socket), each shared by 250 identities.
  const ports = new Set([...upper.registrations.values()].map((r) => r.remote.port));
  assert.equal(ports.size, 4);
  assert.equal(upper.log.forbidden, 0);

  // Identities sharing a socket are each reachable: catalog of the last device, media of a middle one.
  const last = deviceIdAt('34020000001180000001', 999);
  await upper.send(last, { kind: 'CatalogQuery', sn: '9', deviceId: last });
  const pages = await waitFor(() => {
    const p = upper.messagesOf('CatalogResponse', '9');
    return p.length === 2 && p;
  });
  const ids = pages.flatMap((p) => p.message.items.map((i) => i.deviceId));
  assert.deepEqual(
    ids,
    [0, 1, 2, 3].map((i) => channelIdOf(last, i, 4)),
  );
  assert.equal(ids[3], '34020000001310004000');

  const middle = deviceIdAt('34020000001180000001', 500);
  const play = await upper.play(middle, channelIdOf(middle, 2, 4), { transport: 'udp' });
  assert.equal(play.status, 200);
  await waitFor(() => play.receiver.packets > 10, 3000, 'RTP');
  await play.bye();
  play.close();

  // Clips are parsed once and shared by every device.
  assert.equal(sim.clips.length, 4);
  await sim.close();
  assert.equal(upper.unregistered.length, 1000);
});

test('the CLI runs a fleet for --duration seconds and prints a JSON summary', async () => {
  const upper = await StandInUpper.start();
  open.push(upper);
  const args = [
    'dist/simulator/cli.js',
    '--server',
    `127.0.0.1:${upper.port}`,
    '--devices',
    '3',
    '--channels',
    '2',
    '--vendor',
    'dahua',
    '--duration',
    '1.5',
    '--json',
    '--no-audio',
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, GB_LOG_LEVEL: 'silent' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /3 device\(s\) × 2 channel\(s\), dahua, UDP/);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(summary.devices, 3);
  assert.equal(summary.everRegistered, 3);
  assert.equal(upper.unregistered.length, 3);
});

test('the CLI rejects a bad flag with exit code 2 and the usage text', async () => {
  const child = spawn(process.execPath, ['dist/simulator/cli.js', '--vendor', 'sony'], { cwd: repoRoot });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /--vendor expects hikvision, dahua or generic/);
  assert.match(stderr, /Usage: npm run simulator/);
});
