// Registration and liveness against the real gateway (docs/gb28181.md §1, §2): a wrong password is
// refused with 403 and leaves no trace in the store; an expired nonce gets 401 stale=true; three
// missed keepalives turn a device offline within 3 × interval + 5 s, and traffic brings it back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { SipPeer } from '../helpers/sip-peer.js';

const KEEPALIVE_SEC = 5;
const NONCE_TTL_SEC = 1;
let h: Harness;
let db: Database.Database;
const peers: SipPeer[] = [];

before(async () => {
  h = await startHarness({
    simulator: { devices: 0 },
    gateway: {
      'keepalive-interval': KEEPALIVE_SEC,
      'keepalive-timeout-count': 3,
      'nonce-ttl': NONCE_TTL_SEC,
    },
  });
  // The store itself, read-only beside the gateway's own connection (WAL allows it).
  db = new Database(join(h.dataDir, 'gateway.db'), { readonly: true });
});
after(async () => {
  for (const p of peers) {
    await p.close();
  }
  db?.close();
  await h?.close();
});

async function peer(deviceId: string): Promise<SipPeer> {
  const p = await SipPeer.start({ deviceId, password: h.gw.secrets.password, gatewayPort: h.gw.sipPort });
  peers.push(p);
  return p;
}

const deviceRows = (deviceId: string) =>
  (db.prepare('SELECT count(*) AS n FROM devices WHERE device_id = ?').get(deviceId) as { n: number }).n;

test('a wrong password gets 403 and creates no device row; the right one then creates it', async () => {
  const p = await peer('34020000001180000101');
  const wrong = await p.register({ password: 'not-the-password' });
  assert.equal(wrong.challenge.status, 401);
  assert.equal(wrong.final.status, 403);
  // Nothing about the failed device anywhere: store row, device list, device lookup.
  assert.equal(deviceRows(p.deviceId), 0);
  assert.equal((await h.api(`/api/devices/${p.deviceId}`)).status, 404);
  assert.ok(
    !(await h.api<{ deviceId: string }[]>('/api/devices')).body.some((d) => d.deviceId === p.deviceId),
  );
  // A keepalive from the refused device is not accepted either and still creates nothing.
  const ka = await p.keepalive();
  assert.equal(ka.status, 404);
  assert.equal(deviceRows(p.deviceId), 0);

  const right = await p.register();
  assert.equal(right.final.status, 200);
  assert.equal(deviceRows(p.deviceId), 1);
});

test('an answer to an expired nonce gets 401 with stale=true, and the fresh nonce then works', async () => {
  const p = await peer('34020000001180000102');
  const uri = 'sip:34020000002000000001@3402000000';
  const first = p.ua.createRequest({
    method: 'REGISTER',
    requestUri: uri,
    to: `sip:${p.deviceId}@3402000000`,
    headers: [['Expires', '3600']],
  });
  const challenge = await p.ua.request(first, p.gateway);
  assert.equal(challenge.status, 401);
  assert.doesNotMatch(challenge.headers.get('www-authenticate') ?? '', /stale=true/i);
  // The nonce carries its expiry (8 hex digits of Unix seconds, gateway/sip/nonce.ts): wait until
  // the moment it names has passed on this clock, the one the gateway reads too.
  const nonce = /nonce="([0-9a-f]{8})/.exec(challenge.headers.get('www-authenticate') ?? '')![1];
  const expiresAt = parseInt(nonce, 16) * 1000;
  assert.ok(expiresAt - Date.now() <= (NONCE_TTL_SEC + 1) * 1000, 'the nonce lives about its TTL');
  await sleep(Math.max(0, expiresAt - Date.now()) + 1);
  const stale = await p.authorize(first, challenge);
  assert.equal(stale.status, 401);
  assert.match(stale.headers.get('www-authenticate') ?? '', /stale=true/i);
  assert.equal(deviceRows(p.deviceId), 0);
  // RFC 2617 §3.2.1: with stale=true the device retries with the new nonce, no new password prompt.
  const retry = p.ua.createFollowUp(first);
  const ok = await p.authorize(retry, stale);
  assert.equal(ok.status, 200);
});

test('three missed keepalives turn a device offline within 3 × interval + 5 s; a keepalive brings it back', async () => {
  const p = await peer('34020000001180000103');
  assert.equal((await p.register()).final.status, 200);
  const keepaliveSent = Date.now();
  assert.equal((await p.keepalive()).status, 200);
  const lastTraffic = Date.now();
  const device = async () =>
    (await h.api<{ online: boolean; lastKeepaliveAt: string | null }>(`/api/devices/${p.deviceId}`)).body;
  assert.equal((await device()).online, true);
  assert.ok((await device()).lastKeepaliveAt);

  // Silence. Offline within 3 intervals + 5 s, and not before 3 intervals: the poll sees the
  // change at or after the moment it happens, so a seen time under 3 intervals means too early.
  await waitFor(
    async () => !(await device()).online,
    lastTraffic + 3 * KEEPALIVE_SEC * 1000 + 5000 - Date.now(),
    'offline',
  );
  const seenAt = Date.now();
  const silence = (seenAt - keepaliveSent) / 1000; // at least the gateway's silence
  assert.ok(silence >= 3 * KEEPALIVE_SEC, `offline after ${silence} s of silence, before three intervals`);
  const offlineAfter = (seenAt - lastTraffic) / 1000;
  assert.ok(offlineAfter <= 3 * KEEPALIVE_SEC + 5, `offline after ${offlineAfter} s`);
  assert.equal(db.prepare('SELECT online FROM devices WHERE device_id = ?').pluck().get(p.deviceId), 0);

  // The registration is still valid: the next keepalive is accepted and the device is online again.
  assert.equal((await p.keepalive()).status, 200);
  await waitFor(async () => (await device()).online, 2000, 'online again');
  assert.equal(db.prepare('SELECT online FROM devices WHERE device_id = ?').pluck().get(p.deviceId), 1);
});
