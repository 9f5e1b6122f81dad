// Issue #20 points 1 and 2 at the inbox: a registered device ID sent from an address that is not
// the device's binding is answered exactly as an unknown ID (same status, same headers, body not
// parsed) and moves nothing. The wire version is test/security/device-binding.test.ts.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { createLogger } from '../../log.js';
import type { ServerTransaction, SipRemote } from '../../sip/index.js';
import { parseSipMessage, type SipRequest } from '../../sip/message.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { CATALOG_RESPONSE, KEEPALIVE } from '../fixtures/reference-bodies.js';
import { parseManscdp } from '../manscdp/codec.js';
import { DeviceSessions } from './device-sessions.js';
import { Inbox } from './inbox.js';

const DEVICE = '34020000001180000001';
const UNKNOWN = '34020000001180000099';
const DEVICE_AT: SipRemote = { transport: 'udp', address: '10.0.0.10', port: 5060 };
const ELSEWHERE: SipRemote = { transport: 'udp', address: '10.0.0.66', port: 5060 };

let n = 0;
function message(fromUser: string, body: Uint8Array): SipRequest {
  n++;
  const head = [
    'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0',
    `Via: SIP/2.0/UDP 10.0.0.66:5060;rport;branch=z9hG4bKprobe${n}`,
    `From: <sip:${fromUser}@3402000000>;tag=probe${n}`,
    'To: <sip:34020000002000000001@3402000000>',
    `Call-ID: probe-${n}@10.0.0.66`,
    `CSeq: ${n} MESSAGE`,
    'Content-Type: Application/MANSCDP+xml',
    `Content-Length: ${body.byteLength}`,
    '',
    '',
  ].join('\r\n');
  const parsed = parseSipMessage(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  assert.ok(parsed.ok && parsed.message.kind === 'request');
  return parsed.message;
}

function rig() {
  const store = new SqliteDeviceStore(':memory:');
  const sessions = new DeviceSessions({ store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3 });
  sessions.register(DEVICE, DEVICE_AT, 3600, 'reg-1');
  let parses = 0;
  const inbox = new Inbox(sessions, { onMessage: () => undefined }, createLogger('test'), (body) => {
    parses++;
    return parseManscdp(body);
  });
  /** What the transaction was asked to send: status, reason, options. */
  const send = (req: SipRequest, remote: SipRemote): unknown[][] => {
    const calls: unknown[][] = [];
    const tx = { remote, respond: (...args: unknown[]) => void calls.push(args) };
    inbox.handle(req, tx as unknown as ServerTransaction);
    return calls;
  };
  return { sessions, store, send, parses: () => parses };
}

const keepalive = (id: string) => iconv.encode(KEEPALIVE.replace('34020000001180000001', id), 'gb2312');

test('a registered ID from another address gets what an unknown ID gets: 404 to a keepalive, 403 otherwise', () => {
  const { send, parses } = rig();
  const registered = send(message(DEVICE, keepalive(DEVICE)), ELSEWHERE);
  const unknown = send(message(UNKNOWN, keepalive(UNKNOWN)), ELSEWHERE);
  assert.deepEqual(registered, [[404]]);
  assert.deepEqual(registered, unknown, 'the answer tells registered IDs apart');

  const catalog = iconv.encode(CATALOG_RESPONSE, 'gb2312');
  assert.deepEqual(send(message(DEVICE, catalog), ELSEWHERE), [[403]]);
  assert.deepEqual(send(message(UNKNOWN, catalog), ELSEWHERE), [[403]]);
  assert.equal(parses(), 0, 'a body from outside the binding reached the XML parser');
});

test('the forged keepalive moves nothing; the device at its binding still gets 200', () => {
  const { sessions, store, send } = rig();
  const keepalives: string[] = [];
  sessions.events.on('keepalive', (id) => keepalives.push(id));
  send(message(DEVICE, keepalive(DEVICE)), ELSEWHERE);
  sessions.flush();
  assert.deepEqual(sessions.get(DEVICE)?.remote, DEVICE_AT);
  assert.equal(store.getDevice(DEVICE)?.remoteAddress, DEVICE_AT.address);
  assert.deepEqual(keepalives, []);

  assert.deepEqual(send(message(DEVICE, keepalive(DEVICE)), { ...DEVICE_AT, port: 6000 }), [[200]]);
  assert.deepEqual(keepalives, [DEVICE]);
  assert.deepEqual(sessions.get(DEVICE)?.remote, { ...DEVICE_AT, port: 6000 }, 'NAT port change followed');
});
