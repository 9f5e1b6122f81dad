// Seeded mutation fuzz of the GB SDP parser (RFC 4566 with GB/T 28181 y= and f=, docs/gb28181.md §7)
// and of readGbAnswer, which turns a device's answer into the address, port and SSRC the
// receiver uses. Properties: never throws; an accepted SDP re-writes and re-parses to the same
// object; an accepted answer names a port in 1..65535 and an address without spaces.
import assert from 'node:assert/strict';
import * as bodies from '../../gateway/gb28181/fixtures/reference-bodies.js';
import { readGbAnswer } from '../../gateway/gb28181/sdp/offer-answer.js';
import { parseGbSdp } from '../../gateway/gb28181/sdp/parse.js';
import { writeGbSdp } from '../../gateway/gb28181/sdp/write.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const SEEDS = [
  bodies.LIVE_OFFER_SDP,
  bodies.LIVE_ANSWER_SDP,
  bodies.PLAYBACK_OFFER_SDP,
  // TCP active answer with media-level c=, f= and an IPv6 origin.
  [
    'v=0',
    'o=34020000001180000001 0 0 IN IP6 fe80::1',
    's=Play',
    't=0 0',
    'm=video 15060 TCP/RTP/AVP 96',
    'c=IN IP4 192.168.1.64',
    'a=sendonly',
    'a=rtpmap:96 PS/90000',
    'a=setup:active',
    'a=connection:new',
    'a=streamnumber:0',
    'y=0200000001',
    'f=v/2/6/25/2/4096a///',
    '',
  ].join('\n'),
].map(ascii);

const DICTIONARY = [
  '\r\n',
  '\n',
  '=',
  ' ',
  '/',
  ':',
  'm=video 0 RTP/AVP 96\r\n',
  'm=audio 65535 RTP/AVP/TCP 8\r\n',
  'm=video 99999 RTP/AVP 96\r\n',
  'c=IN IP4 \r\n',
  'c=IN IP6 [::1]\r\n',
  'a=rtpmap:96 PS/99999999999999999999999\r\n',
  'a=setup:passive\r\n',
  'a=filesize:999999999999999\r\n',
  'a=downloadspeed:0\r\n',
  'y=\r\n',
  'y=9999999999\r\n',
  'y=0\r\n',
  't=999999999999 0\r\n',
  'o=- - - IN IP4 x\r\n',
  's=\r\n',
  '65536',
  '\u0000',
].map(ascii);

const decoder = new TextDecoder();

defineFuzz({
  name: 'sdp',
  ciIterations: 200_000,
  seed: 0x5d9,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 20_000 });
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    // play-session.ts decodes the 200's body as UTF-8 before parsing.
    const parsed = parseGbSdp(decoder.decode(input));
    if (!parsed.ok) {
      return;
    }
    const sdp = parsed.value;
    for (const m of sdp.media) {
      assert.ok(Number.isInteger(m.port) && m.port >= 0 && m.port <= 65535, `port ${m.port}`);
      for (const pt of m.payloadTypes) {
        assert.ok(Number.isInteger(pt) && pt >= 0, `payload type ${pt}`);
      }
    }
    const again = parseGbSdp(writeGbSdp(sdp));
    assert.ok(again.ok, `written SDP no longer parses: ${again.ok ? '' : again.detail}`);
    assert.deepEqual(again.value, sdp, 'parse(write(sdp)) differs from sdp');
    const answer = readGbAnswer(sdp, '0200000001');
    if (answer.ok) {
      assert.ok(answer.value.port >= 1 && answer.value.port <= 65535, `answer port ${answer.value.port}`);
      assert.match(answer.value.address, /^\S+$/);
      assert.match(answer.value.ssrc, /^\d{10}$/);
    }
  },
});
