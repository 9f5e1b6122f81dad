// --tls-cert and --tls-key (docs/voice.md §10): with both, the gateway's HTTP port speaks HTTPS
// (the page, the API, WHIP), so browsers off loopback give the page the microphone; with one of
// them only, the gateway refuses to start and says why. The certificate is made by openssl now.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';

const OPENSSL =
  spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim() || undefined;
let dir: string;
let cert: string;
let key: string;
let h: Harness | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gb-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  if (OPENSSL) {
    const r = spawnSync(
      OPENSSL,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  }
});
after(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

function httpsGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; cipher: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false }, (res) => {
      const cipher = (res.socket as TLSSocket).getCipher().name;
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cipher }));
    });
    req.on('error', reject);
    req.end();
  });
}

test(
  'with --tls-cert and --tls-key the page and the API are served over HTTPS',
  { skip: !OPENSSL && !process.env.CI ? 'openssl missing' : false },
  async () => {
    h = await startHarness({ gateway: { 'tls-cert': cert, 'tls-key': key }, simulator: { devices: 0 } });
    const page = await httpsGet(h.gw.httpPort, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/);
    assert.ok(page.cipher.length > 0);
    const api = await httpsGet(h.gw.httpPort, '/api/talks', { Authorization: `Bearer ${h.token}` });
    assert.deepEqual([api.status, api.body], [200, '[]']);
    // Plain HTTP on that port gets no answer it can read.
    await assert.rejects(fetch(`http://127.0.0.1:${h.gw.httpPort}/`));
  },
);

test('one of the two flags alone is refused at start, naming both', async () => {
  const input = {
    'sip-host': '127.0.0.1',
    'sip-port': 0,
    'http-port': 0,
    'data-dir': dir,
    'log-level': 'silent',
  } as const;
  await assert.rejects(
    startGateway(resolveConfig({ ...input, 'tls-cert': cert })),
    /--tls-cert and --tls-key go together/,
  );
  const missing = resolveConfig({ ...input, 'tls-cert': join(dir, 'nope.pem'), 'tls-key': key });
  await assert.rejects(startGateway(missing), /--tls-cert .*nope\.pem/);
});
