// Seeded mutation fuzz of the H.265 SPS parser (ITU-T H.265 §7.3.2.2 with profile_tier_level
// §7.3.3) and of what the HLS output builds from a keyframe's parameter sets: the hvc1 codec
// string, the hvcC record (ISO/IEC 14496-15 §8.3.3.1) and the fMP4 init segment. Seeds: the SPS
// of the committed H.265 clip and x265 SPS (Main 10, 4:2:2). Properties: never throws; an
// accepted SPS has a positive integer size and chroma_format_idc 0..3, and 6 constraint bytes;
// the init segment for it is a well-formed box list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../codecs/bytes/hex.js';
import { splitAnnexB } from '../../codecs/bytes/start-codes.js';
import { NalType, nalType } from '../../codecs/h265/nal.js';
import { parseH265Sps } from '../../codecs/h265/sps.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';
import { checkInitSegment, clipUnits } from '../helpers/sps-fuzz.js';

const units = clipUnits('h265-testsrc2.h265', readFileSync, splitAnnexB);
const ofType = (t: number) => units.filter((u) => nalType(u[0]) === t);
const VPS = ofType(NalType.VPS)[0];
const PPS = ofType(NalType.PPS)[0];

const SEEDS = [
  ...ofType(NalType.SPS),
  // x265, Main 10, 642x362 (conformance window).
  fromHex(
    '42 01 01 02 20 00 00 03 00 90 00 00 03 00 00 03 00 3f a0 05 12 01 71 c9 23 65 95 9a 49 32 bc 05 a0 20 00 00 03 00 20 00 00 03 03 c1',
  ),
  // x265, Main 4:2:2 10 (RExt), 352x288.
  fromHex(
    '42 01 01 04 08 00 00 03 00 9d 08 00 00 03 00 00 3c b0 0b 08 04 85 96 56 69 24 ca f0 16 80 80 00 00 03 00 80 00 00 0f 04',
  ),
];
const DICTIONARY = [[0x00, 0x00, 0x00], [0x00, 0x00, 0x03], [0xff, 0xff], [0x42, 0x01], [0x0e], [0x80]].map(
  (b) => new Uint8Array(b),
);

defineFuzz({
  name: 'h265-sps',
  ciIterations: 150_000,
  seed: 0x265,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 512 });
    if (bytes.length > 1 && rand() < 0.9) {
      bytes[0] = 0x42; // nal_unit_type 33 (SPS), layer 0
      bytes[1] = 0x01; // temporal id 0
    }
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const sps = parseH265Sps(input);
    if (!sps) {
      return;
    }
    assert.ok(Number.isSafeInteger(sps.width) && sps.width > 0, `width ${sps.width}`);
    assert.ok(Number.isSafeInteger(sps.height) && sps.height > 0, `height ${sps.height}`);
    assert.ok(sps.chromaFormatIdc >= 0 && sps.chromaFormatIdc <= 3);
    assert.ok(sps.maxSubLayersMinus1 >= 0 && sps.maxSubLayersMinus1 <= 6);
    assert.equal(sps.generalConstraintIndicatorFlags.length, 6);
    checkInitSegment('H265', [VPS, input, PPS]);
  },
});
