import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from '../errors.js';
import * as ref from '../fixtures/reference-bodies.js';
import { type GbSdp } from './model.js';
import { buildGbOffer, gbAnswer, readGbAnswer, type GbOfferParams } from './offer-answer.js';
import { parseGbSdp } from './parse.js';
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

function parsed(text: string): GbSdp {
  const r = parseGbSdp(text);
  assert.ok(r.ok, r.ok ? '' : `${r.error}: ${r.detail}`);
  return r.value;
}

test('live UDP offer equals the docs/gb28181.md §7.1 SDP (214 bytes)', () => {
  assert.deepEqual(buildGbOffer(LIVE), { ok: true, value: ref.LIVE_OFFER_SDP });
  assert.equal(Buffer.byteLength(ref.LIVE_OFFER_SDP), 214);
});

test('live TCP offers carry TCP/RTP/AVP, a=setup (passive: we listen / active: we connect) and a=connection:new', () => {
  for (const setup of ['passive', 'active'] as const) {
    const r = buildGbOffer({ ...LIVE, transport: { protocol: 'tcp', setup } });
    assert.deepEqual(r, {
      ok: true,
      value: sdp(
        'v=0',
        'o=34020000002000000001 0 0 IN IP4 10.0.0.10',
        's=Play',
        'c=IN IP4 10.0.0.10',
        't=0 0',
        'm=video 30000 TCP/RTP/AVP 96 97 98',
        'a=recvonly',
        'a=rtpmap:96 PS/90000',
        'a=rtpmap:97 MPEG4/90000',
        'a=rtpmap:98 H264/90000',
        `a=setup:${setup}`,
        'a=connection:new',
        'y=0200000001',
      ),
    });
  }
});

test('playback offer equals the docs/gb28181.md §7.4 SDP: 2025-04-18 10:30:00 +08:00 → t=1744943400', () => {
  const purpose = {
    kind: 'playback',
    channelId: '34020000001310000001',
    start: '2025-04-18T10:30:00',
    end: '2025-04-18T11:30:00',
  } as const;
  const params: GbOfferParams = {
    purpose,
    originId: '34020000002000000001',
    address: '10.0.0.10',
    port: 30002,
    transport: { protocol: 'tcp', setup: 'passive' },
    ssrc: '1200000002',
  };
  assert.deepEqual(buildGbOffer(params), { ok: true, value: ref.PLAYBACK_OFFER_SDP });
  // An explicit offset in the time text wins over the zone; a UTC device is 8 h later in epoch terms.
  const withOffset = buildGbOffer({
    ...params,
    purpose: { ...purpose, start: '2025-04-18T10:30:00+08:00', end: '2025-04-18T11:30:00+08:00' },
    timeZone: 'UTC',
  });
  assert.ok(withOffset.ok && withOffset.value.includes('\r\nt=1744943400 1744947000\r\n'));
  const utc = buildGbOffer({ ...params, timeZone: 'UTC' });
  assert.ok(utc.ok && utc.value.includes('\r\nt=1744972200 1744975800\r\n'));
});

test('download offer: s=Download, u=, t=, a=downloadspeed', () => {
  const r = buildGbOffer({
    ...LIVE,
    purpose: {
      kind: 'download',
      channelId: '34020000001310000001',
      start: '2025-04-18T10:23:02',
      end: '2025-04-18T10:40:20',
      downloadSpeed: 4,
    },
    transport: { protocol: 'tcp', setup: 'passive' },
    ssrc: '1200000003',
  });
  assert.deepEqual(r, {
    ok: true,
    value: sdp(
      'v=0',
      'o=34020000002000000001 0 0 IN IP4 10.0.0.10',
      's=Download',
      'u=34020000001310000001:0',
      'c=IN IP4 10.0.0.10',
      't=1744942982 1744944020',
      'm=video 30000 TCP/RTP/AVP 96 97 98',
      'a=recvonly',
      'a=rtpmap:96 PS/90000',
      'a=rtpmap:97 MPEG4/90000',
      'a=rtpmap:98 H264/90000',
      'a=setup:passive',
      'a=connection:new',
      'a=downloadspeed:4',
      'y=1200000003',
    ),
  });
});

test('offer parameters are validated as data', () => {
  const code = (p: GbOfferParams) => {
    const r = buildGbOffer(p);
    return r.ok ? 'ok' : r.error;
  };
  assert.equal(code({ ...LIVE, port: 0 }), GbErrorCode.SDP_BAD_VALUE);
  assert.equal(code({ ...LIVE, ssrc: '200000001' }), GbErrorCode.BAD_SSRC);
  const playback = {
    kind: 'playback',
    channelId: '1',
    start: '2025-04-18T11:00:00',
    end: '2025-04-18T10:00:00',
  } as const;
  assert.equal(code({ ...LIVE, purpose: playback }), GbErrorCode.BAD_TIME);
  assert.equal(
    code({ ...LIVE, purpose: { ...playback, start: '2025-02-30T00:00:00' } }),
    GbErrorCode.BAD_TIME,
  );
});

test('the docs/gb28181.md §7.3 answer reads as UDP 192.168.1.64:15060, PT 96, y= unchanged, filesize 0', () => {
  const answer = parsed(ref.LIVE_ANSWER_SDP);
  assert.deepEqual(readGbAnswer(answer, '0200000001'), {
    ok: true,
    value: {
      address: '192.168.1.64',
      port: 15060,
      transport: { protocol: 'udp' },
      payloadTypes: [96],
      rtpmaps: [{ payloadType: 96, encoding: 'PS', clockRate: 90000 }],
      answeredSsrc: '0200000001',
      ssrc: '0200000001',
      ssrcChanged: false,
      attributes: [],
      fileSize: 0,
    },
  });
  assert.equal(answer.origin.sessionId, '2851');
  assert.equal(answer.media[0].direction, 'sendonly');
});

