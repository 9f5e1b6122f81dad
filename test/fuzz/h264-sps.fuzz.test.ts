// Seeded mutation fuzz of the H.264 SPS parser (ITU-T H.264 §7.3.2.1.1, Annex E VUI) and of what
// the HLS output builds from a keyframe's parameter sets: the codec string, the video config and
// the fMP4 init segment (mux.js avc1/avcC). Seeds: the SPS of every committed H.264 clip and
// x264 SPS with high-4:4:4, 10-bit interlaced and 4:2:2 features. Properties: never throws;
// an accepted SPS has a positive integer size, chroma_format_idc 0..3 and a finite frame rate;
// the init segment for it is a well-formed box list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../codecs/bytes/hex.js';
import { splitAnnexB } from '../../codecs/bytes/start-codes.js';
import { NalType, nalType } from '../../codecs/h264/nal.js';
import { parseH264Sps } from '../../codecs/h264/sps.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';
import { checkInitSegment, clipUnits } from '../helpers/sps-fuzz.js';

const CLIPS = ['ch1-testsrc2.h264', 'ch2-smptebars.h264', 'ch3-mandelbrot.h264', 'ch4-rgbtestsrc.h264'];
const units = CLIPS.flatMap((c) => clipUnits(c, readFileSync, splitAnnexB));
const ofType = (t: number) => units.filter((u) => nalType(u[0]) === t);
const PPS = ofType(NalType.PPS)[0];
const IDR = ofType(NalType.IDR)[0].subarray(0, 64);

const SEEDS = [
  ...ofType(NalType.SPS),
  // x264, High 4:4:4 Predictive, 642x362 (cropped), 30 fps.
  fromHex('67 f4 10 1e 91 97 02 90 bf 8f 9f 01 10 00 00 03 00 10 00 00 03 03 c0 40'),
  // x264, High 10 interlaced (frame_mbs_only 0), 320x240, SAR 12:11.
  fromHex('67 6e 00 15 a6 cd 94 14 10 fc b8 10 80 00 00 03 00 80 00 00 19 0f 8a 14 cb'),
  // x264, High 4:2:2, 1922x1082 (cropped), 50 fps.
  fromHex('67 7a 00 2a bc d9 40 79 02 27 88 9f ff 21 d0 21 c9 10 00 00 03 00 10 00 00 06 40 f1 83 19 60'),
];
// Exp-Golomb edges: long runs of zero bits (huge ue values), all ones, emulation prevention.
const DICTIONARY: Uint8Array[] = [
  [0x00, 0x00, 0x00],
  [0x00, 0x00, 0x03],
  [0xff, 0xff],
  [0x00, 0x00, 0x00, 0x01],
  [0x80],
  [0x67],
].map((b) => new Uint8Array(b));
DICTIONARY.push(ascii('\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000'));

defineFuzz({
  name: 'h264-sps',
  ciIterations: 150_000,
  seed: 0x264,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 512 });
    if (bytes.length > 0 && rand() < 0.9) {
      bytes[0] = 0x67; // keep it an SPS most of the time, so the parser gets past the header check
    }
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const sps = parseH264Sps(input);
    if (!sps) {
      return;
    }
    assert.ok(Number.isSafeInteger(sps.width) && sps.width > 0, `width ${sps.width}`);
    assert.ok(Number.isSafeInteger(sps.height) && sps.height > 0, `height ${sps.height}`);
    assert.ok(sps.chromaFormatIdc >= 0 && sps.chromaFormatIdc <= 3);
    assert.ok(Number.isSafeInteger(sps.sarWidth) && Number.isSafeInteger(sps.sarHeight));
    assert.ok(
      sps.frameRate === undefined || (Number.isFinite(sps.frameRate) && sps.frameRate > 0),
      `frame rate ${sps.frameRate}`,
    );
    checkInitSegment('H264', [input, PPS, IDR]);
  },
});
