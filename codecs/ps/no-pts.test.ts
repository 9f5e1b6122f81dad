// Field bug: some encoders write PES packets with no PTS and no DTS at all. The demuxer used to
// wait for a timestamp that never came and drop every byte (a black screen, no error). Access
// units are now found from the NAL units alone and timed from the RTP timestamp (GB/T 28181
// RTP runs on the 90 kHz media clock) or, in a file, one frame interval apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOCK_HZ, type AccessUnit } from '../types.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { PsDemuxer } from './demuxer.js';
import { PsMuxer } from './muxer.js';
import { GAP, type PsInput } from './ps-input.js';

const PACK = '00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8'; // pack header (SCR ignored by the demuxer)
// Baseline 320x240 SPS whose VUI declares 30 fps (num_units_in_tick 1, time_scale 60).
const SPS_30FPS = '67 42 c0 1e da 05 07 e8 40 00 00 03 00 40 00 00 0f 21';

// Three packs, one frame each, as an encoder without timestamps writes them.
const PACK1 = fromHex(`
  ${PACK}
  00 00 01 bc 00 12 e1 ff 00 00 00 08                  // PSM ...
  1b e0 00 00 90 c0 00 00 b9 28 7f 16                  // ... H.264 on 0xE0, G.711A on 0xC0, CRC
  00 00 01 e0 00 2d 80 00 00                           // video PES, 45 bytes, PTS_DTS_flags 00
  00 00 00 01 09 f0                                    //   AUD
  00 00 00 01 ${SPS_30FPS}                             //   SPS
  00 00 00 01 68 ce 3c 80                              //   PPS
  00 00 01 65 88 84                                    //   IDR slice, first_mb_in_slice 0
  00 00 01 c0 00 07 80 00 00 d5 d5 d5 d5               // audio PES without PTS: 4 A-law samples
`);
const PACK2 = fromHex(`
  ${PACK}
  00 00 01 e0 00 0f 80 00 00                           // video PES, no PTS
  00 00 00 01 09 f0                                    //   AUD: a new access unit
  00 00 01 41 9a 26                                    //   P slice, first_mb_in_slice 0
  00 00 01 c0 00 07 80 00 00 d5 d5 d5 d5               // audio PES without PTS
`);
const PACK3 = fromHex(`
  ${PACK}
  00 00 01 e0 00 09 80 00 00                           // video PES, no PTS
  00 00 01 41 9a 27                                    //   P slice, first_mb_in_slice 0, no AUD
  00 00 01 c0 00 07 80 00 00 d5 d5 d5 d5               // audio PES without PTS
`);
const STREAM = new Uint8Array([...PACK1, ...PACK2, ...PACK3]);

const summary = (aus: readonly AccessUnit[]) =>
  aus.map((a) => ({
    codec: a.codec,
    pts: a.pts,
    dts: a.dts,
    key: a.keyframe,
    units: a.units.map((u) => toHex(u)),
  }));

function demux(inputs: PsInput[]): { aus: AccessUnit[]; d: PsDemuxer } {
  const d = new PsDemuxer();
  const aus = inputs.flatMap((i) => d.push(i));
  return { aus: [...aus, ...d.flush()], d };
}

const VIDEO_UNITS = [[SPS_30FPS, '68 ce 3c 80', '65 88 84'], ['41 9a 26'], ['41 9a 27']];

test('no PTS in any PES, no RTP (a file): access units from the NAL units alone, at the SPS frame rate', () => {
  const { aus, d } = demux([{ payload: STREAM }]);
  const video = summary(aus.filter((a) => a.codec === 'H264'));
  // 30 fps: 3000 ticks apart, from 0 (the SPS of the first keyframe declares the rate).
  assert.deepEqual(
    video,
    VIDEO_UNITS.map((units, i) => ({ codec: 'H264', pts: 3000 * i, dts: 3000 * i, key: i === 0, units })),
  );
  // G.711 without PTS follows its duration from 0: 4 samples = 4 × 90000/8000 = 45 ticks each.
  assert.deepEqual(
    aus.filter((a) => a.codec === 'PCMA').map((a) => a.pts),
    [0, 45, 90],
  );
  assert.equal(d.stats.untimedAccessUnits, 3);
  assert.equal(d.stats.rtpTimedAccessUnits, 0);
  assert.equal(d.stats.droppedBytes, 0);
});

test('no PTS: the same output split at every offset and in seeded random chunks', () => {
  const whole = summary(demux([{ payload: STREAM }]).aus);
  for (let i = 1; i < STREAM.length; i++) {
    const split = demux([{ payload: STREAM.subarray(0, i) }, { payload: STREAM.subarray(i) }]);
    assert.deepEqual(summary(split.aus), whole, `split at ${i}`);
  }
  const seed = 0x9075;
  const rand = seededRandom(seed);
  for (let round = 0; round < 100; round++) {
    const pieces = chunk(STREAM, () => randomInt(rand, 1, 30)).map((payload) => ({ payload }));
    assert.deepEqual(summary(demux(pieces).aus), whole, `seed ${seed} round ${round}`);
  }
});

