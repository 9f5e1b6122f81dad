import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createInDialogRequest, dialogAsUac, dialogAsUas, DialogTable, targetAtRemote } from './dialog.js';
import {
  parseSipMessage,
  serializeSipMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import type { SipRemote } from './remote.js';
import { BYE, INVITE_LIVE, INVITE_OK_200 } from './fixtures/reference-messages.js';

function parse(text: string): SipMessage {
  const r = parseSipMessage(Buffer.from(text, 'latin1'));
  if (!r.ok) {
    assert.fail(r.detail);
  }
  return r.message;
}

// The device as the upper platform sees it through NAT (reference identifiers).
const DEVICE: SipRemote = { transport: 'udp', address: '203.0.113.7', port: 40211 };

test('UAC dialog from the reference INVITE and 200 (§7.3): tags, URIs, NAT-corrected remote target', () => {
  const d = dialogAsUac(parse(INVITE_LIVE) as SipRequest, parse(INVITE_OK_200) as SipResponse, DEVICE)!;
  assert.equal(d.id, '445efb2b51344877@10.0.0.10;1034775;1561889054');
  assert.equal(d.role, 'uac');
  assert.equal(d.localUri, '<sip:34020000002000000001@3402000000>');
  assert.equal(d.remoteUri, '<sip:34020000001310000001@203.0.113.7:40211>');
  // The 200's Contact is 192.168.1.64:5060 (private); the target keeps its user, at the NAT address.
  assert.equal(d.remoteTarget, 'sip:34020000001180000001@203.0.113.7:40211');
  assert.equal(d.localCSeq, 50);
});

test('the in-dialog BYE equals the reference BYE byte for byte (given its Via and Contact)', () => {
  const d = dialogAsUac(parse(INVITE_LIVE) as SipRequest, parse(INVITE_OK_200) as SipResponse, DEVICE)!;
  const bye = createInDialogRequest(d, 'BYE', {
    headers: [['Contact', '<sip:34020000002000000001@10.0.0.10:5060>']],
  });
  assert.equal(bye.headers.has('via'), false);
  bye.headers.prepend('Via', 'SIP/2.0/UDP 10.0.0.10:5060;rport;branch=z9hG4bK2b8d60f1');
  assert.equal(serializeSipMessage(bye).toString('latin1'), BYE);
  assert.equal(d.localCSeq, 51);
  assert.equal(
    createInDialogRequest(d, 'INFO', {
      body: 'PLAY RTSP/1.0\r\n',
      contentType: 'Application/MANSRTSP',
    }).headers.get('cseq'),
    '52 INFO',
  );
  assert.throws(() => createInDialogRequest(d, 'ACK'), TypeError);
});

test('UAS dialog and matching incoming in-dialog requests by Call-ID and tags (§12.2.2)', () => {
  const invite = parse(INVITE_LIVE) as SipRequest;
  const ok = parse(INVITE_OK_200) as SipResponse;
  const gateway: SipRemote = { transport: 'udp', address: '10.0.0.10', port: 5060 };
  const d = dialogAsUas(invite, ok, gateway)!;
  assert.equal(d.id, '445efb2b51344877@10.0.0.10;1561889054;1034775');
  assert.equal(d.remoteTarget, 'sip:34020000002000000001@10.0.0.10:5060');
  assert.equal(d.remoteCSeq, 50);
  const table = new DialogTable();
  table.add(d);
  const bye = parse(BYE) as SipRequest;
  assert.deepEqual(table.match(bye), { dialog: d, outOfOrder: false });
  assert.equal(d.remoteCSeq, 51);
  const old = parse(BYE.replace('CSeq: 51 BYE', 'CSeq: 49 BYE')) as SipRequest;
  assert.equal(table.match(old)!.outOfOrder, true);
  assert.equal(table.match(parse(BYE.replace('tag=1561889054', 'tag=999')) as SipRequest), undefined);
  assert.equal(table.remove(d), true);
  assert.equal(table.size, 0);
});

test('dialogs need both tags', () => {
  const invite = parse(INVITE_LIVE) as SipRequest;
  const okWithoutTag = parse(INVITE_OK_200.replace(';tag=1561889054', '')) as SipResponse;
  assert.equal(dialogAsUac(invite, okWithoutTag, DEVICE), undefined);
});

test('targetAtRemote keeps user and parameters, replaces host and port', () => {
  assert.equal(
    targetAtRemote('sip:a@192.168.1.64:5060;transport=tcp', {
      transport: 'tcp',
      address: '203.0.113.7',
      port: 1,
    }),
    'sip:a@203.0.113.7:1;transport=tcp',
  );
  assert.equal(targetAtRemote('sip:a@h', { transport: 'udp', address: '::1', port: 5 }), 'sip:a@[::1]:5');
  assert.equal(targetAtRemote('tel:123', DEVICE), 'tel:123');
});