test('an answer without y= keeps the offered SSRC; a different y= (Hikvision NCG, wvp #127) wins', () => {
  const noY = parsed(ref.LIVE_ANSWER_SDP.replace('y=0200000001\r\n', ''));
  const a = readGbAnswer(noY, '0200000001');
  assert.ok(a.ok);
  assert.equal(a.value.ssrc, '0200000001');
  assert.equal(a.value.answeredSsrc, undefined);
  assert.equal(a.value.ssrcChanged, false);

  const other = parsed(ref.LIVE_ANSWER_SDP.replace('y=0200000001', 'y=0703001718'));
  const b = readGbAnswer(other, '0200009319');
  assert.ok(b.ok);
  assert.equal(b.value.ssrc, '0703001718');
  assert.equal(b.value.ssrcChanged, true);

  const junk = readGbAnswer(parsed(ref.LIVE_ANSWER_SDP.replace('y=0200000001', 'y=abc')), '0200000001');
  assert.ok(junk.ok);
  assert.equal(junk.value.ssrc, '0200000001');
});

test('Hikvision TCP answer: the opposite role and the media-level c= are read', () => {
  const answer = parsed(
    sdp(
      'v=0',
      'o=34020000001180000001 0 0 IN IP4 192.168.1.64',
      's=Playback',
      'c=IN IP4 192.168.1.64',
      't=0 0',
      'm=video 15060 TCP/RTP/AVP 96',
      'c=IN IP4 192.168.1.65',
      'a=sendonly',
      'a=rtpmap:96 PS/90000',
      'a=setup:passive',
      'a=filesize:263094272',
      'y=1200000002',
    ),
  );
  const r = readGbAnswer(answer, '1200000002');
  assert.ok(r.ok);
  assert.deepEqual(r.value.transport, { protocol: 'tcp', setup: 'passive' });
  assert.equal(r.value.address, '192.168.1.65');
  assert.equal(r.value.fileSize, 263094272);
});

test('answers without media or connection are errors; LF-only lines and unknown lines are tolerated', () => {
  const noMedia = parseGbSdp('v=0\no=x 0 0 IN IP4 1.2.3.4\ns=Play\nt=0 0\n');
  assert.equal(noMedia.ok ? 'ok' : noMedia.error, GbErrorCode.SDP_NO_MEDIA);
  const noConn = parsed('v=0\no=x 0 0 IN IP4 1.2.3.4\ns=Play\nt=0 0\nm=video 9 RTP/AVP 96\nx=whatever\n');
  const r = readGbAnswer(noConn, '0200000001');
  assert.equal(r.ok ? 'ok' : r.error, GbErrorCode.SDP_NO_CONNECTION);
  const noOrigin = parseGbSdp('v=0\ns=Play\nm=video 9 RTP/AVP 96\n');
  assert.equal(noOrigin.ok ? 'ok' : noOrigin.error, GbErrorCode.SDP_SYNTAX);
  assert.equal(parseGbSdp('x'.repeat(20_000)).ok, false);
});

test('the reference SDPs round-trip through parse and write', () => {
  for (const text of [ref.LIVE_OFFER_SDP, ref.LIVE_ANSWER_SDP, ref.PLAYBACK_OFFER_SDP]) {
    assert.equal(writeGbSdp(parsed(text)), text);
  }
});

test('a device-side answer to the reference offer reproduces the reference answer', () => {
  const r = gbAnswer(parsed(ref.LIVE_OFFER_SDP), {
    originId: '34020000001180000001',
    address: '192.168.1.64',
    port: 15060,
    fileSize: 0,
    sessionId: '2851',
  });
  assert.ok(r.ok);
  assert.equal(writeGbSdp(r.value), ref.LIVE_ANSWER_SDP);
  const tcp = gbAnswer(parsed(ref.PLAYBACK_OFFER_SDP), {
    originId: 'd',
    address: '192.168.1.64',
    port: 15060,
    ssrc: '1200000099',
  });
  assert.ok(tcp.ok);
  assert.deepEqual(tcp.value.media[0].transport, { protocol: 'tcp', setup: 'active', connection: 'new' });
  assert.equal(tcp.value.ssrc, '1200000099');
  assert.deepEqual(tcp.value.time, { start: 1744943400, stop: 1744947000 });
});

test('broadcast INVITE from a device: audio media, PCMA, f= kept verbatim', () => {
  const offer = parsed(
    sdp(
      'v=0',
      'o=34020000001310000001 0 0 IN IP4 192.168.1.64',
      's=Play',
      'c=IN IP4 192.168.1.64',
      't=0 0',
      'm=audio 8000 TCP/RTP/AVP 8 96',
      'a=recvonly',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:96 PS/90000',
      'a=setup:active',
      'y=0200000005',
      'f=v/////a/1/8/1',
    ),
  );
  assert.equal(offer.media[0].type, 'audio');
  assert.deepEqual(offer.media[0].payloadTypes, [8, 96]);
  assert.deepEqual(offer.media[0].rtpmaps[0], { payloadType: 8, encoding: 'PCMA', clockRate: 8000 });
  assert.equal(offer.format, 'v/////a/1/8/1');
  assert.match(writeGbSdp(offer), /\r\ny=0200000005\r\nf=v\/\/\/\/\/a\/1\/8\/1\r\n$/);
});
