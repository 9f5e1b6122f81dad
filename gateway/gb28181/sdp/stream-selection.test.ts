import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SELECTION_DIALECTS, dialectsOf } from '../../device-settings.js';
import * as ref from '../fixtures/reference-bodies.js';
import { planInvite } from '../lower/invite-plan.js';
import { vendorProfile } from '../lower/vendor-profile.js';
import { buildGbOffer, gbAnswer, readGbAnswer, type GbOfferParams } from './offer-answer.js';
import { parseGbSdp } from './parse.js';
import { readSelection, selectionAttributes, withoutSelection } from './stream-selection.js';
import { writeGbSdp } from './write.js';

const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';

const LIVE: GbOfferParams = {
  purpose: { kind: 'live' },
  originId: '34020000002000000001',
  address: '10.0.0.10',
  port: 30000,
  transport: { protocol: 'udp' },
  ssrc: '0200000001',
};

test('a main-stream offer carries no selection in any dialect: it stays the docs/gb28181.md §7.1 SDP', () => {
  assert.deepEqual(selectionAttributes('main', SELECTION_DIALECTS), []);
  const offer = buildGbOffer({ ...LIVE, attributes: selectionAttributes('main', dialectsOf('all')) });
  assert.deepEqual(offer, { ok: true, value: ref.LIVE_OFFER_SDP });
});

test('a sub-stream offer with the default setting ("all") names stream 1 in every dialect, before y=', () => {
  const offer = buildGbOffer({ ...LIVE, attributes: selectionAttributes('sub', dialectsOf('all')) });
  assert.deepEqual(offer, {
    ok: true,
    value: sdp(
      'v=0',
      'o=34020000002000000001 0 0 IN IP4 10.0.0.10',
      's=Play',
      'c=IN IP4 10.0.0.10',
      't=0 0',
      'm=video 30000 RTP/AVP 96 97 98',
      'a=recvonly',
      'a=rtpmap:96 PS/90000',
      'a=rtpmap:97 MPEG4/90000',
      'a=rtpmap:98 H264/90000',
      'a=streamnumber:1', // 2022 standard
      'a=streamprofile:1', // Hikvision, Dahua
      'a=stream:1', // Dahua/Uniview firmware
      'a=streamMode:sub', // TP-LINK
      'y=0200000001',
    ),
  });
});

test('one dialect per setting; the third stream has no streamMode word', () => {
  assert.deepEqual(selectionAttributes('sub', dialectsOf('streamnumber')), ['streamnumber:1']);
  assert.deepEqual(selectionAttributes('sub', dialectsOf('streamprofile')), ['streamprofile:1']);
  assert.deepEqual(selectionAttributes('sub', dialectsOf('stream')), ['stream:1']);
  assert.deepEqual(selectionAttributes('sub', dialectsOf('streamMode')), ['streamMode:sub']);
  assert.deepEqual(selectionAttributes('sub', dialectsOf('none')), []);
  assert.deepEqual(selectionAttributes('third', dialectsOf('all')), [
    'streamnumber:2',
    'streamprofile:2',
    'stream:2',
  ]);
  assert.deepEqual(selectionAttributes('third', dialectsOf('streamMode')), []);
});

test('readSelection reads every dialect in any letter case, and ignores what is not a selection', () => {
  assert.deepEqual(readSelection(['streamnumber:1']), { stream: 'sub', dialects: ['streamnumber'] });
  assert.deepEqual(readSelection(['streamprofile:0']), { stream: 'main', dialects: ['streamprofile'] });
  assert.deepEqual(readSelection(['stream:2']), { stream: 'third', dialects: ['stream'] });
  assert.deepEqual(readSelection(['streamMode:SUB']), { stream: 'sub', dialects: ['streamMode'] });
  assert.deepEqual(readSelection(['STREAMMODE: main ']), { stream: 'main', dialects: ['streamMode'] });
  for (const junk of [
    [],
    ['recvonly'],
    ['streamnumber:'],
    ['streamnumber:7'],
    ['streamMode:third'],
    ['stream:x'],
  ]) {
    assert.equal(readSelection(junk), undefined, JSON.stringify(junk));
  }
  // Dialects that disagree: the 2022 attribute wins.
  assert.deepEqual(readSelection(['streamprofile:0', 'streamnumber:1']), {
    stream: 'sub',
    dialects: ['streamprofile', 'streamnumber'],
  });
  assert.deepEqual(withoutSelection(['streamnumber:1', 'filesize:0', 'x-other', 'stream:1']), [
    'filesize:0',
    'x-other',
  ]);
});

test('what we write, a device reads: each dialect alone asks a simulated camera for the sub-stream', () => {
  for (const dialect of SELECTION_DIALECTS) {
    const offer = buildGbOffer({ ...LIVE, attributes: selectionAttributes('sub', [dialect]) });
    assert.ok(offer.ok);
    const plan = planInvite(offer.value, vendorProfile('generic'), '3402000000');
    assert.ok(plan.ok);
    assert.equal(plan.plan.request.stream, 'sub', dialect);
    assert.deepEqual(plan.plan.selectionDialects, [dialect]);
  }
});

test('a camera profile that ignores the selection serves main and the answer names nothing', () => {
  const offer = buildGbOffer({ ...LIVE, attributes: selectionAttributes('sub', dialectsOf('all')) });
  assert.ok(offer.ok);
  const ignoring = planInvite(offer.value, vendorProfile('generic', { subStream: 'ignore' }), '3402000000');
  assert.ok(ignoring.ok);
  assert.equal(ignoring.plan.request.stream, undefined);
  assert.deepEqual(ignoring.plan.selectionDialects, []);
  const mainOnly = planInvite(
    offer.value,
    vendorProfile('generic', { subStream: 'main-only' }),
    '3402000000',
  );
  assert.ok(mainOnly.ok);
  assert.equal(mainOnly.plan.request.stream, undefined);
  assert.equal(mainOnly.plan.selectionDialects.length, 4);
});

test("the answer's selection reaches readGbAnswer's attributes: the upper reports what the device names", () => {
  const offer = parseGbSdp(ref.LIVE_OFFER_SDP);
  assert.ok(offer.ok);
  const answer = gbAnswer(offer.value, {
    originId: '34020000001180000001',
    address: '192.168.1.64',
    port: 15060,
    attributes: ['streamprofile:1'],
  });
  assert.ok(answer.ok);
  const text = writeGbSdp(answer.value);
  assert.match(text, /\r\na=streamprofile:1\r\ny=0200000001\r\n$/);
  const back = parseGbSdp(text);
  assert.ok(back.ok);
  const media = readGbAnswer(back.value, '0200000001');
  assert.ok(media.ok);
  assert.deepEqual(media.value.attributes, ['streamprofile:1']);
  assert.equal(readSelection(media.value.attributes)?.stream, 'sub');
});
