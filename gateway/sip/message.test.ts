import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { SipErrorCode } from './errors.js';
import { getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import {
  parseSipMessage,
  serializeSipMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import * as ref from './fixtures/reference-messages.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

function parse(s: string | Uint8Array): SipMessage {
  const r = parseSipMessage(typeof s === 'string' ? bytes(s) : s);
  if (!r.ok) {
    assert.fail(`${r.error}: ${r.detail}`);
  }
  return r.message;
}

function parseRequest(s: string): SipRequest {
  const m = parse(s);
  if (m.kind !== 'request') {
    assert.fail('not a request');
  }
  return m;
}

function parseResponse(s: string): SipResponse {
  const m = parse(s);
  if (m.kind !== 'response') {
    assert.fail('not a response');
  }
  return m;
}

test('every reference message round-trips byte for byte', () => {
  for (const [name, text] of Object.entries(ref.REFERENCE_MESSAGES)) {
    const out = serializeSipMessage(parse(text));
    assert.equal(out.toString('utf8'), text, name);
  }
});

test('reference REGISTER (§1.2 step 1) parses into its fields', () => {
  const req = parseRequest(ref.REGISTER_NO_AUTH);
  assert.equal(req.method, 'REGISTER');
  assert.equal(req.uri, 'sip:34020000002000000001@3402000000');
  const via = getTopVia(req.headers)!;
  assert.equal(via.transport, 'UDP');
  assert.equal(via.host, '192.168.1.64');
  assert.equal(via.port, 5060);
  assert.equal(via.rport, null); // present, empty: the device asks for RFC 3581
  assert.equal(via.branch, 'z9hG4bK1371463273');
  assert.equal(parseNameAddr(req.headers.get('from')!)!.tag, '2043466181');
  assert.equal(parseNameAddr(req.headers.get('to')!)!.tag, undefined);
  assert.equal(req.headers.get('call-id'), '1011047669');
  assert.deepEqual(parseCSeq(req.headers.get('CSeq')!), { seq: 1, method: 'REGISTER' });
  assert.equal(req.headers.get('expires'), '3600');
  assert.equal(req.body.length, 0);
});

test('reference 401 (§1.2 step 2) carries received/rport and the challenge', () => {
  const res = parseResponse(ref.UNAUTHORIZED_401);
  assert.equal(res.status, 401);
  assert.equal(res.reason, 'Unauthorized');
  const via = getTopVia(res.headers)!;
  assert.equal(via.rport, 40211);
  assert.equal(via.received, '203.0.113.7');
  assert.equal(
    res.headers.get('www-authenticate'),
    'Digest realm="3402000000", nonce="6fe9ba44a76be22a", algorithm=MD5',
  );
});

test('reference MESSAGE keepalive (§2) has a 168-byte body ending in CRLF', () => {
  const req = parseRequest(ref.MESSAGE_KEEPALIVE);
  assert.equal(req.body.length, 168);
  assert.equal(req.headers.get('content-type'), 'Application/MANSCDP+xml');
  const body = Buffer.from(req.body).toString('utf8');
  assert.ok(body.startsWith('<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>'));
  assert.ok(body.endsWith('</Notify>\r\n'));
});

test('reference INVITE and its 200 (§7.1, §7.3) carry the SDP bodies', () => {
  const invite = parseRequest(ref.INVITE_LIVE);
  assert.equal(invite.body.length, 214);
  assert.equal(invite.headers.get('subject'), '34020000001310000001:0200000001,34020000002000000001:0');
  assert.match(Buffer.from(invite.body).toString(), /\r\ny=0200000001\r\n$/);
  const ok = parseResponse(ref.INVITE_OK_200);
  assert.equal(ok.body.length, 185);
  assert.equal(parseNameAddr(ok.headers.get('to')!)!.tag, '1561889054');
  assert.equal(parseNameAddr(ok.headers.get('contact')!)!.uri, 'sip:34020000001180000001@192.168.1.64:5060');
});

test('reference ACK and BYE (§7.3) keep the INVITE CSeq number and the next one', () => {
  assert.deepEqual(parseCSeq(parseRequest(ref.ACK_2XX).headers.get('cseq')!), { seq: 50, method: 'ACK' });
  assert.deepEqual(parseCSeq(parseRequest(ref.BYE).headers.get('cseq')!), { seq: 51, method: 'BYE' });
});

test('compact forms and mixed case resolve to the same headers, and round-trip as written', () => {
  const text =
    'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\n' +
    'v: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK927308490\r\n' +
    'f: <sip:34020000001180000001@3402000000>;tag=287801969\r\n' +
    't: <sip:34020000002000000001@3402000000>\r\n' +
    'i: 594186441\r\n' +
    'CSEQ: 20 MESSAGE\r\n' +
    'm: <sip:34020000001180000001@192.168.1.64:5060>\r\n' +
    'c: Application/MANSCDP+xml\r\n' +
    's: a subject\r\n' +
    'k: timer\r\n' +
    'max-FORWARDS:70\r\n' +
    'l: 5\r\n' +
    '\r\n' +
    'hello';
  const req = parseRequest(text);
  assert.equal(req.headers.get('Via'), 'SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK927308490');
  assert.equal(req.headers.get('FROM'), '<sip:34020000001180000001@3402000000>;tag=287801969');
  assert.equal(req.headers.get('to'), '<sip:34020000002000000001@3402000000>');
  assert.equal(req.headers.get('Call-ID'), '594186441');
  assert.equal(req.headers.get('cseq'), '20 MESSAGE');
  assert.equal(req.headers.get('Contact'), '<sip:34020000001180000001@192.168.1.64:5060>');
  assert.equal(req.headers.get('Content-Type'), 'Application/MANSCDP+xml');
  assert.equal(req.headers.get('Subject'), 'a subject');
  assert.equal(req.headers.get('Supported'), 'timer');
  assert.equal(req.headers.get('Max-Forwards'), '70');
  assert.equal(req.headers.get('content-length'), '5');
  assert.equal(Buffer.from(req.body).toString(), 'hello');
  assert.equal(serializeSipMessage(req).toString(), text);
});

test('multi-value Via: comma lists and repeated lines are read in order', () => {
  const text =
    'SIP/2.0 200 OK\r\n' +
    'Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKa, SIP/2.0/TCP 10.0.0.11:5070;branch=z9hG4bKb\r\n' +
    'via: SIP/2.0/UDP 10.0.0.12;branch=z9hG4bKc\r\n' +
    'From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n';
  const res = parseResponse(text);
  const vias = res.headers.values('v');
  assert.deepEqual(vias, [
    'SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKa',
    'SIP/2.0/TCP 10.0.0.11:5070;branch=z9hG4bKb',
    'SIP/2.0/UDP 10.0.0.12;branch=z9hG4bKc',
  ]);
  assert.equal(getTopVia(res.headers)!.branch, 'z9hG4bKa');
  assert.equal(res.headers.getAll('Via').length, 2);
  assert.equal(serializeSipMessage(res).toString(), text);
});

test('folded header lines are joined; leading CRLFs before the start line are ignored', () => {
  const text =
    '\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bKx\r\nSubject: first\r\n  second\r\n' +
    'From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 7 OPTIONS\r\n\r\n';
  const req = parseRequest(text);
  assert.equal(req.headers.get('subject'), 'first second');
  assert.equal(req.method, 'OPTIONS');
});

test('serializer writes Content-Length from the body, replacing a wrong one in place', () => {
  const req = parseRequest(ref.MESSAGE_KEEPALIVE);
  req.body = bytes('<x/>');
  const out = serializeSipMessage(req).toString();
  assert.match(out, /\r\nContent-Length: 4\r\n\r\n<x\/>$/);
  req.headers.remove('content-length');
  assert.match(serializeSipMessage(req).toString(), /\r\nContent-Length: 4\r\n\r\n<x\/>$/);
});

test('UDP datagram with bytes beyond Content-Length: the extra bytes are discarded (§18.3)', () => {
  const req = parseRequest(ref.MESSAGE_KEEPALIVE + 'TRAILING-GARBAGE');
  assert.equal(req.body.length, 168);
});

test('a message without Content-Length takes the rest of the datagram as body', () => {
  const text = ref.MESSAGE_KEEPALIVE.replace('Content-Length: 168\r\n', '');
  assert.equal(parseRequest(text).body.length, 168);
});

function expectError(input: string | Uint8Array, code: string, hasPartial: boolean): void {
  const r = parseSipMessage(typeof input === 'string' ? bytes(input) : input);
  assert.equal(r.ok, false);
  if (r.ok) {
    return;
  }
  assert.equal(r.error, code, r.detail);
  assert.equal(r.partial !== undefined, hasPartial, `partial for ${code}`);
}

test('malformed input yields stable error codes, with a partial request when one can answer it', () => {
  expectError('', SipErrorCode.EMPTY, false);
  expectError('\r\n\r\n', SipErrorCode.EMPTY, false);
  expectError(
    new Uint8Array([0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
    SipErrorCode.START_LINE,
    false,
  );
  expectError('HELLO WORLD\r\n\r\n', SipErrorCode.START_LINE, false);
  expectError('REGISTER sip:a@b SIP/2.0\r\nthis is not a header\r\n\r\n', SipErrorCode.HEADER_SYNTAX, false);
  // Truncated in the middle of the header section.
  expectError(ref.REGISTER_NO_AUTH.slice(0, 120), SipErrorCode.NO_HEADER_END, true);
  // Content-Length larger than the body.
  expectError(ref.MESSAGE_KEEPALIVE.slice(0, -10), SipErrorCode.BODY_TRUNCATED, true);
  expectError(
    ref.REGISTER_NO_AUTH.replace('Content-Length: 0', 'Content-Length: abc'),
    SipErrorCode.CONTENT_LENGTH_INVALID,
    true,
  );
  expectError(
    ref.REGISTER_NO_AUTH.replace('Content-Length: 0', 'Content-Length: 0\r\nl: 4'),
    SipErrorCode.CONTENT_LENGTH_INVALID,
    true,
  );
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const without = ref.REGISTER_NO_AUTH.split('\r\n')
      .filter((l) => !l.startsWith(`${name}:`))
      .join('\r\n');
    expectError(without, SipErrorCode.MISSING_HEADER, true);
  }
  expectError(
    ref.REGISTER_NO_AUTH.replace('CSeq: 1 REGISTER', 'CSeq: one REGISTER'),
    SipErrorCode.BAD_CSEQ,
    true,
  );
  expectError(
    ref.REGISTER_NO_AUTH.replace('CSeq: 1 REGISTER', 'CSeq: 1 INVITE'),
    SipErrorCode.CSEQ_METHOD_MISMATCH,
    true,
  );
  expectError(ref.REGISTER_NO_AUTH.replace(/^Via: .*$/m, 'Via: garbage'), SipErrorCode.BAD_VIA, true);
  expectError(ref.REGISTER_NO_AUTH.replace(/^To: .*$/m, 'To: <nothing'), SipErrorCode.BAD_NAME_ADDR, true);
});

test('the parser never throws on any prefix of a reference message', () => {
  for (const text of Object.values(ref.REFERENCE_MESSAGES)) {
    const b = bytes(text);
    for (let i = 0; i <= b.length; i++) {
      const r = parseSipMessage(b.subarray(0, i));
      if (i === b.length) {
        assert.equal(r.ok, true);
      }
    }
  }
});
