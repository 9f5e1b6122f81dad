import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigSchema, loadConfig, parseFlags } from './config.js';
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
