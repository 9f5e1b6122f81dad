import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors.js';
import { readWhipOffer } from './whip-offer.js';

// Chromium 156's offer for a microphone track (sendonly), trimmed of header extensions.
const CHROMIUM_MIC =
  [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2113937151 a5f0f3c1-7d5e-4f35-9c6b-8c1c1a0e2b44.local 51818 typ host generation 0',
    'a=candidate:2 1 udp 2113937151 192.0.2.2 51819 typ host generation 0',
    'a=ice-ufrag:Wq3L',
    'a=ice-pwd:0Ba9DxV0sM1hRm4d2O6Pu9kf',
    'a=fingerprint:sha-256 C0:10:36:6E:86:C6:89:89:4F:10:D9:E1:9F:DF:09:CC:34:34:5B:03:FC:31:2C:93:14:25:9E:7F:70:97:58:5A',
    'a=setup:actpass',
    'a=mid:0',
    'a=sendonly',
    'a=msid:- 1f6a0a7a-6bc4-4a3c-9b2e-7fd7d7d1c5a0',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:3735928559 cname:abc',
  ].join('\r\n') + '\r\n';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof GatewayError ? err.code : String(err);
  }
  return 'no error';
};

test("Chromium's microphone offer: G.711 in the devices' law though Opus and PCMU come first", () => {
  const a = readWhipOffer(CHROMIUM_MIC, 'PCMA');
  assert.deepEqual([a.index, a.payloadType, a.law], [0, 8, 'PCMA']);
  const u = readWhipOffer(CHROMIUM_MIC, 'PCMU');
  assert.deepEqual([u.payloadType, u.law], [0, 'PCMU']);
  assert.ok(!a.sdp.includes('.local'), 'mDNS candidates are dropped (docs/browser-notes.md §2.4 pitfall 3)');
  assert.ok(a.sdp.includes('192.0.2.2'));
});

test('only the other law offered: that one is answered', () => {
  const onlyU = CHROMIUM_MIC.replace(' 0 8 13', ' 0 13').replace('a=rtpmap:8 PCMA/8000\r\n', '');
  const r = readWhipOffer(onlyU, 'PCMA');
  assert.deepEqual([r.payloadType, r.law], [0, 'PCMU']);
});

test('an offer without G.711 is refused with GW_ERR_TALK_CODEC naming what it had', () => {
  const opusOnly = CHROMIUM_MIC.replace('111 63 9 0 8 13 110 126', '111 63').replace(
    /a=rtpmap:(9|0|8|13|110|126) .*\r\n/g,
    '',
  );
  let message = '';
  try {
    readWhipOffer(opusOnly, 'PCMA');
  } catch (err) {
    message = (err as Error).message;
    assert.equal((err as GatewayError).code, 'GW_ERR_TALK_CODEC');
  }
  assert.match(message, /opus, red but no PCMA or PCMU/);
});

test('unusable offers are GW_ERR_BAD_SDP with the reason', () => {
  assert.equal(
    codeOf(() => readWhipOffer('', 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
  assert.equal(
    codeOf(() => readWhipOffer('hello', 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
  assert.equal(
    codeOf(() => readWhipOffer(CHROMIUM_MIC.replace('a=sendonly', 'a=recvonly'), 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
  assert.equal(
    codeOf(() => readWhipOffer(CHROMIUM_MIC.replace(/a=fingerprint.*\r\n/, ''), 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
  assert.equal(
    codeOf(() => readWhipOffer(CHROMIUM_MIC.replace('m=audio 9', 'm=video 9'), 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
  assert.equal(
    codeOf(() => readWhipOffer(`v=0\r\n${'a=x\r\n'.repeat(20_000)}`, 'PCMA')),
    'GW_ERR_BAD_SDP',
  );
});
