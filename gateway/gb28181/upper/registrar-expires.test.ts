// How long a registration lasts (RFC 3261 §10.2.1.1, §10.3 step 7): the Expires header, else
// the Contact's expires parameter, else the registrar's default; never more than our maximum.
// A REGISTER naming no expiry at all is valid and gets the default (it used to get 400).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../log.js';
import {
  answerDigestChallenge,
  parseSipMessage,
  type ServerTransaction,
  type SipRequest,
} from '../../sip/index.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { DeviceSessions } from './device-sessions.js';
import { Registrar } from './registrar.js';

const DEVICE = '34020000001320000001';
const REALM = '3402000000';
const URI = `sip:34020000002000000001@${REALM}`;

function rig(o: { maxExpiresSec?: number; defaultExpiresSec?: number } = {}) {
  const store = new SqliteDeviceStore(':memory:');
  const sessions = new DeviceSessions({ store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3 });
  const registrar = new Registrar({
    realm: REALM,
    password: 'pw',
    store,
    sessions,
    log: createLogger('test'),
    timeZone: 'Asia/Shanghai',
    maxExpiresSec: o.maxExpiresSec ?? 3600,
    ...(o.defaultExpiresSec === undefined ? {} : { defaultExpiresSec: o.defaultExpiresSec }),
  });
  let seq = 0;
  const send = (expiryHeaders: string[], authorization?: string) => {
    seq++;
    const text = [
      `REGISTER ${URI} SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKexp${seq}`,
      `From: <sip:${DEVICE}@${REALM}>;tag=1`,
      `To: <sip:${DEVICE}@${REALM}>`,
      'Call-ID: expires-test',
      `CSeq: ${seq} REGISTER`,
      ...expiryHeaders,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      '',
      '',
    ].join('\r\n');
    const parsed = parseSipMessage(new TextEncoder().encode(text));
    assert.ok(parsed.ok);
    let out: { status: number; headers: Map<string, string> } | undefined;
    const tx = {
      remote: { transport: 'udp', address: '192.0.2.10', port: 5060 },
      respond: (status: number, _r?: string, opts?: { headers?: [string, string][] }) => {
        out = { status, headers: new Map(opts?.headers ?? []) };
      },
    } as unknown as ServerTransaction;
    registrar.handle(parsed.message as SipRequest, tx);
    return out!;
  };
  /** REGISTER with these expiry headers, answer the challenge: the final answer. */
  const register = (expiryHeaders: string[]) => {
    const first = send(expiryHeaders);
    if (first.status !== 401) {
      return first;
    }
    const auth = answerDigestChallenge(first.headers.get('WWW-Authenticate')!, {
      username: DEVICE,
      password: 'pw',
      method: 'REGISTER',
      uri: URI,
    });
    return send(expiryHeaders, auth);
  };
  return { register, sessions };
}

test('no Expires header and no expires parameter: 200 with the default (3600 s)', () => {
  const { register, sessions } = rig();
  const res = register([`Contact: <sip:${DEVICE}@192.0.2.10:5060>`]);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('Expires'), '3600');
  assert.ok(sessions.get(DEVICE)?.online);
});

test('the default is configurable and never above the maximum', () => {
  assert.equal(rig({ defaultExpiresSec: 600 }).register([]).headers.get('Expires'), '600');
  assert.equal(rig({ maxExpiresSec: 300 }).register([]).headers.get('Expires'), '300');
});

test("the Contact's expires parameter is used when there is no Expires header", () => {
  const res = rig().register([`Contact: <sip:${DEVICE}@192.0.2.10:5060>;expires=120`]);
  assert.equal(res.headers.get('Expires'), '120');
});

test('an unreadable Expires is still a 400', () => {
  assert.equal(rig().register(['Expires: soon']).status, 400);
  assert.equal(rig().register([`Contact: <sip:${DEVICE}@192.0.2.10:5060>;expires=x`]).status, 400);
});
