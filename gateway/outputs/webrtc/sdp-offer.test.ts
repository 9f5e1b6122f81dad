import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHROMIUM_FULL_OFFER, CHROMIUM_MODE1_OFFER } from './fixtures/chromium-offers.js';
import { isWhepError } from './errors.js';
import { parseFmtp, parseOffer, stripMdnsCandidates } from './sdp-offer.js';

test('parseFmtp keeps hex profile-level-id as a string and lower-cases keys', () => {
  assert.deepEqual(parseFmtp('level-asymmetry-allowed=1;Packetization-Mode=1;profile-level-id=640028'), {
    'level-asymmetry-allowed': '1',
    'packetization-mode': '1',
    'profile-level-id': '640028',
  });
  assert.deepEqual(parseFmtp('minptime=10; useinbandfec=1'), { minptime: '10', useinbandfec: '1' });
});

test('a Chromium offer lists video codecs in m= line order with fmtp and rtcp-fb', () => {
  const offer = parseOffer(CHROMIUM_FULL_OFFER);
  assert.equal(offer.media.length, 2);
  const [video, audio] = offer.media;
  assert.equal(video.kind, 'video');
  assert.equal(video.mid, '0');
  assert.equal(video.direction, 'recvonly');
  const h264 = video.codecs.filter((c) => c.name === 'H264');
  assert.deepEqual(
    h264.map((c) => [c.payloadType, c.fmtp['packetization-mode'], c.fmtp['profile-level-id']]),
    [
      [102, '1', '42001f'],
      [104, '0', '42001f'],
      [108, '1', '42e01f'],
      [114, '0', '42e01f'],
      [116, '1', '4d001f'],
      [39, '0', '4d001f'],
      [41, '1', 'f4001f'],
      [43, '0', 'f4001f'],
    ],
  );
  assert.deepEqual(h264[2].rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  assert.equal(audio.kind, 'audio');
  const pcma = audio.codecs.find((c) => c.name === 'PCMA');
  assert.deepEqual([pcma?.payloadType, pcma?.clockRate], [8, 8000]);
});

test('mDNS .local candidates are removed from the offer, others kept', () => {
  const withMdns = CHROMIUM_MODE1_OFFER.replaceAll(
    'a=ice-ufrag:ANOw',
    'a=candidate:9 1 udp 2113937151 3f0b1c2d-aaaa-bbbb-cccc-0123456789ab.local 50000 typ host generation 0\r\na=ice-ufrag:ANOw',
  );
  const stripped = stripMdnsCandidates(withMdns);
  assert.equal(stripped.dropped, 2); // one per m-section
  assert.ok(!stripped.sdp.includes('.local'));
  assert.ok(stripped.sdp.includes('192.0.2.2 37836 typ host'));
  assert.equal(parseOffer(withMdns).mdnsCandidatesDropped, 2);
});

const badOffers: [string, string, RegExp][] = [
  ['an empty body', '', /empty/],
  ['text that is not SDP', 'hello world', /v=0/],
  ['an offer without m= sections', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no m= sections/],
  ['an offer without ICE credentials', CHROMIUM_FULL_OFFER.replace(/a=ice-pwd:.*\r\n/g, ''), /ice-ufrag/],
  [
    'an offer without a DTLS fingerprint',
    CHROMIUM_FULL_OFFER.replace(/a=fingerprint:.*\r\n/g, ''),
    /fingerprint/,
  ],
  ['an offer whose video is sendonly', CHROMIUM_FULL_OFFER.replace('a=recvonly', 'a=sendonly'), /sendonly/],
  [
    'an audio-only offer',
    'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' +
      CHROMIUM_FULL_OFFER.slice(CHROMIUM_FULL_OFFER.indexOf('m=audio')),
    /no video/,
  ],
];

for (const [what, text, reason] of badOffers) {
  test(`parseOffer rejects ${what} with GW_ERR_BAD_SDP`, () => {
    assert.throws(
      () => parseOffer(text),
      (err: unknown) =>
        isWhepError(err) && err.code === 'GW_ERR_BAD_SDP' && err.status === 400 && reason.test(err.message),
    );
  });
}
