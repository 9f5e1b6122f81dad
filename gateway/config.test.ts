import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigSchema, loadConfig, parseFlags, secretsOnCommandLine } from './config.js';
import { gatewayUsage } from './config-help.js';

test('defaults are the contract values; no password or API token is invented here', () => {
  const c = loadConfig([], {});
  assert.equal(c['sip-port'], 5060);
  assert.equal(c['sip-id'], '34020000002000000001');
  assert.equal(c['http-host'], '127.0.0.1');
  assert.deepEqual(c['media-ports'], { min: 30000, max: 30999 });
  assert.equal(c.password, undefined);
  assert.equal(c['api-token'], undefined);
});

test('precedence: file < GB_* environment < flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  const file = join(dir, 'gw.yaml');
  writeFileSync(file, 'sip-port: 5070\nhttp-port: 9000\nrealm: "4401000000"\n');
  const c = loadConfig(['--config', file, '--http-port=9100'], { GB_SIP_PORT: '5080', GB_HTTP_PORT: '9050' });
  assert.equal(c['sip-port'], 5080, 'environment over file');
  assert.equal(c['http-port'], 9100, 'flag over environment');
  assert.equal(c.realm, '4401000000', 'file over default');
});

test('GB IDs stay 20-digit strings, leading zeros and all', () => {
  const c = loadConfig(['--sip-id', '00000000002000000001'], {});
  assert.equal(c['sip-id'], '00000000002000000001');
  assert.throws(
    () => loadConfig(['--sip-id', '3402000000200000001'], {}),
    /--sip-id: a GB\/T 28181 ID is exactly 20 digits/,
  );
});

test('unknown flags, missing values and bad values are errors that name the flag', () => {
  assert.throws(() => loadConfig(['--sip-prot', '5060'], {}), /unknown flag\(s\): --sip-prot/);
  assert.throws(() => parseFlags(['--http-port']), /flag --http-port needs a value/);
  assert.throws(() => parseFlags(['stray']), /unexpected argument: stray/);
  assert.throws(
    () => loadConfig(['--media-ports', '31000-30000'], {}),
    /--media-ports: port range out of order/,
  );
  assert.throws(() => loadConfig(['--http-port', '70000'], {}), /--http-port/);
});

test('--help names every flag of the schema with its default', () => {
  const text = gatewayUsage();
  for (const name of Object.keys(ConfigSchema.shape)) {
    assert.match(text, new RegExp(`^  --${name} `, 'm'), `--${name} missing from --help`);
  }
  assert.match(text, /--sip-port +SIP port \(UDP and TCP\) \[5060\]/);
  assert.match(text, /--media-ports +.* \[30000-30999\]/);
  assert.doesNotMatch(text, /--password .*\[/, 'no default password is shown, because none exists');
});

test('the CLI prints the usage for --help and exits 2 with a hint on a bad flag', () => {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: npm run gateway/);
  const bad = spawnSync(process.execPath, [cli, '--nope', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown flag\(s\): --nope/);
  assert.match(bad.stderr, /--help lists the flags/);
});

test('--cors-origins: none by default; a comma list (flag, GB_CORS_ORIGINS) or a file list; paths refused', () => {
  assert.deepEqual(loadConfig([], {})['cors-origins'], []);
  assert.deepEqual(
    loadConfig(['--cors-origins', 'https://wall.example.com, http://10.0.0.5:8080'], {})['cors-origins'],
    ['https://wall.example.com', 'http://10.0.0.5:8080'],
  );
  assert.deepEqual(loadConfig([], { GB_CORS_ORIGINS: 'https://a.example' })['cors-origins'], [
    'https://a.example',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  const file = join(dir, 'gw.yaml');
  writeFileSync(file, 'cors-origins:\n  - https://wall.example.com\n');
  assert.deepEqual(loadConfig(['--config', file], {})['cors-origins'], ['https://wall.example.com']);
  assert.throws(
    () => loadConfig(['--cors-origins', 'https://wall.example.com/player'], {}),
    /--cors-origins\.0: expected scheme:\/\/host/,
  );
  assert.throws(() => loadConfig(['--cors-origins', '*'], {}), /--cors-origins\.0/);
});

test('secrets come from files (first line) or the environment; a flag and its file together are an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-secrets-'));
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'from-a-file\n', { mode: 0o600 });
  const token = join(dir, 'token');
  writeFileSync(token, 'token-from-a-file-0123456789\r\n', { mode: 0o600 });
  const c = loadConfig(['--password-file', pw, '--api-token-file', token], { GB_SIGNING_KEY: 'from-env' });
  assert.equal(c.password, 'from-a-file');
  assert.equal(c['api-token'], 'token-from-a-file-0123456789');
  assert.equal(c['signing-key'], 'from-env');
  assert.equal(loadConfig([], { GB_PASSWORD: 'env-pw' }).password, 'env-pw');
  assert.throws(
    () => loadConfig(['--password', 'x', '--password-file', pw], {}),
    /--password or --password-file/,
  );
  assert.throws(() => loadConfig(['--password-file', join(dir, 'missing')], {}), /--password-file: ENOENT/);
  writeFileSync(join(dir, 'empty'), '\n');
  assert.throws(() => loadConfig(['--password-file', join(dir, 'empty')], {}), /is empty/);
  assert.deepEqual(secretsOnCommandLine(['--password', 'x', '--sip-port', '5060', '--api-token=y']), [
    'password',
    'api-token',
  ]);
});

test('the SIP name carries no version by default; budgets and proxy lists parse', () => {
  const c = loadConfig([], {});
  assert.equal(c['sip-user-agent'], 'gb28181-gateway');
  assert.deepEqual(c['rate-api'], { perSecond: 20, burst: 100 });
  assert.deepEqual(c['trusted-proxies'], []);
  const d = loadConfig(['--rate-media', '2000/4000', '--trusted-proxies', '10.0.0.0/8, ::1'], {});
  assert.deepEqual(d['rate-media'], { perSecond: 2000, burst: 4000 });
  assert.deepEqual(d['trusted-proxies'], ['10.0.0.0/8', '::1']);
  assert.throws(() => loadConfig(['--trusted-proxies', '10.0.0.0/33'], {}), /--trusted-proxies/);
  assert.throws(() => loadConfig(['--rate-api', '20'], {}), /--rate-api: expected PER_SECOND\/BURST/);
  assert.throws(() => loadConfig(['--sip-user-agent', 'a\r\nVia: x'], {}), /--sip-user-agent/);
});
