// Security: no path traversal on the HLS routes (which never read files: names are matched
// strictly, gateway/outputs/hls/hls-routes.ts) or on the static web demo (express.static, dotfiles
// denied). Requests are written on a raw socket so the paths reach the server exactly as typed,
// un-normalized; the HLS ones carry the API token, so they pass the media guard and test the
// router itself. No answer may carry a file from outside the demo, or a secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';

let h: Harness;
let forbidden: string[];

before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { description: string };
  // Things that must never come back: repo files, system files, the data dir's secrets.
  forbidden = [
    pkg.description,
    'root:x:0:0',
    'repositoryformatversion',
    h.gw.secrets.password,
    h.token,
    h.gw.secrets.signingKey.toString(),
  ];
});
after(async () => {
  await h?.close();
});

/** One raw HTTP/1.1 request; the target is sent byte for byte. */
function raw(
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(h.gw.httpPort, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`);
  });
}

const STATIC_PATHS = [
  '/../package.json',
  '/../../../../etc/passwd',
  '/%2e%2e/package.json',
  '/%2e%2e%2fpackage.json',
  '/..%2fpackage.json',
  '/..%5cpackage.json',
  '/.%2e/.%2e/package.json',
  '/%252e%252e/package.json',
  '/....//....//package.json',
  '//etc/passwd',
  '/index.html/../../package.json',
  '/web-demo/../package.json',
  '/vendor/hls.min.js/..%2f..%2f..%2fpackage.json',
  '/vendor/..%2f..%2fpackage.json',
  '/node_modules/hls.js/package.json',
  '/.git/config',
  '/index.html%00.json',
  '/%c0%ae%c0%ae/package.json',
  'http://127.0.0.1/../package.json',
];

const HLS_PATHS = [
  '/hls/../../package.json',
  '/hls/..%2f..%2fpackage.json/index.m3u8',
  '/hls/%2e%2e/%2e%2e/package.json',
  '/hls/%2e%2e%2f%2e%2e%2fpackage.json/index.m3u8',
  '/hls/x/..%2f..%2f..%2fpackage.json',
  '/hls/x/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/hls/34020000001180000001/34020000001310000001/..%2f..%2fpackage.json',
  '/hls/..%5c..%5cpackage.json/init.mp4',
  '/hls/.%2e/.%2e/package.json',
  '/hls/x/index.m3u8%00../../package.json',
];

function check(path: string, res: { status: number; body: string }): void {
  for (const secret of forbidden) {
    assert.ok(!res.body.includes(secret), `${path} (${res.status}) returned forbidden content`);
  }
  assert.notEqual(res.status, 500, `${path} crashed the handler`);
}

test('the static web demo serves its own files only', async () => {
  const index = await raw('/index.html');
  assert.equal(index.status, 200, 'control: the demo page is served');
  for (const path of STATIC_PATHS) {
    const res = await raw(path);
    check(path, res);
    assert.ok(
      res.status === 400 ||
        res.status === 403 ||
        res.status === 404 ||
        (res.status === 200 && res.body === index.body) ||
        res.status === 301,
      `${path}: ${res.status}`,
    );
  }
});

test('HLS routes never map a request onto a file, even with a valid token', async () => {
  const auth = { Authorization: `Bearer ${h.token}` };
  for (const path of HLS_PATHS) {
    const res = await raw(path, auth);
    check(path, res);
    assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
  }
});
