import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHROMIUM_FULL_OFFER, CHROMIUM_MODE1_OFFER } from './fixtures/chromium-offers.js';
import { keepCandidatesOn, listCandidates, narrowPayloadTypes, sectionPayloadTypes } from './sdp-munge.js';
import { parseOffer } from './sdp-offer.js';

test('narrowing the full Chromium offer leaves one H.264 PT with honoured rtcp-fb and one G.711 PT', () => {
  const out = narrowPayloadTypes(
    CHROMIUM_FULL_OFFER,
    new Map([
      [0, [108]],
      [1, [8]],
    ]),
  );
  assert.deepEqual(sectionPayloadTypes(out, 0), [108]);
  assert.deepEqual(sectionPayloadTypes(out, 1), [8]);
  const video = out.slice(out.indexOf('m=video'), out.indexOf('m=audio'));
  const pts = [...video.matchAll(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/gm)].map((m) => Number(m[1]));
  assert.deepEqual([...new Set(pts)], [108]);
  assert.deepEqual(
    video.split('\r\n').filter((l) => l.startsWith('a=rtcp-fb:')),
    ['a=rtcp-fb:108 ccm fir', 'a=rtcp-fb:108 nack', 'a=rtcp-fb:108 nack pli'],
  );
  assert.ok(
    video.includes('a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'),
  );
  // Everything else is untouched: ICE, DTLS, mid, BUNDLE.
  for (const line of ['a=group:BUNDLE 0 1', 'a=ice-ufrag:G/aG', 'a=setup:actpass', 'a=mid:1', 'a=rtcp-mux']) {
    assert.ok(out.includes(line), line);
  }
  // And the result is still an offer we can read.
  const reparsed = parseOffer(out);
  assert.deepEqual(
    reparsed.media[0].codecs.map((c) => c.payloadType),
    [108],
  );
  assert.deepEqual(
    reparsed.media[1].codecs.map((c) => c.name),
    ['PCMA'],
  );
});

test('sections not named in the map are left alone', () => {
  const out = narrowPayloadTypes(CHROMIUM_FULL_OFFER, new Map([[0, [102]]]));
  assert.deepEqual(sectionPayloadTypes(out, 1), [111, 63, 9, 0, 8, 13, 110, 126]);
});

test('keepCandidatesOn keeps only the public address and counts the rest', () => {
  const { sdp, removed } = keepCandidatesOn(CHROMIUM_MODE1_OFFER, ['192.0.2.2']);
  assert.equal(removed, 2); // the fd00::2 candidate of each m-section
  assert.deepEqual(
    listCandidates(sdp).map((c) => `${c.address}:${c.port}/${c.type}`),
    ['192.0.2.2:37836/host', '192.0.2.2:37085/host'],
  );
  assert.equal(keepCandidatesOn(CHROMIUM_MODE1_OFFER, ['203.0.113.9']).removed, 4);
});
