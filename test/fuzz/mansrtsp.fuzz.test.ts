// Seeded mutation fuzz of MANSRTSP (GB/T 28181-2016 Annex B; docs/gb28181.md §8.1): the INFO bodies
// that control playback, and the optional body of the device's 200. Properties: never throws;
// an accepted request or response re-builds and re-parses to the same object.
import assert from 'node:assert/strict';
import { PAUSE_MANSRTSP } from '../../gateway/gb28181/fixtures/reference-bodies.js';
import {
  buildMansRtsp,
  buildMansRtspResponse,
  parseMansRtsp,
  parseMansRtspResponse,
} from '../../gateway/gb28181/mansrtsp.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const SEEDS = [
  PAUSE_MANSRTSP,
  'PLAY RTSP/1.0\r\nCSeq: 2\r\nRange: npt=now-\r\n',
  'PLAY RTSP/1.0\r\nCSeq: 3\r\nScale: 2.0\r\n',
  'PLAY RTSP/1.0\r\nCSeq: 4\r\nRange: npt=379-3600\r\n',
  'TEARDOWN RTSP/1.0\r\nCSeq: 5\r\n',
  'RTSP/1.0 200 OK\r\nCSeq: 2\r\nRTP-Info: seq=1;rtptime=3600\r\n',
].map(ascii);

const DICTIONARY = [
  '\r\n',
  ':',
  '.',
  '-',
  '+',
  'npt=',
  'now',
  'Scale: 0.000000001\r\n',
  'Scale: -4\r\n',
  'Scale: 0\r\n',
  'Range: npt=1.5-\r\n',
  'PauseTime: 9999999999.999999999\r\n',
  'CSeq: 4294967295\r\n',
  'RTP-Info: seq=;rtptime=x\r\n',
  '9999999999',
  '0.1',
].map(ascii);

const decoder = new TextDecoder();

defineFuzz({
  name: 'mansrtsp',
  ciIterations: 500_000,
  seed: 0x8b,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 2048 });
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const text = decoder.decode(input);
    const req = parseMansRtsp(text);
    if (req.ok) {
      const again = parseMansRtsp(buildMansRtsp(req.value));
      assert.ok(again.ok, `rebuilt request no longer parses: ${again.ok ? '' : again.detail}`);
      assert.deepEqual(again.value, req.value);
    }
    const res = parseMansRtspResponse(text);
    if (res.ok) {
      const again = parseMansRtspResponse(buildMansRtspResponse(res.value));
      assert.ok(again.ok, `rebuilt response no longer parses: ${again.ok ? '' : again.detail}`);
      assert.equal(again.value.cseq, res.value.cseq);
      assert.equal(again.value.status, res.value.status);
    }
  },
});
