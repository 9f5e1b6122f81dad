import assert from 'node:assert/strict';
import { test } from 'node:test';
import { h264Rank, selectCodecs } from './codec-select.js';
import { isWhepError } from './errors.js';
import { CHROMIUM_FULL_OFFER, CHROMIUM_MODE1_OFFER, H265_OFFER } from './fixtures/chromium-offers.js';
import { parseOffer } from './sdp-offer.js';

const full = parseOffer(CHROMIUM_FULL_OFFER);

test('h264Rank prefers 42e01f, then 42001f, then other baseline, then other profiles', () => {
  const ranks = ['42e01f', '42001f', '42c01f', '42e015', '4d001f', '640c1f'].map((p) =>
    h264Rank({ 'profile-level-id': p }),
  );
  assert.deepEqual(ranks, [0, 1, 2, 3, 4, 4]);
});

test('an H.264 source picks the offered 42e01f packetization-mode=1 PT from a full Chromium offer', () => {
  const plan = selectCodecs(full, { videoCodec: 'H264', audioCodec: 'PCMA' });
  assert.equal(plan.video.codec.payloadType, 108);
  assert.equal(plan.video.codec.fmtp['packetization-mode'], '1');
  assert.equal(plan.video.sendCodec, 'H264');
  assert.equal(plan.video.transcode, false);
  assert.equal(plan.video.mid, '0');
  assert.equal(plan.audio?.codec.payloadType, 8);
  assert.equal(plan.audio?.sendCodec, 'PCMA');
  assert.equal(plan.audio?.mid, '1');
});

test('the setCodecPreferences offer (mid 2/3) gives the same choice', () => {
  const plan = selectCodecs(parseOffer(CHROMIUM_MODE1_OFFER), { videoCodec: 'H264', audioCodec: 'PCMU' });
  assert.equal(plan.video.codec.payloadType, 108);
  assert.equal(plan.video.mid, '2');
  assert.equal(plan.audio?.codec.payloadType, 0);
  assert.equal(plan.audio?.mid, '3');
});

test('without 42e01f the 42001f mode-1 entry wins over 4d001f even when listed later', () => {
  const sdp = CHROMIUM_FULL_OFFER.replace(/profile-level-id=42e01f/g, 'profile-level-id=4d0032').replace(
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 116 102',
  );
  assert.equal(selectCodecs(parseOffer(sdp), { videoCodec: 'H264' }).video.codec.payloadType, 102);
});

test('an offer with H.264 only in packetization-mode 0 is refused, naming the mode', () => {
  const sdp = CHROMIUM_FULL_OFFER.replace(/packetization-mode=1/g, 'packetization-mode=0');
  assert.throws(
    () => selectCodecs(parseOffer(sdp), { videoCodec: 'H264' }),
    (e: unknown) =>
      isWhepError(e) && e.code === 'GW_ERR_CODEC_UNSUPPORTED' && /packetization-mode=1/.test(e.message),
  );
});

test('an H.265 source and an offer without H.265 fail with a plain-words GW_ERR_CODEC_UNSUPPORTED', () => {
  assert.throws(
    () => selectCodecs(full, { videoCodec: 'H265', audioCodec: 'PCMA' }),
    (e: unknown) =>
      isWhepError(e) &&
      e.code === 'GW_ERR_CODEC_UNSUPPORTED' &&
      e.status === 406 &&
      /transcoding is off on this gateway \(--transcode-h265/.test(e.message) &&
      /play the HLS URL in a browser that decodes H\.265/.test(e.message),
  );
});

test('an H.265 source goes out as H.264 through the transcoder when one is available', () => {
  const plan = selectCodecs(full, { videoCodec: 'H265' }, true);
  assert.equal(plan.video.transcode, true);
  assert.equal(plan.video.sendCodec, 'H264');
  assert.equal(plan.video.codec.payloadType, 108);
});

test('an H.265 source and an offer with H.265 picks the H.265 PT (no transcoding)', () => {
  const plan = selectCodecs(parseOffer(H265_OFFER), { videoCodec: 'H265' }, true);
  assert.equal(plan.video.codec.payloadType, 98);
  assert.equal(plan.video.sendCodec, 'H265');
  assert.equal(plan.video.transcode, false);
});

test('audio is skipped, not fatal, for AAC sources and for offers without the G.711 variant', () => {
  const aac = selectCodecs(full, { videoCodec: 'H264', audioCodec: 'AAC' });
  assert.equal(aac.audio, undefined);
  assert.match(aac.audioSkipped ?? '', /AAC/);
  const noPcma = parseOffer(
    CHROMIUM_FULL_OFFER.replace(/ 8 13 110 126/, ' 13 110 126').replace('a=rtpmap:8 PCMA/8000\r\n', ''),
  );
  const plan = selectCodecs(noPcma, { videoCodec: 'H264', audioCodec: 'PCMA' });
  assert.equal(plan.audio, undefined);
  assert.match(plan.audioSkipped ?? '', /PCMA/);
  assert.equal(
    selectCodecs(parseOffer(H265_OFFER), { videoCodec: 'H264', audioCodec: 'PCMU' }).audioSkipped,
    'the offer has no receiving audio m= section',
  );
});

test('an offer without BUNDLE gets video only: the audio would need a transport of its own', () => {
  const unbundled = parseOffer(CHROMIUM_FULL_OFFER.replace(/a=group:BUNDLE[^\r\n]*\r\n/, ''));
  assert.equal(unbundled.bundled, false);
  const plan = selectCodecs(unbundled, { videoCodec: 'H264', audioCodec: 'PCMA' });
  assert.equal(plan.audio, undefined);
  assert.match(plan.audioSkipped ?? '', /BUNDLE/);
  assert.ok(
    selectCodecs(full, { videoCodec: 'H264', audioCodec: 'PCMA' }).audio,
    'control: bundled gets audio',
  );
});
