// Seeded mutation fuzz of the SIP parser (RFC 3261 §7, §25) and of what the transport does with
// each datagram before any application code sees it: the 400 answer built from a partial
// message (§8.2.6.2, §18.2.2), the received/rport stamp (RFC 3581), transaction and dialog keys,
// and the header helpers the registrar reads (From/To/Contact, URI, digest credentials).
// Properties: never throws; an accepted message re-serializes and re-parses to the same message;
// a response is only ever sent to the datagram's real source address, on a valid port.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { REFERENCE_MESSAGES } from '../../gateway/sip/fixtures/reference-messages.js';
import { parseSipMessage, serializeSipMessage, type SipMessage } from '../../gateway/sip/message.js';
import { buildResponse, responseDestination } from '../../gateway/sip/response.js';
import { getTopVia, parseCSeq, parseNameAddr, stampReceived } from '../../gateway/sip/headers.js';
import { parseSipUri } from '../../gateway/sip/uri.js';
import { parseDigestChallenge, parseDigestCredentials } from '../../gateway/sip/digest-header.js';
import { dialogIdOfRequest } from '../../gateway/sip/dialog.js';
import { clientTransactionKey, serverTransactionKey } from '../../gateway/sip/transaction-key.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const EXTRA_SEEDS = [
  // Compact header forms (§7.3.3), TCP Via, qop digest, no Content-Length (allowed on UDP).
  [
    'REGISTER sip:34020000002000000001@3402000000 SIP/2.0',
    'v: SIP/2.0/TCP 192.168.1.64:5060;rport;branch=z9hG4bK-1',
    'f: <sip:34020000001180000001@3402000000>;tag=1',
    't: <sip:34020000001180000001@3402000000>',
    'i: 77@192.168.1.64',
    'CSeq: 3 REGISTER',
    'm: <sip:34020000001180000001@192.168.1.64:5060>;expires=3600',
    'Authorization: Digest username="34020000001180000001", realm="3402000000", nonce="6fe9ba44", uri="sip:10.0.0.10:5060", response="95b0bced7de61e74a1e7db28afa268aa", qop=auth, nc=00000001, cnonce="0a4f113b", algorithm=MD5',
    '',
    '',
  ].join('\r\n'),
  [
    'SIP/2.0 401 Unauthorized',
    'Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKx, SIP/2.0/UDP 10.0.0.11;received=1.2.3.4;rport=9',
    'From: "NVR" <sip:34020000001180000001@3402000000>;tag=a',
    'To: sip:34020000002000000001@3402000000;tag=b',
    'Call-ID: x',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="3402000000", nonce="abc", qop="auth,auth-int", opaque="", stale=TRUE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
];

const SEEDS = [...Object.values(REFERENCE_MESSAGES), ...EXTRA_SEEDS].map(ascii);
// A GB2312 body (the reference's Catalog name 模拟 in GB18030 bytes) behind a LF-only head.
SEEDS.push(
  Buffer.concat([
    Buffer.from(
      'MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:x@y>;tag=1\nTo: <sip:a@b>\nCall-ID: c\nCSeq: 2 MESSAGE\nContent-Length: 6\n\n',
    ),
    Buffer.from([0xc4, 0xa3, 0xc4, 0xe2, 0x0d, 0x0a]),
  ]),
);

const DICTIONARY = [
  '\r\n',
  '\r\n\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '"',
  '\\',
  '<',
  '>',
  '@',
  '=',
  '[',
  ']',
  '\u0000',
  'SIP/2.0',
  'SIP/2.0/UDP ',
  'Via: SIP/2.0/TCP [::1]:5060;branch=z9hG4bK;rport\r\n',
  ';rport',
  ';rport=0',
  ';rport=70000',
  ';received=',
  ';branch=',
  ';tag=',
  ';expires=',
  'Content-Length: ',
  'l: ',
  'Content-Length: 99999999999\r\n',
  'Content-Length: 4294967296\r\n',
  'Content-Length: -1\r\n',
  'CSeq: 4294967295 ',
  'CSeq: ',
  'Call-ID: ',
  'From: ',
  'To: ',
  'Contact: *\r\n',
  'Expires: 0\r\n',
  'Authorization: Digest ',
  'username="',
  'nonce="',
  'response="',
  'qop=auth',
  'nc=ffffffff',
  'sip:',
  'sips:',
  'tel:',
  '99999',
  '0',
  '-',
  '%',
  '\u00ff\u00fe',
].map(ascii);

