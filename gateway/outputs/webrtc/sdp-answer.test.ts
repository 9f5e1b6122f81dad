import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offerHasBundle, shapeAnswer } from './sdp-answer.js';

// What werift 0.24.4 answers (abridged): ice-lite and ice-options:trickle in every m-section,
// and a BUNDLE group that names the rejected audio section too.
const WERIFT_ANSWER = [
  'v=0',
  'o=- 1 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic:WMS *',
  'm=video 9 UDP/TLS/RTP/SAVPF 108',
  'a=ice-ufrag:b229',
  'a=ice-lite',
  'a=ice-options:trickle',
  'a=mid:0',
  'm=audio 0 UDP/TLS/RTP/SAVPF 8',
  'a=ice-lite',
  'a=ice-options:trickle renomination',
  'a=mid:1',
  '',
].join('\r\n');

test('ice-lite moves to session level (once), trickle leaves ice-options, BUNDLE keeps offered, answered sections', () => {
  const out = shapeAnswer(WERIFT_ANSWER, { bundle: true });
  assert.equal(
    out,
    [
      'v=0',
      'o=- 1 0 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'a=ice-lite',
      'a=group:BUNDLE 0',
      'a=msid-semantic:WMS *',
      'm=video 9 UDP/TLS/RTP/SAVPF 108',
      'a=ice-ufrag:b229',
      'a=mid:0',
      'm=audio 0 UDP/TLS/RTP/SAVPF 8',
      'a=ice-options:renomination',
      'a=mid:1',
      '',
    ].join('\r\n'),
  );
});

test('an offer without BUNDLE gets an answer without a BUNDLE group (RFC 8843: the answer may not add one)', () => {
  assert.doesNotMatch(shapeAnswer(WERIFT_ANSWER, { bundle: false }), /a=group/);
  assert.equal(offerHasBundle('v=0\r\na=group:BUNDLE 0 1\r\nm=video 9 X 1\r\n'), true);
  assert.equal(offerHasBundle('v=0\r\na=group:LS 0 1\r\nm=video 9 X 1\r\n'), false);
});
