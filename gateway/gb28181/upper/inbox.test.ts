import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { createLogger } from '../../log.js';
import type { ServerTransaction, SipRemote } from '../../sip/index.js';
import { parseSipMessage, type SipRequest } from '../../sip/message.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { CATALOG_RESPONSE, KEEPALIVE, MEDIA_STATUS } from '../fixtures/reference-bodies.js';
import { parseManscdp, type ManscdpMessage } from '../manscdp/codec.js';
import { DeviceSessions } from './device-sessions.js';
import { Inbox } from './inbox.js';

const DEVICE = '34020000001180000001';
const STRANGER = '34020000001180000099';
const PLAYBACK_CALL_ID = 'c2a9e5d1f0b34f6e@10.0.0.10';
const remote: SipRemote = { transport: 'udp', address: '10.0.0.10', port: 5060 };

let cseq = 0;
/** A MESSAGE as it arrives on the wire (literal text, CRLF line ends), with `body` as given. */
function message(fromUser: string, body: Uint8Array, callId = `${++cseq}@10.0.0.10`): SipRequest {
  const head = [
    `MESSAGE sip:34020000002000000001@10.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.10:5060;rport;branch=z9hG4bK${cseq}a1`,
    `From: <sip:${fromUser}@3402000000>;tag=904418220`,
    'To: <sip:34020000002000000001@3402000000>',
    `Call-ID: ${callId}`,
    `CSeq: ${++cseq} MESSAGE`,
    'Max-Forwards: 70',
    'Content-Type: Application/MANSCDP+xml',
    `Content-Length: ${body.byteLength}`,
    '',
    '',
  ].join('\r\n');
  const parsed = parseSipMessage(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  assert.ok(parsed.ok && parsed.message.kind === 'request', JSON.stringify(parsed));
  return parsed.message;
}

/** The only parts of a server transaction the inbox uses: where it came from, and the answer. */
function transaction(): { tx: ServerTransaction; statuses: number[] } {
  const statuses: number[] = [];
  const tx = { remote, respond: (status: number) => void statuses.push(status) };
  return { tx: tx as unknown as ServerTransaction, statuses };
}

/** An inbox with DEVICE registered, counting what reaches the full MANSCDP parser. */
function rig() {
  const sessions = new DeviceSessions({
    store: new SqliteDeviceStore(':memory:'),
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
  });
  sessions.register(DEVICE, remote, 3600, 'reg-1');
  const parsedBodies: Uint8Array[] = [];
  const delivered: ManscdpMessage[] = [];
  const inDialog: ManscdpMessage[] = [];
  const keepalives: string[] = [];
  sessions.events.on('keepalive', (id) => keepalives.push(id));
  const inbox = new Inbox(
    sessions,
    {
      onMessage: (m) => void delivered.push(m),
      isDialog: (callId) => callId === PLAYBACK_CALL_ID,
      onDialogMessage: (callId, m) => callId === PLAYBACK_CALL_ID && inDialog.push(m) > 0,
    },
    createLogger('test'),
    (body) => {
      parsedBodies.push(body);
      return parseManscdp(body);
    },
  );
  const send = (req: SipRequest) => {
    const { tx, statuses } = transaction();
    inbox.handle(req, tx);
    return statuses;
  };
  return { inbox, send, parsedBodies, delivered, inDialog, keepalives };
}

const gb2312 = (text: string) => iconv.encode(text, 'gb2312');

test('an unregistered sender gets 403 and its body never reaches the XML parser', () => {
  const { inbox, send, parsedBodies, delivered } = rig();
  assert.deepEqual(send(message(STRANGER, gb2312(CATALOG_RESPONSE))), [403]);
  // 60 KiB of nested tags: costly to parse, and not parsed at all.
  const heavy = Buffer.from(`<Response>${'<Item><Name>x</Name>'.repeat(3000)}`, 'latin1');
  assert.deepEqual(send(message(STRANGER, heavy)), [403]);
  // A sender with no usable From user is no better.
  assert.deepEqual(send(message('not-an-id', gb2312(CATALOG_RESPONSE))), [403]);
  assert.equal(parsedBodies.length, 0, 'the parser saw a body from an unregistered sender');
  assert.deepEqual(delivered, []);
  assert.equal(inbox.stats.unknownDevice, 3);
});

test('an unregistered keepalive gets 404 (register again) without a parse, canonical or not', () => {
  const { send, parsedBodies, keepalives } = rig();
  assert.deepEqual(send(message(STRANGER, gb2312(KEEPALIVE))), [404]);
  // GB2312 text in <Info> takes the fast path out; the refusal is still a 404.
  const withInfo = KEEPALIVE.replace('<Status>OK</Status>', '<Status>OK</Status>\r\n<Info>通道1离线</Info>');
  assert.deepEqual(send(message(STRANGER, gb2312(withInfo))), [404]);
  assert.equal(parsedBodies.length, 0);
  assert.deepEqual(keepalives, [], 'a stranger counts as no keepalive');
});

test('a registered device: keepalives take the fast path, other bodies are parsed and delivered', () => {
  const { send, parsedBodies, delivered, keepalives } = rig();
  assert.deepEqual(send(message(DEVICE, gb2312(KEEPALIVE))), [200]);
  assert.equal(parsedBodies.length, 0, 'the canonical keepalive went through the XML parser');
  assert.deepEqual(keepalives, [DEVICE]);

  assert.deepEqual(send(message(DEVICE, gb2312(CATALOG_RESPONSE))), [200]);
  assert.equal(parsedBodies.length, 1);
  assert.deepEqual(
    delivered.map((m) => m.kind),
    ['Keepalive', 'CatalogResponse'],
  );
});

test("an in-dialog MESSAGE is parsed even when its From is not a registered device (Hikvision's MediaStatus)", () => {
  const { send, parsedBodies, inDialog, delivered } = rig();
  assert.deepEqual(send(message(STRANGER, gb2312(MEDIA_STATUS), PLAYBACK_CALL_ID)), [200]);
  assert.equal(parsedBodies.length, 1);
  assert.deepEqual(
    inDialog.map((m) => m.kind),
    ['MediaStatus'],
  );
  assert.deepEqual(delivered, []);
});

test('a fixed charset (PATCH charset) decodes the device bodies with it and keeps the reply charset', () => {
  const sessions = new DeviceSessions({
    store: new SqliteDeviceStore(':memory:'),
    keepaliveIntervalSec: 60,
    keepaliveTimeoutCount: 3,
  });
  sessions.register(DEVICE, remote, 3600, 'reg-1');
  const names: (string | undefined)[] = [];
  const inbox = new Inbox(
    sessions,
    { onMessage: (m) => void names.push(m.kind === 'DeviceInfoResponse' ? m.deviceName : undefined) },
    createLogger('test'),
  );
  // UTF-8 bytes, declared UTF-8.
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Response><CmdType>DeviceInfo</CmdType><SN>7</SN><DeviceID>${DEVICE}</DeviceID><DeviceName>大门</DeviceName></Response>`,
    'utf8',
  );
  inbox.handle(message(DEVICE, body), transaction().tx);
  assert.deepEqual(names, ['大门'], 'auto: valid UTF-8 is read as UTF-8');
  assert.equal(sessions.get(DEVICE)?.charset, 'UTF-8', 'auto: replies follow the declaration');

  sessions.setCharset(DEVICE, 'GB2312');
  inbox.handle(message(DEVICE, body), transaction().tx);
  assert.equal(names[1], iconv.decode(Buffer.from('大门', 'utf8'), 'gb18030'), 'forced: read as GB18030');
  assert.equal(sessions.get(DEVICE)?.charset, 'GB2312', 'forced: replies stay in the fixed charset');
});
