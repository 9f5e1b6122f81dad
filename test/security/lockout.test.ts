// Security: repeated wrong passwords lock out the device ID + source address for a while
// (docs/gb28181.md §1.4: Monibuca bans an ID for 10 min after 3 failures; ours: 5 failures in 10 min
// lock for 10 min). While locked even the right password gets 403; the same ID from another
// address and other IDs from the same address are not affected; the lock ends by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../gateway/log.js';
import { DeviceSessions } from '../../gateway/gb28181/upper/device-sessions.js';
import { Registrar } from '../../gateway/gb28181/upper/registrar.js';
import { SqliteDeviceStore } from '../../gateway/store/sqlite-store.js';
import {
  answerDigestChallenge,
  parseSipMessage,
  type ServerTransaction,
  type SipRequest,
} from '../../gateway/sip/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { mockClock } from '../helpers/mock-clock.js';
import { REALM, SERVER_URI, SipPeer } from '../helpers/sip-peer.js';

const A = '34020000001180000001';
const B = '34020000001180000002';
let h: Harness;
const devices: SipPeer[] = [];

before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
});
after(async () => {
  for (const d of devices) {
    await d.close();
  }
  await h?.close();
});

async function device(id: string, host: string): Promise<SipPeer> {
  const d = await SipPeer.start({
    deviceId: id,
    gatewayPort: h.gw.sipPort,
    password: h.gw.secrets.password,
    host,
  });
  devices.push(d);
  return d;
}

test('five wrong passwords lock the device ID at that address: the right password then gets 403 too', async () => {
  const right = h.gw.secrets.password;
  const a = await device(A, '127.0.0.1');
  for (let i = 0; i < 5; i++) {
    assert.equal((await a.register({ password: 'wrong-password' })).final.status, 403, `attempt ${i + 1}`);
  }
  const locked = await a.register({ password: right });
  assert.equal(locked.final.status, 403, 'the right password was accepted during the lock');
  assert.equal(h.gw.upper.sessions.get(A), undefined);

  // Per device+address: the same ID from another address, and another ID from this one, register.
  const a2 = await device(A, '127.0.0.2');
  assert.equal((await a2.register({ password: right })).final.status, 200);
  const b = await device(B, '127.0.0.1');
  assert.equal((await b.register({ password: right })).final.status, 200);
  assert.equal((await a.register({ password: right })).final.status, 403, 'still locked at 127.0.0.1');
});

test('the lock ends by itself after its duration', (ctx) => {
  const clock = mockClock(ctx);
  const store = new SqliteDeviceStore(':memory:');
  const registrar = new Registrar({
    realm: REALM,
    password: 'right-password',
    store,
    sessions: new DeviceSessions({ store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3 }),
    log: createLogger('test'),
    timeZone: 'Asia/Shanghai',
    maxExpiresSec: 3600,
    lockout: { maxFailures: 3, windowMs: 60_000, lockMs: 300 },
  });
  const send = (authorization?: string): { status: number; challenge?: string } => {
    const text = [
      `REGISTER ${SERVER_URI} SIP/2.0`,
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlock',
      `From: <sip:${A}@${REALM}>;tag=1`,
      `To: <sip:${A}@${REALM}>`,
      'Call-ID: lock',
      'CSeq: 1 REGISTER',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'Expires: 3600',
      '',
      '',
    ].join('\r\n');
    const parsed = parseSipMessage(new TextEncoder().encode(text));
    assert.ok(parsed.ok);
    let out: { status: number; challenge?: string } | undefined;
    const tx = {
      remote: { transport: 'udp', address: '192.0.2.10', port: 5060 },
      respond: (status: number, _r?: string, o?: { headers?: [string, string][] }) => {
        out = { status, challenge: o?.headers?.[0]?.[1] };
      },
    } as unknown as ServerTransaction;
    registrar.handle(parsed.message as SipRequest, tx);
    return out!;
  };
  const attempt = (password: string) => {
    const challenge = send().challenge!;
    return send(
      answerDigestChallenge(challenge, { username: A, password, method: 'REGISTER', uri: SERVER_URI }),
    ).status;
  };
  assert.deepEqual([attempt('x'), attempt('y'), attempt('z')], [403, 403, 403]);
  assert.equal(send().status, 403, 'locked: even the challenge is refused');
  clock.tick(299);
  assert.equal(send().status, 403, 'still locked 1 ms before the lock ends');
  clock.tick(1);
  assert.equal(attempt('right-password'), 200, 'still locked after the lock duration');
});
