import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { looksLikeAdts, probeAudioCodec, probeVideoCodec, startsOtherCodec } from './codec-probe.js';

test('video probe: first NAL header bytes of each codec decide on their own', () => {
  // H.264: SPS 67, PPS 68, AUD 09, IDR 65, P slice 41, SEI 06 05 ...
  for (const [b0, b1] of [
    [0x67, 0x4d],
    [0x68, 0xef],
    [0x09, 0xf0],
    [0x65, 0x88],
    [0x41, 0x9a],
    [0x01, 0x9a],
  ]) {
    assert.equal(probeVideoCodec(b0, b1, 'H265'), 'H264', `${b0.toString(16)} ${b1.toString(16)}`);
  }
  // H.265: VPS 40 01, SPS 42 01, PPS 44 01, AUD 46 01, prefix SEI 4e 01, IDR_W_RADL 26 01, CRA 2a 01, TRAIL_R 02 01
  for (const [b0, b1] of [
    [0x40, 1],
    [0x42, 1],
    [0x44, 1],
    [0x46, 1],
    [0x4e, 1],
    [0x26, 1],
    [0x2a, 1],
    [0x02, 1],
  ]) {
    assert.equal(probeVideoCodec(b0, b1, 'H264'), 'H265', `${b0.toString(16)} ${b1.toString(16)}`);
  }
});

test('video probe: headers valid in both codecs follow the PSM, or wait for the next NAL unit', () => {
  // 28 01: H.264 PPS with nal_ref_idc 1, or H.265 IDR_N_LP. 06 05: H.264 SEI, or H.265 TSA_R.
  assert.equal(probeVideoCodec(0x28, 0x01, 'H265'), 'H265');
  assert.equal(probeVideoCodec(0x28, 0x01, 'H264'), 'H264');
  assert.equal(probeVideoCodec(0x06, 0x05, undefined), undefined);
  assert.equal(probeVideoCodec(0x80, 0x01, 'H264'), undefined, 'forbidden_zero_bit set: neither');
});

test('audio probe: ADTS wins over a G.711 label; mu-law silence (FF FF) is not ADTS', () => {
  const adts = fromHex('ff f1 50 80 01 5f fc 21 00 49');
  assert.ok(looksLikeAdts(adts));
  assert.equal(probeAudioCodec(adts, 'PCMA'), 'AAC');
  assert.equal(probeAudioCodec(fromHex('ff ff ff ff ff ff ff ff'), 'PCMU'), 'PCMU');
  assert.equal(probeAudioCodec(fromHex('d5 d5 d5 d5'), undefined), undefined);
  assert.ok(!looksLikeAdts(fromHex('ff f1 50 80 02 1f fc')), 'frame length past the payload');
});

test('startsOtherCodec: the AUD and parameter sets that begin an access unit of the other codec', () => {
  const h = (codec: 'H264' | 'H265', b0: number, b1: number) => startsOtherCodec(codec, b0, b1);
  // While decoding H.264: H.265 AUD 46 01, VPS 40 01, SPS 42 01 (none is a valid H.264 header).
  assert.deepEqual([h('H264', 0x46, 0x01), h('H264', 0x40, 0x01), h('H264', 0x42, 0x01)], [true, true, true]);
  // ... but not its PPS (44 01) or slices (26 01, 02 01): a change starts at an AUD, VPS or SPS.
  assert.deepEqual(
    [h('H264', 0x44, 0x01), h('H264', 0x26, 0x01), h('H264', 0x02, 0x01)],
    [false, false, false],
  );
  // H.264's own AUD, SPS, SEI are not a change.
  assert.deepEqual(
    [h('H264', 0x09, 0xf0), h('H264', 0x67, 0x42), h('H264', 0x06, 0x05)],
    [false, false, false],
  );
  // While decoding H.265: H.264 AUD 09 f0 and SPS 67 42 (layer bit set if read as H.265).
  assert.deepEqual([h('H265', 0x09, 0xf0), h('H265', 0x67, 0x42), h('H265', 0x27, 0x4d)], [true, true, true]);
  // ... not its PPS or IDR, and not H.265's own parameter sets.
  assert.deepEqual(
    [h('H265', 0x68, 0xce), h('H265', 0x65, 0x88), h('H265', 0x40, 0x01)],
    [false, false, false],
  );
});
