// Issue #20 point 3: the digest lockout was per device ID + address, so one address rotating
// through device IDs made 500 wrong guesses in 0.68 s. Failures now also count per source address
// across IDs, with an exponential back-off (gateway/sip/auth-backoff.ts): an answer from an
// address that must wait is refused unchecked, even when it is right. Time is an injected clock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../gateway/log.js';
import { DeviceSessions } from '../../gateway/gb28181/upper/device-sessions.js';
import { Registrar, type RegisterFailure } from '../../gateway/gb28181/upper/registrar.js';
import { SqliteDeviceStore } from '../../gateway/store/sqlite-store.js';
import {
  answerDigestChallenge,
  parseSipMessage,
  type ServerTransaction,
  type SipRequest,
} from '../../gateway/sip/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { REALM, SERVER_URI, SipPeer } from '../helpers/sip-peer.js';

const PASSWORD = 'right-password';
const ATTACKER = '198.51.100.9';
const NEIGHBOUR = '192.0.2.20';

/** A registrar on an injected clock, answering REGISTERs handed to it as text. */
function rig() {
  let now = Date.parse('2025-04-18T02:00:00.000Z');
  const store = new SqliteDeviceStore(':memory:');
  const sessions = new DeviceSessions({ store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3 });
  const outcomes: RegisterFailure[] = [];
  const registrar = new Registrar({
    realm: REALM,
    password: PASSWORD,
    store,
    sessions,
    log: createLogger('test'),
    timeZone: 'Asia/Shanghai',
    maxExpiresSec: 3600,
    now: () => now,
    onFailure: (reason) => outcomes.push(reason),
  });
  let seq = 0;
  const send = (deviceId: string, address: string, authorization?: string) => {
    seq++;
    const text = [
      `REGISTER ${SERVER_URI} SIP/2.0`,
      `Via: SIP/2.0/UDP ${address}:5060;branch=z9hG4bKguess${seq}`,
      `From: <sip:${deviceId}@${REALM}>;tag=${seq}`,
      `To: <sip:${deviceId}@${REALM}>`,
      `Call-ID: guess-${seq}`,
      `CSeq: ${seq} REGISTER`,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'Expires: 3600',
      '',
      '',
    ].join('\r\n');
    const parsed = parseSipMessage(new TextEncoder().encode(text));
    assert.ok(parsed.ok);
    let out: { status: number; challenge?: string } | undefined;
    const tx = {
      remote: { transport: 'udp', address, port: 5060 },
      respond: (status: number, _r?: string, o?: { headers?: [string, string][] }) => {
        out = { status, challenge: o?.headers?.find(([n]) => n === 'WWW-Authenticate')?.[1] };
      },
    } as unknown as ServerTransaction;
    registrar.handle(parsed.message as SipRequest, tx);
    return out!;
  };
  /** Challenge, then answer it with `password`: the final status. */
  const attempt = (deviceId: string, address: string, password: string): number => {
    const challenge = send(deviceId, address).challenge;
    assert.ok(challenge, 'no challenge');
    const auth = answerDigestChallenge(challenge, {
      username: deviceId,
      password,
      method: 'REGISTER',
      uri: SERVER_URI,
    });
    return send(deviceId, address, auth).status;
  };
  return { sessions, outcomes, send, attempt, advance: (ms: number) => (now += ms), now: () => now };
}

const deviceId = (i: number) => `3402000000132${String(i).padStart(7, '0')}`;

test('rotating device IDs from one address: fewer than 20 checked guesses in any minute', (t) => {
  const { outcomes, attempt, advance, now } = rig();
  const start = now();
  // The burst, 500 guesses in 0.68 s (one every 1.36 ms), then a guess every 50 ms for
  // ten minutes: a faster attacker gains nothing, as a guess during a wait is not checked, and
  // 50 ms is small beside the waits (the first is 1 s).
  const BURST = 500;
  const BURST_STEP_MS = 1.36;
  const STEP_MS = 50;
  const MINUTES = 10;
  const checkedAt: number[] = [];
  let guesses = 0;
  while (now() - start < MINUTES * 60_000) {
    const before = outcomes.length;
    assert.equal(attempt(deviceId(guesses), ATTACKER, `guess-${guesses}`), 403);
    if (outcomes.slice(before).includes('wrong-password')) {
      checkedAt.push(now() - start);
    }
    guesses++;
    advance(guesses < BURST ? BURST_STEP_MS : STEP_MS);
  }
  const perMinute = Array.from(
    { length: MINUTES },
    (_, m) => checkedAt.filter((at) => at >= m * 60_000 && at < (m + 1) * 60_000).length,
  );
  const firstBurst = checkedAt.filter((at) => at < BURST * BURST_STEP_MS).length;
  t.diagnostic(
    `${guesses} guesses in ${MINUTES} min from one address: ${checkedAt.length} checked; per minute ${JSON.stringify(perMinute)}; of the first ${BURST} (0.68 s) ${firstBurst} checked`,
  );
  assert.ok(Math.max(...perMinute) < 20, `checked guesses per minute: ${JSON.stringify(perMinute)}`);
  assert.ok(firstBurst < 20, `${firstBurst} of the first ${BURST} guesses were checked`);
  // Sliding windows too, not only whole minutes.
  for (const at of checkedAt) {
    const inWindow = checkedAt.filter((x) => x >= at && x < at + 60_000).length;
    assert.ok(inWindow < 20, `${inWindow} checked guesses in the minute from ${at} ms`);
  }
});

