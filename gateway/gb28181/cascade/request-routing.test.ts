import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { parseSipMessage, type SipRequest } from '../../sip/message.js';
import { linkFor, type RoutableLink } from './request-routing.js';

const OUR_ID = '34020000002000000001';
const CITY = '34020000002000000002';
const PROVINCE = '34020000002000000003';
const DEVICE = '34020000001180000001';

/** A request as it arrives on the wire (literal text, CRLF line ends). */
function request(method: string, uri: string, from: string, to: string): SipRequest {
  const text = [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 10.0.0.10:5060;rport;branch=z9hG4bK5f0c27a1',
    `From: <${from}>;tag=904418220`,
    `To: <${to}>`,
    'Call-ID: 8b1d3f0e6a2c4d8f@10.0.0.10',
    `CSeq: 31 ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseSipMessage(Buffer.from(text));
  assert.ok(parsed.ok && parsed.message.kind === 'request', JSON.stringify(parsed));
  return parsed.message;
}

const link = (upperId: string, owned: string[], upperHost = '10.0.0.10'): RoutableLink => ({
  upperId,
  upperHost,
  ownsId: (id) => owned.includes(id),
});

/** Where the city platform's requests come from. */
const AT_CITY = '10.0.0.10';
const city = link(CITY, [OUR_ID, '34020000001310000001']);
const province = link(PROVINCE, [OUR_ID], '10.0.0.20');

test("an upper platform's query goes to its link, though it names the gateway's own ID", () => {
  const req = request(
    'MESSAGE',
    `sip:${OUR_ID}@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:${OUR_ID}@3402000000`,
  );
  assert.equal(linkFor(req, [province, city], AT_CITY), city);
});

test("a device's keepalive to the same ID stays with the upper role", () => {
  const req = request(
    'MESSAGE',
    `sip:${OUR_ID}@3402000000`,
    `sip:${DEVICE}@3402000000`,
    `sip:${OUR_ID}@3402000000`,
  );
  assert.equal(linkFor(req, [province, city], AT_CITY), undefined);
});

test('REGISTER never goes to a link, even from an ID that is also an upper platform', () => {
  const req = request(
    'REGISTER',
    `sip:${OUR_ID}@3402000000`,
    `sip:${CITY}@3402000000`,
    `sip:${CITY}@3402000000`,
  );
  assert.equal(linkFor(req, [city], AT_CITY), undefined);
});

test('with two links to one upper, the Request-URI or To user picks the one presenting that ID or channel', () => {
  const other = link(CITY, ['34020000002000000009']);
  const invite = request(
    'INVITE',
    `sip:34020000001310000001@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:34020000001310000001@3402000000`,
  );
  assert.equal(linkFor(invite, [other, city], AT_CITY), city);
  const query = request(
    'MESSAGE',
    `sip:34020000002000000009@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:34020000002000000009@3402000000`,
  );
  assert.equal(linkFor(query, [city, other], AT_CITY), other);
  const unknown = request(
    'MESSAGE',
    `sip:34020000001310000077@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:34020000001310000077@3402000000`,
  );
  assert.equal(
    linkFor(unknown, [other, city], AT_CITY),
    other,
    'the first link answers (and 404s) what no link owns',
  );
});

test('a request naming an upper platform in From but coming from elsewhere is not routed to that link', () => {
  const req = request(
    'INVITE',
    `sip:34020000001310000001@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:34020000001310000001@3402000000`,
  );
  assert.equal(linkFor(req, [city], '203.0.113.66'), undefined);
  assert.equal(linkFor(req, [city], '::ffff:10.0.0.10'), city, 'IPv4-mapped IPv6 is the same address');
  const byName = link(CITY, [], 'city-platform.example');
  assert.equal(
    linkFor(req, [byName], '203.0.113.66'),
    byName,
    'a host name is not resolved here, so not checked',
  );
});

test("the upper's BYE in a voice broadcast dialog, From its talk source ID, goes to the link that owns the dialog", () => {
  const talkSource = '34020000001360000042';
  const bye = request(
    'BYE',
    `sip:${OUR_ID}@10.0.0.1:5060`,
    `sip:${talkSource}@3402000000`,
    `sip:${OUR_ID}@3402000000`,
  );
  const withDialog: RoutableLink = {
    ...city,
    ownsDialog: (callId) => callId === '8b1d3f0e6a2c4d8f@10.0.0.10',
  };
  assert.equal(linkFor(bye, [province, withDialog], AT_CITY), withDialog);
  // Links come from a Map's values() in the gateway: an iterator that can be read once.
  const query = request(
    'MESSAGE',
    `sip:${OUR_ID}@10.0.0.1:5060`,
    `sip:${CITY}@3402000000`,
    `sip:${OUR_ID}@3402000000`,
  );
  assert.equal(
    linkFor(
      query,
      new Map([
        [1, province],
        [2, withDialog],
      ]).values(),
      AT_CITY,
    ),
    withDialog,
  );
  assert.equal(linkFor(bye, [province, city], AT_CITY), undefined, 'without the dialog it is not the link’s');
  // The same Call-ID from another address is not the upper's: the address check still applies.
  assert.equal(linkFor(bye, [province, withDialog], '10.0.0.99'), undefined);
});
