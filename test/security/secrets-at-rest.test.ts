// Secrets at rest (issue #20 point 10): in a data dir that already existed open to everyone (a
// Docker volume), every file the gateway creates is 0600, the cascade password is in no file in
// plain text, and secrets given through files and the environment appear nowhere in
// /proc/PID/cmdline, which every local user can read. Given as flags, the CLI warns.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { SipPeer } from '../helpers/sip-peer.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'At-Rest-Device-Pw-5150';
const TOKEN = 'at-rest-api-token-0123456789abcdef';
const SIGNING_KEY = 'at-rest-signing-key-fedcba9876543210';
const UPPER_PASSWORD = 'At-Rest-Cascade-Pw-2718';
const UPPER = '34020000002000000077';

const root = mkdtempSync(join(tmpdir(), 'gb-at-rest-'));
const gateways: GatewayProcess[] = [];
after(async () => {
  for (const gw of gateways) {
    await gw.stop();
  }
  rmSync(root, { recursive: true, force: true });
});

test('every data dir file is 0600, no stored secret in plain text, no secret on the command line', async () => {
  const dataDir = join(root, 'volume');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755); // a volume made by someone else, open to all
  const sipPort = await freePort();
  // The upper platform listens nowhere: only what is stored matters here.
  const cascade = JSON.stringify([
    { id: UPPER, host: '127.0.0.1', port: await freePort(), password: UPPER_PASSWORD, enabled: false },
  ]);
  const gw = await spawnGateway({
    dataDir,
    sipPort,
    password: PASSWORD,
    token: TOKEN,
    secretsVia: 'files',
    env: { GB_SIGNING_KEY: SIGNING_KEY, GB_CASCADE: cascade },
  });
  gateways.push(gw);

  // The secrets from files and the environment work...
  const device = await SipPeer.start({
    deviceId: '34020000001180000071',
    password: PASSWORD,
    gatewayPort: sipPort,
  });
  try {
    assert.equal((await device.register()).final.status, 200, 'the password from --password-file');
  } finally {
    await device.close();
  }
  const uppers = await gw.api<{ id?: string; upperId?: string }[]>('/api/upper-platforms');
  assert.equal(uppers.status, 200, 'the token from --api-token-file');
  // ...and none is in the process's command line.
  const cmdline = readFileSync(`/proc/${gw.child.pid}/cmdline`, 'utf8');
  for (const secret of [PASSWORD, TOKEN, SIGNING_KEY, UPPER_PASSWORD]) {
    assert.ok(!cmdline.includes(secret), `a secret is in /proc/PID/cmdline: ${cmdline.replace(/\0/g, ' ')}`);
  }
  assert.doesNotMatch(gw.stderr(), /can be read by any local user/);
  assert.equal(gw.logged(/data dir is open to other local users/).length, 1, 'the open data dir is reported');

  // Let SQLite write its WAL, then look at every file.
  await waitFor(() => existsSync(join(dataDir, 'gateway.db-wal')), 5000, 'the WAL');
  const files = readdirSync(dataDir);
  for (const name of ['gateway.db', 'gateway.db-wal', 'gateway.db-shm', 'secret-key']) {
    assert.ok(files.includes(name), `${name} missing from ${files.join(', ')}`);
  }
  assert.ok(
    !files.includes('password') && !files.includes('api-token') && !files.includes('signing-key'),
    'given secrets are not copied in',
  );
  for (const name of files) {
    const stat = statSync(join(dataDir, name));
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      // Directories the gateway makes (recordings, downloads) are 0700 (private-files.ts).
      assert.equal(mode, 0o700, `${name}/ is ${mode.toString(8)}`);
      continue;
    }
    assert.equal(mode, 0o600, `${name} is ${mode.toString(8)}`);
    assert.ok(
      !readFileSync(join(dataDir, name)).toString('latin1').includes(UPPER_PASSWORD),
      `${name} holds the cascade password in plain text`,
    );
  }
});

test('secrets given as flags still work, with a warning about /proc/PID/cmdline', async () => {
  const gw = await spawnGateway({
    dataDir: mkdtempSync(join(root, 'flags-')),
    sipPort: await freePort(),
    password: PASSWORD,
    token: TOKEN,
  });
  gateways.push(gw);
  assert.equal((await gw.api('/api/devices')).status, 200);
  assert.match(gw.stderr(), /--password on the command line can be read by any local user/);
  assert.match(gw.stderr(), /--api-token on the command line can be read by any local user/);
});