test('while the address backs off, even the right password is refused unchecked; other addresses register', () => {
  const { sessions, outcomes, attempt } = rig();
  for (let i = 0; i < 11; i++) {
    assert.equal(attempt(deviceId(i), ATTACKER, 'wrong'), 403);
  }
  assert.equal(attempt(deviceId(99), ATTACKER, PASSWORD), 403, 'a right guess got through the back-off');
  assert.equal(outcomes.at(-1), 'throttled');
  assert.equal(sessions.get(deviceId(99)), undefined);

  assert.equal(attempt(deviceId(98), NEIGHBOUR, PASSWORD), 200, 'a device at another address was refused');
  assert.ok(sessions.get(deviceId(98))?.online);
});

test('guesses with a source address spoofed to a site do not make its devices wait (the nonce is bound to where it was sent)', () => {
  const { outcomes, send, attempt } = rig();
  // The attacker takes a challenge at its own address, then answers it 30 times "from" the
  // neighbour's address, as a spoofed UDP source would (it never sees the answers).
  const challenge = send(deviceId(0), ATTACKER).challenge!;
  for (let i = 0; i < 30; i++) {
    const auth = answerDigestChallenge(challenge, {
      username: deviceId(i),
      password: `guess-${i}`,
      method: 'REGISTER',
      uri: SERVER_URI,
    });
    assert.equal(send(deviceId(i), NEIGHBOUR, auth).status, 401, 'a nonce sent elsewhere was accepted');
  }
  assert.ok(!outcomes.includes('wrong-password'), 'a spoofed guess was checked and counted');
  assert.equal(attempt(deviceId(98), NEIGHBOUR, PASSWORD), 200, 'the neighbour was made to wait');
});

test('the address may try again once its wait is over', () => {
  const { attempt, advance } = rig();
  for (let i = 0; i < 11; i++) {
    attempt(deviceId(i), ATTACKER, 'wrong');
  }
  assert.equal(attempt(deviceId(99), ATTACKER, PASSWORD), 403);
  advance(1_000); // the first wait past the 10 free failures
  assert.equal(attempt(deviceId(99), ATTACKER, PASSWORD), 200);
});

// Over the wire, with the metrics the operator sees.
let h: Harness | undefined;
const devices: SipPeer[] = [];
after(async () => {
  for (const d of devices) {
    await d.close();
  }
  await h?.close();
});

test('over the wire: guesses from 127.0.0.2 across IDs are cut off and counted; 127.0.0.1 is unaffected', async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  const t0 = Date.now();
  for (let i = 0; i < 30; i++) {
    const guesser = await SipPeer.start({
      deviceId: deviceId(i),
      gatewayPort: h.gw.sipPort,
      password: `guess-${i}`,
      host: '127.0.0.2',
    });
    devices.push(guesser);
    assert.equal((await guesser.register()).final.status, 403);
  }
  const elapsed = Date.now() - t0;
  const password = h.gw.secrets.password;
  const right = await SipPeer.start({
    deviceId: deviceId(31),
    gatewayPort: h.gw.sipPort,
    password,
    host: '127.0.0.2',
  });
  devices.push(right);
  assert.equal((await right.register()).final.status, 403, 'refused while backing off');
  const legit = await SipPeer.start({ deviceId: deviceId(32), gatewayPort: h.gw.sipPort, password });
  devices.push(legit);
  assert.equal((await legit.register()).final.status, 200);

  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
  const failures = value(/^gb_sip_auth_failures_total (\d+)/m);
  const throttled = value(/^gb_sip_auth_throttled_total\{scope="address"\} (\d+)/m);
  // 10 free failures, the 11th starts a 1 s wait; a slower run may have had one more checked.
  if (elapsed < 900) {
    assert.equal(failures, 11);
  } else {
    assert.ok(failures >= 11 && failures <= 13, `${failures} checked in ${elapsed} ms`);
  }
  assert.equal(failures + throttled, 31, 'every guess counted once, checked or refused unchecked');
  assert.equal(value(/^gb_sip_auth_throttled_total\{scope="device"\} (\d+)/m), 0);
});
