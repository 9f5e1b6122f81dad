import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipHeaders, splitHeaderList } from './header-list.js';
import { getTopVia, parseCSeq, parseNameAddr, parseVia, stampReceived } from './headers.js';
import { SipParams } from './params.js';
import { formatSipUri, parseSipUri } from './uri.js';

test('parseSipUri reads GB28181 URIs with a domain or IP:port after @', () => {
  assert.deepEqual(
    { ...parseSipUri('sip:34020000002000000001@3402000000')!, params: undefined },
    { scheme: 'sip', user: '34020000002000000001', host: '3402000000', params: undefined },
  );
  const u = parseSipUri('sip:34020000001310000001@203.0.113.7:40211;transport=tcp;lr')!;
  assert.equal(u.user, '34020000001310000001');
  assert.equal(u.host, '203.0.113.7');
  assert.equal(u.port, 40211);
  assert.equal(u.params.get('transport'), 'tcp');
  assert.equal(u.params.get('LR'), null);
  assert.equal(formatSipUri(u), 'sip:34020000001310000001@203.0.113.7:40211;transport=tcp;lr');
  const v6 = parseSipUri('SIPS:alice:secret@[2001:db8::1]:5061?subject=x')!;
  assert.equal(v6.scheme, 'sips');
  assert.equal(v6.password, 'secret');
  assert.equal(v6.host, '[2001:db8::1]');
  assert.equal(v6.port, 5061);
  assert.equal(v6.headers, 'subject=x');
  assert.equal(parseSipUri('sip:10.0.0.10:5060')!.user, undefined);
});

test('parseSipUri rejects other schemes and broken host/port', () => {
  for (const bad of [
    'tel:+8610',
    'sip:',
    'sip:a@',
    'sip:a@host:0',
    'sip:a@host:70000',
    'sip:a@ho st',
    'nocolon',
  ]) {
    assert.equal(parseSipUri(bad), undefined, bad);
  }
});

test('parseVia reads transport, sent-by and RFC 3581 parameters; tolerates LWS around slashes', () => {
  const v = parseVia('SIP / 2.0 / udp 192.168.1.64:5060;rport;branch=z9hG4bK1371463273;Received=1.2.3.4')!;
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, '192.168.1.64');
  assert.equal(v.port, 5060);
  assert.equal(v.rport, null);
  assert.equal(v.branch, 'z9hG4bK1371463273');
  assert.equal(v.received, '1.2.3.4');
  assert.equal(parseVia('SIP/2.0/TCP host.example')!.port, undefined);
  assert.equal(parseVia('SIP/2.0/UDP'), undefined);
  assert.equal(parseVia('garbage'), undefined);
});

test('stampReceived reproduces the reference 401 Via from the REGISTER Via (§1.2)', () => {
  const h = new SipHeaders([['Via', 'SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1371463273']]);
  assert.equal(stampReceived(h, '203.0.113.7', 40211), true);
  assert.equal(
    h.get('via'),
    'SIP/2.0/UDP 192.168.1.64:5060;rport=40211;received=203.0.113.7;branch=z9hG4bK1371463273',
  );
  // Without ;rport the client did not ask (RFC 3581 §4): received only.
  const h2 = new SipHeaders([
    ['v', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKy'],
  ]);
  stampReceived(h2, '198.51.100.1', 1234);
  assert.equal(
    h2.get('via'),
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx;received=198.51.100.1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKy',
  );
  assert.equal(getTopVia(h2)!.received, '198.51.100.1');
  assert.equal(stampReceived(new SipHeaders(), '1.1.1.1', 1), false);
});

test('parseNameAddr handles quoted display names, bare addr-specs and tags', () => {
  const a = parseNameAddr('"Cam, \\"front\\"" <sip:34020000001310000001@3402000000>;tag=abc;expires=60')!;
  assert.equal(a.displayName, 'Cam, "front"');
  assert.equal(a.uri, 'sip:34020000001310000001@3402000000');
  assert.equal(a.tag, 'abc');
  assert.equal(a.params.get('expires'), '60');
  const b = parseNameAddr('sip:34020000001180000001@3402000000;tag=2043466181')!;
  assert.equal(b.uri, 'sip:34020000001180000001@3402000000');
  assert.equal(b.tag, '2043466181');
  assert.equal(b.toString(), '<sip:34020000001180000001@3402000000>;tag=2043466181');
  const c = parseNameAddr('Alice <sip:a@b>')!;
  assert.equal(c.displayName, 'Alice');
  c.tag = 'x';
  assert.equal(c.toString(), '"Alice" <sip:a@b>;tag=x');
  assert.equal(parseNameAddr('<sip:a@b'), undefined);
  assert.equal(parseNameAddr(''), undefined);
});

test('parseCSeq', () => {
  assert.deepEqual(parseCSeq('50 INVITE'), { seq: 50, method: 'INVITE' });
  assert.deepEqual(parseCSeq('  1   REGISTER '), { seq: 1, method: 'REGISTER' });
  assert.equal(parseCSeq('INVITE'), undefined);
  assert.equal(parseCSeq('99999999999 INVITE'), undefined);
});

test('SipHeaders: case-insensitive, compact-aware get/set/remove keeping positions and spelling', () => {
  const h = new SipHeaders([
    ['v', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
    ['CALL-ID', 'x'],
    ['l', '0'],
    ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
  ]);
  assert.equal(h.get('VIA'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
  assert.deepEqual(h.getAll('via').length, 2);
  assert.equal(h.get('i'), 'x');
  h.set('Content-Length', '12');
  assert.deepEqual(h.entries()[2], { name: 'l', value: '12' });
  h.set('via', 'SIP/2.0/TCP c');
  assert.deepEqual(h.getAll('v'), ['SIP/2.0/TCP c']);
  h.prepend('Via', 'SIP/2.0/UDP top');
  assert.equal(h.get('v'), 'SIP/2.0/UDP top');
  assert.equal(h.remove('VIA'), 2);
  assert.equal(h.has('via'), false);
  h.append('Allow', 'INVITE, ACK,BYE');
  assert.deepEqual(h.values('allow'), ['INVITE', 'ACK', 'BYE']);
  h.append('WWW-Authenticate', 'Digest realm="a", nonce="b"');
  assert.deepEqual(h.values('www-authenticate'), ['Digest realm="a", nonce="b"']);
});

test('splitHeaderList keeps commas inside quotes and angle brackets', () => {
  assert.deepEqual(splitHeaderList('"a, b" <sip:x@y;p=1,2>;q=1, <sip:z@w>'), [
    '"a, b" <sip:x@y;p=1,2>;q=1',
    '<sip:z@w>',
  ]);
});

test('SipParams keeps order and spelling, compares names case-insensitively', () => {
  const p = SipParams.parse(';Branch=z9hG4bKx;rport;name="a;b"');
  assert.equal(p.get('branch'), 'z9hG4bKx');
  assert.equal(p.get('RPORT'), null);
  assert.equal(p.get('name'), '"a;b"');
  p.set('received', '1.2.3.4', { after: 'rport' });
  assert.equal(p.toString(), ';Branch=z9hG4bKx;rport;received=1.2.3.4;name="a;b"');
});
