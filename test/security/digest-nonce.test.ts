// Security: REGISTER digest nonces expire and cannot be replayed (RFC 2617 §3.2.1-§3.2.2,
// RFC 3261 §22; docs/gb28181.md §1.3). Nonces are signed by the gateway (gateway/sip/nonce.ts), so a
// forged or foreign one is refused; an expired one only earns a stale=true challenge; a captured
// Authorization cannot register another device ID; with qop=auth a repeated nonce count is refused.
// (Wrong password → 403 and the stale=true round trip are in signaling-register.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../gateway/log.js';
import { DeviceSessions } from '../../gateway/gb28181/upper/device-sessions.js';
import { Registrar } from '../../gateway/gb28181/upper/registrar.js';
import { SqliteDeviceStore } from '../../gateway/store/sqlite-store.js';
import { NonceSigner } from '../../gateway/sip/nonce.js';
import {
  DigestServer,
  SipErrorCode,
  answerDigestChallenge,
  computeDigestResponse,
  formatDigestCredentials,
  parseDigestChallenge,
  parseSipMessage,
  type ServerTransaction,
  type SipRequest,
} from '../../gateway/sip/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { mockClock } from '../helpers/mock-clock.js';
import { REALM, SERVER_URI, SipPeer } from '../helpers/sip-peer.js';

const PASSWORD = '12345678';
const A = '34020000001180000001';
const B = '34020000001180000002';