defineFuzz({
  name: 'sip-message',
  ciIterations: 200_000,
  seed: 0x51b,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 8192 });
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const result = parseSipMessage(input);
    const remote = { transport: 'udp' as const, address: '192.0.2.7', port: 40211 };
    if (!result.ok) {
      assert.equal(typeof result.error, 'string');
      const partial = result.partial;
      // The transport's stateless 400: only for requests whose Via it could stamp (transport.ts #reject).
      if (
        partial?.kind === 'request' &&
        partial.method !== 'ACK' &&
        stampReceived(partial.headers, remote.address, remote.port)
      ) {
        const res = buildResponse(partial, 400, undefined, { headers: [['Warning', '399 gw "x"']] });
        checkDestination(partial, remote);
        serializeSipMessage(res);
      }
      return;
    }
    const m = result.message;
    assert.ok(m.body.length <= input.length, 'body longer than the datagram');
    exerciseHeaders(m);
    const again = parseSipMessage(serializeSipMessage(m));
    assert.ok(again.ok, `re-serialized message no longer parses: ${again.ok ? '' : again.detail}`);
    assert.deepEqual(summary(again.message), summary(m), 'parse(serialize(m)) differs from m');
    if (m.kind === 'request') {
      assert.ok(
        stampReceived(m.headers, remote.address, remote.port),
        'an accepted request has a usable Via',
      );
      checkDestination(m, remote);
      serializeSipMessage(buildResponse(m, 200, undefined, { toTag: 'gw1' }));
    }
  },
});

/** Responses go back to the source address (received is stamped over whatever the Via said). */
function checkDestination(
  req: Extract<SipMessage, { kind: 'request' }>,
  remote: { transport: 'udp'; address: string; port: number },
): void {
  const to = responseDestination(req, remote);
  assert.equal(
    to.address,
    remote.address,
    'a response would be reflected to an address taken from the message',
  );
  assert.ok(Number.isInteger(to.port) && to.port >= 1 && to.port <= 65535, `response port ${to.port}`);
}

/** Everything the transaction, dialog and registrar layers read from an incoming message. */
function exerciseHeaders(m: SipMessage): void {
  getTopVia(m.headers);
  const cseq = parseCSeq(m.headers.get('cseq') ?? '');
  assert.ok(
    cseq && Number.isSafeInteger(cseq.seq) && cseq.seq >= 0,
    'accepted CSeq is a non-negative integer',
  );
  for (const name of ['from', 'to', 'contact']) {
    for (const v of m.headers.values(name)) {
      const addr = parseNameAddr(v);
      if (addr) {
        parseSipUri(addr.uri);
      }
    }
  }
  parseSipUri(m.kind === 'request' ? m.uri : '');
  for (const v of m.headers.getAll('authorization')) {
    parseDigestCredentials(v);
  }
  for (const v of m.headers.getAll('www-authenticate')) {
    parseDigestChallenge(v);
  }
  if (m.kind === 'request') {
    serverTransactionKey(m);
    dialogIdOfRequest(m);
  } else {
    clientTransactionKey(m);
  }
}

function summary(m: SipMessage): unknown {
  const start = m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason];
  // The serializer writes Content-Length from the body (adding one when absent), so it is left out.
  const headers = [...m.headers]
    .filter((e) => !/^(content-length|l)$/i.test(e.name))
    .map((e) => [e.name, e.value]);
  return { start, headers, body: Buffer.from(m.body).toString('hex') };
}
