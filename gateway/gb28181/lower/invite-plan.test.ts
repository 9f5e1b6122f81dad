import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planInvite } from './invite-plan.js';
import { vendorProfile } from './vendor-profile.js';

// The live and playback offers of docs/gb28181.md §7.1 and §7.4.
const LIVE =
  'v=0\r\no=34020000002000000001 0 0 IN IP4 10.0.0.10\r\ns=Play\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\nm=video 30000 RTP/AVP 96 97 98\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\na=rtpmap:97 MPEG4/90000\r\na=rtpmap:98 H264/90000\r\ny=0200000001\r\n';
const PLAYBACK =
  'v=0\r\no=34020000002000000001 0 0 IN IP4 10.0.0.10\r\ns=Playback\r\nu=34020000001310000001:0\r\nc=IN IP4 10.0.0.10\r\nt=1744943400 1744947000\r\nm=video 30002 TCP/RTP/AVP 96 97 98\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\na=setup:passive\r\na=connection:new\r\ny=1200000002\r\n';
const generic = vendorProfile('generic');

test('live UDP offer: send to c=/m= with the offered SSRC', () => {
  const r = planInvite(LIVE, generic, '3402000000');
  assert.ok(r.ok);
  assert.deepEqual(r.plan.transport, { kind: 'udp', remoteHost: '10.0.0.10', remotePort: 30000 });
  assert.deepEqual(r.plan.request, { kind: 'live', scale: 1 });
  assert.equal(r.plan.answerSsrc, '0200000001');
  assert.equal(r.plan.rtpSsrc, 0x0bebc201);
});

test('playback TCP passive offer: we dial; t= is Unix seconds', () => {
  const r = planInvite(PLAYBACK, generic, '3402000000');
  assert.ok(r.ok);
  assert.deepEqual(r.plan.transport, { kind: 'tcp-active', remoteHost: '10.0.0.10', remotePort: 30002 });
  assert.equal(r.plan.request.kind, 'playback');
  assert.equal(r.plan.request.startMs, 1744943400_000);
  assert.equal(r.plan.rtpSsrc, 0x47868c02);
  const active = planInvite(PLAYBACK.replace('setup:passive', 'setup:active'), generic, '3402000000');
  assert.ok(active.ok);
  assert.deepEqual(active.plan.transport, { kind: 'tcp-passive' });
});

test('vendor SSRC quirks: dahua RTP SSRC 0, own y= answer, omitted y=', () => {
  const dahua = planInvite(LIVE, vendorProfile('dahua'), '3402000000');
  assert.ok(dahua.ok);
  assert.equal(dahua.plan.answerSsrc, '0200000001');
  assert.equal(dahua.plan.rtpSsrc, 0);
  const own = planInvite(LIVE, vendorProfile('generic', { answerSsrc: 'own' }), '3402000000', () => 0.5);
  assert.ok(own.ok);
  assert.equal(own.plan.answerSsrc, '0200005000');
  assert.equal(own.plan.rtpSsrc, 200005000);
  const omit = planInvite(LIVE, vendorProfile('generic', { answerSsrc: 'omit' }), '3402000000');
  assert.ok(omit.ok);
  assert.equal(omit.plan.answerSsrc, undefined);
  assert.equal(omit.plan.rtpSsrc, 200000001, 'RTP still uses the offered y=');
});

test('bad offers are refused with 488, never thrown', () => {
  for (const body of [
    '',
    'garbage',
    LIVE.replace('s=Play', 's=Talk'),
    LIVE.replace(/c=.*\r\n/, ''),
    PLAYBACK.replace('t=1744943400 1744947000', 't=5 1'),
  ]) {
    const r = planInvite(body, generic, '3402000000');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 488);
  }
});