function register(deviceId: string, authorization?: string, callId = `c-${deviceId}`): SipRequest {
  const text = [
    `REGISTER ${SERVER_URI} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    `From: <sip:${deviceId}@${REALM}>;tag=1`,
    `To: <sip:${deviceId}@${REALM}>`,
    `Call-ID: ${callId}`,
    'CSeq: 2 REGISTER',
    `Contact: <sip:${deviceId}@192.0.2.10:5060>`,
    ...(authorization ? [`Authorization: ${authorization}`] : []),
    'Expires: 3600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseSipMessage(new TextEncoder().encode(text));
  assert.ok(parsed.ok && parsed.message.kind === 'request');
  return parsed.message;
}

/** A Registrar on an in-memory store, and a way to hand it one request and read the answer. */
function registrar(nonceTtlMs?: number) {
  const store = new SqliteDeviceStore(':memory:');
  const sessions = new DeviceSessions({ store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3 });
  const r = new Registrar({
    realm: REALM,
    password: PASSWORD,
    store,
    sessions,
    log: createLogger('test'),
    timeZone: 'Asia/Shanghai',
    maxExpiresSec: 3600,
    ...(nonceTtlMs ? { nonceTtlMs } : {}),
  });
  const send = (req: SipRequest, address = '192.0.2.10') => {
    let answer: { status: number; wwwAuthenticate?: string } | undefined;
    const tx = {
      remote: { transport: 'udp', address, port: 5060 },
      respond: (status: number, _reason?: string, opts?: { headers?: [string, string][] }) => {
        answer = { status, wwwAuthenticate: opts?.headers?.find(([n]) => n === 'WWW-Authenticate')?.[1] };
        return undefined;
      },
    } as unknown as ServerTransaction;
    r.handle(req, tx);
    assert.ok(answer, 'no answer');
    return answer;
  };
  /** The Authorization a device with `password` sends for `deviceId` in answer to a fresh challenge. */
  const authorize = (deviceId: string, password = PASSWORD) => {
    const challenge = send(register(deviceId)).wwwAuthenticate!;
    return answerDigestChallenge(challenge, {
      username: deviceId,
      password,
      method: 'REGISTER',
      uri: SERVER_URI,
    })!;
  };
  return { send, authorize, sessions, store };
}

test('an authorized REGISTER replayed after its nonce expired gets 401 stale=true, never 200', (ctx) => {
  const clock = mockClock(ctx); // on a whole second: the nonce's expiry (kept in seconds) is exactly 1 s away
  const r = registrar(1000);
  const auth = r.authorize(A);
  assert.equal(r.send(register(A, auth)).status, 200);
  clock.tick(1001);
  const replay = r.send(register(A, auth));
  assert.equal(replay.status, 401);
  assert.equal(parseDigestChallenge(replay.wwwAuthenticate ?? '')?.stale, true);
});

test('a captured Authorization replayed under another device ID is refused', () => {
  const r = registrar();
  const captured = r.authorize(A);
  assert.equal(r.send(register(A, captured)).status, 200);
  // B knows no password; it re-sends A's credentials (valid digest, A's nonce) as itself.
  const replay = r.send(register(B, captured));
  assert.equal(replay.status, 401);
  assert.equal(r.sessions.get(B), undefined, "B got registered with A's credentials");
  assert.equal(r.store.getDevice(B), undefined);
});

test('a nonce the gateway never issued (forged, or signed by another instance) gets a fresh challenge', () => {
  const r = registrar();
  const other = new NonceSigner(); // another gateway's secret
  for (const nonce of [other.issue(), '6fe9ba44a76be22a', 'f'.repeat(56)]) {
    const creds = {
      username: A,
      realm: REALM,
      nonce,
      uri: SERVER_URI,
      response: '',
      algorithm: 'MD5' as const,
    };
    creds.response = computeDigestResponse({ ...creds, password: PASSWORD, method: 'REGISTER' });
    const answer = r.send(register(A, formatDigestCredentials(creds)));
    assert.equal(answer.status, 401, `nonce ${nonce}`);
    assert.equal(r.sessions.get(A), undefined);
  }
});

test('DigestServer: expiry and replay rules, on a controlled clock', () => {
  let now = 1_700_000_000_000;
  const server = new DigestServer({ realm: REALM, qop: true, nonce: { ttlMs: 60_000, now: () => now } });
  const challenge = parseDigestChallenge(server.challenge())!;
  const answer = (nc: number, identity = A) =>
    server.verify({
      method: 'REGISTER',
      identity,
      password: PASSWORD,
      authorization: answerDigestChallenge(challenge, {
        username: A,
        password: PASSWORD,
        method: 'REGISTER',
        uri: SERVER_URI,
        nc,
        cnonce: '0a4f113b',
      })!,
    });
  assert.equal(answer(1).ok, true);
  const sameNc = answer(1);
  assert.equal(sameNc.ok, false);
  assert.equal(
    sameNc.ok ? '' : sameNc.code,
    SipErrorCode.DIGEST_REPLAY,
    'a repeated nonce count was accepted',
  );
  assert.equal(answer(2).ok, true, 'the next nonce count is fine');
  now += 61_000;
  const late = answer(3);
  assert.equal(late.ok ? '' : late.code, SipErrorCode.DIGEST_NONCE_STALE, 'an expired nonce was accepted');
});

// Live gateway: the same replay over the wire.
let h: Harness | undefined;
const devices: SipPeer[] = [];
after(async () => {
  for (const d of devices) {
    await d.close();
  }
  await h?.close();
});

test('over the wire: another device ID replaying a captured REGISTER is not registered', async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  const a = await SipPeer.start({ deviceId: A, gatewayPort: h.gw.sipPort, password: h.gw.secrets.password });
  const b = await SipPeer.start({ deviceId: B, gatewayPort: h.gw.sipPort, password: '', host: '127.0.0.2' });
  devices.push(a, b);
  const first = await a.register();
  assert.equal(first.final.status, 200);
  const captured = first.authorized!.headers.get('authorization')!;
  const replay = await b.replay(captured);
  assert.equal(replay.status, 401);
  assert.equal(h.gw.upper.sessions.get(B), undefined);
});

test('over the wire: the same REGISTER replayed from another address within the nonce lifetime does not move the device', async () => {
  assert.ok(h, 'needs the previous test');
  const attacker = await SipPeer.start({
    deviceId: B,
    gatewayPort: h.gw.sipPort,
    password: '',
    host: '127.0.0.3',
  });
  devices.push(attacker);
  const a = devices[0];
  const again = await a.register();
  const captured = again.authorized!.headers.get('authorization')!;
  const replay = await attacker.replay(captured, A);
  assert.notEqual(replay.status, 200, "a captured REGISTER re-bound the device to the attacker's address");
  assert.equal(h.gw.upper.sessions.get(A)?.remote.address, '127.0.0.1');
});