test('no PTS over RTP: each frame takes the RTP timestamp of its packets, across the 32-bit wrap', () => {
  const T0 = 2 ** 32 - 3000; // the second frame's timestamp wraps to 0
  const packets: PsInput[] = [PACK1, PACK2, PACK3].map((payload, i) => ({
    payload,
    timestamp: (T0 + 3000 * i) >>> 0,
    marker: true,
  }));
  const { aus, d } = demux(packets);
  assert.deepEqual(
    aus.filter((a) => a.codec === 'H264').map((a) => [a.pts, a.dts]),
    [
      [T0, T0],
      [T0 + 3000, T0 + 3000],
      [T0 + 6000, T0 + 6000],
    ],
  );
  // Audio starts on the RTP clock and follows its own duration (it stays within 0.5 s of it).
  assert.deepEqual(
    aus.filter((a) => a.codec === 'PCMA').map((a) => a.pts),
    [T0, T0 + 45, T0 + 90],
  );
  assert.equal(d.stats.rtpTimedAccessUnits, 3);
});

test('no PTS over RTP in one packet per PES, split anywhere: the same frames and times', () => {
  const ts = [1000, 4000, 7000];
  const reference = summary(
    demux([PACK1, PACK2, PACK3].map((payload, i) => ({ payload, timestamp: ts[i] }))).aus,
  );
  const rand = seededRandom(7);
  for (let round = 0; round < 50; round++) {
    const inputs: PsInput[] = [];
    [PACK1, PACK2, PACK3].forEach((pack, i) => {
      for (const payload of chunk(pack, () => randomInt(rand, 1, 40))) {
        inputs.push({ payload, timestamp: ts[i] });
      }
    });
    assert.deepEqual(summary(demux(inputs).aus), reference, `round ${round}`);
  }
});

test('no PTS: after lost packets the next frame start resyncs at once (no timestamp to wait for)', () => {
  const d = new PsDemuxer();
  const out = [
    ...d.push({ payload: PACK1.subarray(0, 40), timestamp: 0 }),
    ...d.push({ ...GAP }),
    ...d.push({ payload: PACK2, timestamp: 6000 }),
    ...d.push({ payload: PACK3, timestamp: 9000 }),
    ...d.flush(),
  ];
  assert.deepEqual(
    out.filter((a) => a.codec === 'H264').map((a) => [toHex(a.units[0]), a.dts]),
    [
      ['41 9a 26', 6000],
      ['41 9a 27', 9000],
    ],
  );
  assert.equal(d.stats.gaps, 1);
});

test('a stream that carries PTS is never timed from RTP, even where a PES lacks one', () => {
  // ffmpeg style: PTS on some PES only. The untimed frame sits between its neighbours.
  const s = fromHex(`
    00 00 01 e0 00 0f 80 80 05 21 00 05 bf 21 00 00 00 01 65 88 84  // IDR, PTS 90000
    00 00 01 e0 00 0a 80 00 00 00 00 00 01 41 9a 26                  // P, no PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 f7 61 00 00 00 01 41 9a 27  // P, PTS 97200
  `);
  const { aus, d } = demux([{ payload: s, timestamp: 123_456 }]);
  assert.deepEqual(
    aus.map((a) => a.dts),
    [90000, 93600, 97200],
  );
  assert.equal(d.stats.untimedAccessUnits, 1);
  assert.equal(d.stats.rtpTimedAccessUnits, 0);
});

test('PsMuxer omitTimestamps round trip: what an encoder without PTS sends plays back at its RTP times', () => {
  const muxer = new PsMuxer({ omitTimestamps: true, insertAud: true });
  const frames: AccessUnit[] = [];
  const packets: PsInput[] = [];
  for (let i = 0; i < 12; i++) {
    const key = i % 6 === 0;
    const t = 7 * CLOCK_HZ + 3600 * i;
    const au: AccessUnit = {
      codec: 'H264',
      pts: t,
      dts: t,
      keyframe: key,
      units: key
        ? [fromHex(SPS_30FPS), fromHex('68 ce 3c 80'), Uint8Array.of(0x65, 0x88, 0x84, i + 1)]
        : [Uint8Array.of(0x41, 0x9a, 0x26, i + 1)],
    };
    frames.push(au);
    packets.push({ payload: muxer.mux(au), timestamp: t, marker: true });
  }
  const pes = toHex(packets[1].payload).split('00 00 01 e0')[1];
  assert.ok(pes.startsWith(' ') && pes.slice(7, 15) === '80 00 00', 'the muxer wrote no PTS');
  assert.deepEqual(summary(demux(packets).aus), summary(frames));
});

test('joined at a PES without PTS of a stream that has them: the first frame is timed one frame before the next', () => {
  // The first bytes seen are a continuation PES (no PTS) holding an IDR slice; the next frame's
  // PES carries PTS 93600. Timing the IDR from RTP (another clock) or at 0 would jump.
  const s = fromHex(`
    00 00 01 e0 00 0a 80 00 00 00 00 00 01 65 88 84                  // IDR slice, no PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 db 41 00 00 00 01 41 9a 26  // P, PTS 93600
  `);
  const { aus } = demux([{ payload: s, timestamp: 5 }]);
  assert.deepEqual(
    aus.map((a) => [a.keyframe, a.pts, a.dts]),
    [
      [true, 90000, 90000],
      [false, 93600, 93600],
    ],
  );
});
