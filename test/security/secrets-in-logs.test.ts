// Security: no secrets in logs. The gateway CLI runs as a child at --log-level trace (everything
// it can log), and the test drives every path that handles a secret: digest registration (right
// and wrong password), API calls with the right token, a wrong one and the token misplaced in a
// URL, a live stream with its signed media URLs, and media requests with bad tokens; a webhook
// registered with its HMAC secret (and its signed deliveries) and the event stream opened with a
// signed token. Then no output line may contain the device password, the API token, the signing
// key, a media or events token, the webhook secret, or a digest response (with its nonce, an
// offline dictionary attack on the password).
import { test, after } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { SipPeer } from '../helpers/sip-peer.js';

const PASSWORD = 'Secret-Device-Pw-4711';
const TOKEN = 'secret-api-token-0123456789abcdef';
const WRONG_PASSWORD = 'Wrong-Device-Pw-0815';
const WEBHOOK_SECRET = 'Secret-Webhook-Hmac-Key-2718';
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';

const dataDir = mkdtempSync(join(tmpdir(), 'gb-secrets-'));
let gw: GatewayProcess | undefined;
let sim: Simulator | undefined;
let stranger: SipPeer | undefined;
after(async () => {
  await stranger?.close();
  await sim?.close();
  await gw?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('at log level trace, nothing the gateway prints contains a secret', async () => {
  const sipPort = await freePort();
  gw = await spawnGateway({
    dataDir,
    sipPort,
    password: PASSWORD,
    token: TOKEN,
    flags: ['--log-level', 'trace'],
  });
  const base = gw.httpBase;

  // Digest registration, right and wrong password.
  sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: 1,
    channels: 1,
  });
  assert.equal(await sim.waitForRegistered(1, 15_000), true);
  stranger = await SipPeer.start({
    deviceId: '34020000001180000009',
    gatewayPort: sipPort,
    password: PASSWORD,
  });
  const failed = await stranger.register({ password: WRONG_PASSWORD });
  assert.equal(failed.final.status, 403);
  const digestResponses = [failed]
    .map((r) => /response="([0-9a-f]+)"/.exec(r.authorized?.headers.get('authorization') ?? '')?.[1])
    .filter((x): x is string => x !== undefined);
  assert.equal(digestResponses.length, 1);

  // The API: right token, wrong token, token in the URL.
  await waitFor(
    async () => (await gw!.api<unknown[]>(`/api/devices/${DEVICE}/channels`)).body.length === 1,
    15_000,
    'catalog',
  );
  assert.equal(
    (await fetch(`${base}/api/devices`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } }))
      .status,
    401,
  );
  assert.equal((await fetch(`${base}/api/devices?token=${TOKEN}`)).status, 401);

  // A webhook with a secret, receiving the (signed) stream events of the live stream below.
  let signedDeliveries = 0;
  const receiver = http.createServer((req, res) => {
    if (req.headers['x-gb-signature']) {
      signedDeliveries++;
    }
    req.resume();
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  after(() => receiver.close());
  const hook = await gw.api(`/api/webhooks`, {
    method: 'POST',
    body: JSON.stringify({
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      events: ['stream'],
      secret: WEBHOOK_SECRET,
    }),
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.ok(!JSON.stringify(hook.body).includes(WEBHOOK_SECRET));
  // The event stream with a signed token, and with a wrong one.
  const { token: eventsToken } = (await gw.api<{ token: string }>('/api/events/token', { method: 'POST' }))
    .body;
  const stream = await fetch(`${base}/api/events?token=${encodeURIComponent(eventsToken)}`);
  assert.equal(stream.status, 200);
  await stream.body?.cancel();
  assert.equal((await fetch(`${base}/api/events?token=${encodeURIComponent(eventsToken)}x`)).status, 401);

  // A live stream and its signed media URLs, plus media requests with bad tokens.
  const live = await gw.api<{ streamId: string; hls: string; whep: string }>(
    `/api/devices/${DEVICE}/channels/${CHANNEL}/live`,
    { method: 'POST' },
  );
  assert.equal(live.status, 200, JSON.stringify(live.body));
  const mediaToken = new URL(live.body.hls, base).searchParams.get('token')!;
  await waitFor(async () => (await fetch(base + live.body.hls)).status === 200, 15_000, 'the HLS playlist');
  await fetch(
    `${base}/hls/${live.body.streamId}/index.m3u8?token=${encodeURIComponent(mediaToken.replace(/.$/, 'x'))}`,
  );
  await fetch(base + live.body.whep, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0\r\n',
  });
  await gw.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
  await waitFor(
    () => gw!.logged(/^stream closed$/).some((l) => l.streamId === live.body.streamId),
    5_000,
    'the stream-closed log line',
  );

  await waitFor(() => signedDeliveries >= 2, 5_000, 'the signed stream start/stop deliveries');
  const signingKey = readFileSync(join(dataDir, 'signing-key'), 'utf8').trim();
  const secrets: [string, string][] = [
    ['device password', PASSWORD],
    ['wrong password', WRONG_PASSWORD],
    ['API token', TOKEN],
    ['signing key', signingKey],
    ['media token MAC', mediaToken.split('.')[1]],
    ['events token MAC', eventsToken.split('.')[1]],
    ['webhook secret', WEBHOOK_SECRET],
    ...digestResponses.map((r): [string, string] => ['digest response', r]),
  ];
  const output = gw.lines;
  assert.ok(
    output.some((l) => l.startsWith('{"level":20')),
    'no debug lines: is trace logging on?',
  );
  assert.ok(
    output.some((l) => l.includes('wrong-password')) && output.some((l) => l.includes('GW_ERR_UNAUTHORIZED')),
    'the failures were not logged',
  );
  for (const [what, value] of secrets) {
    const line = output.find((l) => l.includes(value));
    assert.equal(line, undefined, `the ${what} appears in the log:\n${line?.slice(0, 300)}`);
  }
});
