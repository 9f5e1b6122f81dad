import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../types.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { chunk, randomInt, seededRandom } from '../../test/helpers/random.js';
import { PsDemuxer, type PsDemuxerOptions } from './demuxer.js';
import { PsMuxer } from './muxer.js';
import { GAP, type PsInput } from './ps-input.js';

// Three packs in the GB/T 28181 layout (docs/gb28181.md §10.6). Frame 2 spans two PES packets,
// and the start code of its second slice is split between them.
const STREAM = fromHex(`
  00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8            // pack header, SCR 86400
  00 00 01 bb 00 0c 80 00 01 04 e1 7f e0 e0 e8 c0 c0 20  // system header
  00 00 01 bc 00 12 e1 ff 00 00 00 08                  // PSM ...
  1b e0 00 00 90 c0 00 00 b9 28 7f 16                  // ... H.264 on 0xE0, G.711A on 0xC0, CRC
  00 00 01 e0 00 24 80 80 05 21 00 05 bf 21            // video PES, 36 bytes, PTS 90000
  00 00 00 01 09 f0                                    //   AUD (not kept in units)
  00 00 00 01 67 42 c0 1f                              //   SPS
  00 00 00 01 68 ce 3c 80                              //   PPS
  00 00 01 65 88 84                                    //   IDR slice, first_mb_in_slice 0
  00 00 01 c0 00 0c 80 80 05 21 00 05 bf 21            // audio PES, PTS 90000
  d5 d5 d5 d5                                          //   4 A-law samples

  00 00 01 ba 44 00 16 fc 84 01 00 5f 6b f8            // pack header, SCR 90000
  00 00 01 e0 00 16 80 80 05 21 00 05 db 41            // video PES, 22 bytes, PTS 93600
  00 00 00 01 09 f0                                    //   AUD: a new access unit
  00 00 01 41 9a 26                                    //   P slice, first_mb_in_slice 0
  00 00                                                //   first half of a start code ...
  00 00 01 e0 00 07 80 00 00                           // video PES without PTS: same frame
  01 41 5a 1f                                          //   ... 01, P slice with first_mb_in_slice 1
  00 00 01 c0 00 0c 80 80 05 21 00 05 cd 31            // audio PES, PTS 91800
  d5 d5 d5 d5

  00 00 01 ba 44 00 17 6d 04 01 00 5f 6b f8            // pack header, SCR 93600
  00 00 01 e0 00 0e 80 80 05 21 00 05 f7 61            // video PES, PTS 97200, no AUD
  00 00 01 41 9a 27                                    //   P slice, first_mb_in_slice 0
  00 00 01 b9                                          // MPEG_program_end_code
`);

const EXPECTED = [
  { codec: 'PCMA', pts: 90000, dts: 90000, keyframe: true, units: ['d5 d5 d5 d5'] },
  {
    codec: 'H264',
    pts: 90000,
    dts: 90000,
    keyframe: true,
    units: ['67 42 c0 1f', '68 ce 3c 80', '65 88 84'],
  },
  { codec: 'PCMA', pts: 91800, dts: 91800, keyframe: true, units: ['d5 d5 d5 d5'] },
  { codec: 'H264', pts: 93600, dts: 93600, keyframe: false, units: ['41 9a 26', '41 5a 1f'] },
  { codec: 'H264', pts: 97200, dts: 97200, keyframe: false, units: ['41 9a 27'] },
];

const hexed = (aus: readonly AccessUnit[]) =>
  aus.map((a) => ({
    codec: a.codec,
    pts: a.pts,
    dts: a.dts,
    keyframe: a.keyframe,
    units: a.units.map((u) => toHex(u)),
  }));

function demux(pieces: Uint8Array[], options?: PsDemuxerOptions): { aus: AccessUnit[]; d: PsDemuxer } {
  const d = new PsDemuxer(options);
  const aus: AccessUnit[] = [];
  for (const payload of pieces) {
    aus.push(...d.push({ payload }));
  }
  aus.push(...d.flush());
  return { aus, d };
}

test('literal stream: access units, AUD removed, frame spread over two PES', () => {
  const { aus, d } = demux([STREAM]);
  assert.deepEqual(hexed(aus), EXPECTED);
  assert.deepEqual(
    { ...d.stats },
    {
      packs: 3,
      systemHeaders: 1,
      psm: 1,
      pes: 6,
      skippedPes: 0,
      resyncs: 0,
      gaps: 0,
      droppedBytes: 0,
      droppedAccessUnits: 0,
      oversize: 0,
      frameEndsConfirmed: 0,
      frameEndsWrong: 0,
      framesEndedEarly: 0,
      frameHintFailures: 0,
      untimedAccessUnits: 0,
      rtpTimedAccessUnits: 0,
      codecChanges: 0,
    },
  );
});

test('literal stream: same output split at every offset, byte by byte, and in seeded random chunks', () => {
  for (let i = 1; i < STREAM.length; i++) {
    assert.deepEqual(
      hexed(demux([STREAM.subarray(0, i), STREAM.subarray(i)]).aus),
      EXPECTED,
      `split at ${i}`,
    );
  }
  assert.deepEqual(hexed(demux(chunk(STREAM, () => 1)).aus), EXPECTED, '1-byte chunks');
  const seed = 20240601;
  const rand = seededRandom(seed);
  for (let round = 0; round < 200; round++) {
    assert.deepEqual(
      hexed(demux(chunk(STREAM, () => randomInt(rand, 1, 40))).aus),
      EXPECTED,
      `seed ${seed} round ${round}`,
    );
  }
});

test('units are views into one buffer per stretch of input, not per-NAL copies', () => {
  const { aus } = demux([STREAM]);
  const key = aus[1];
  assert.ok(key.units.every((u) => u.buffer === key.units[0].buffer));
});

/** Synthetic H.264 frames muxed by PsMuxer: a bigger stream for split tests. */
function muxedStream(
  frames: number,
  seed: number,
): { bytes: Uint8Array; aus: AccessUnit[]; packs: Uint8Array[] } {
  const rand = seededRandom(seed);
  const body = (n: number) => Uint8Array.from({ length: n }, () => 1 + Math.floor(rand() * 255));
  const m = new PsMuxer({ video: 'H264', audio: 'PCMU', insertAud: true });
  const aus: AccessUnit[] = [];
  const packs: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const key = i % 4 === 0;
    const slice = new Uint8Array([key ? 0x65 : 0x41, 0x88, ...body(20 + Math.floor(rand() * 60))]);
    const video: AccessUnit = {
      codec: 'H264',
      pts: 3600 * i,
      dts: 3600 * i,
      keyframe: key,
      units: key ? [fromHex('67 42 c0 1f'), fromHex('68 ce 3c 80'), slice] : [slice],
    };
    const audio: AccessUnit = {
      codec: 'PCMU',
      pts: 3600 * i + 5,
      dts: 3600 * i + 5,
      keyframe: true,
      units: [body(16)],
    };
    aus.push(video, audio);
    packs.push(m.mux(video), m.mux(audio));
  }
  const bytes = new Uint8Array(packs.reduce((n, p) => n + p.length, 0));
  packs.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return { bytes, aus, packs };
}

test('muxed stream: identical output when split at every offset', () => {
  const { bytes } = muxedStream(8, 7);
  const whole = hexed(demux([bytes]).aus);
  assert.equal(whole.filter((a) => a.codec === 'H264').length, 8);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(hexed(demux([bytes.subarray(0, i), bytes.subarray(i)]).aus), whole, `split at ${i}`);
  }
});

test('PES_packet_length 0: an unbounded video PES ends at the next pack header', () => {
  const s = fromHex(`
    00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8
    00 00 01 e0 00 00 80 80 05 21 00 05 bf 21     // length 0, PTS 90000
    00 00 00 01 65 88 84 00 00 01 65 08 85        // IDR slices 0 and 1 (no PSM: probed as H.264)
    00 00 01 ba 44 00 16 fc 84 01 00 5f 6b f8
    00 00 01 e0 00 00 80 80 05 21 00 05 db 41     // length 0, PTS 93600
    00 00 01 41 9a 00 00                          // trailing zeros of the last slice
  `);
  const expected = [
    { codec: 'H264', pts: 90000, dts: 90000, keyframe: true, units: ['65 88 84', '65 08 85'] },
    { codec: 'H264', pts: 93600, dts: 93600, keyframe: false, units: ['41 9a'] },
  ];
  assert.deepEqual(hexed(demux([s]).aus), expected);
  for (let i = 1; i < s.length; i++) {
    assert.deepEqual(hexed(demux([s.subarray(0, i), s.subarray(i)]).aus), expected, `split at ${i}`);
  }
});

test('Hikvision: empty pack 00 00 01 BA 00 00 01 E0, private stream 0xBD and padding are skipped', () => {
  const s = fromHex(`
    00 00 01 ba                                   // empty pack (Hikvision H.265)
    00 00 01 e0 00 0e 80 80 05 21 00 05 bf 21 00 00 01 26 01 af  // IDR_W_RADL, no PSM
    00 00 01 bd 00 04 de ad be ef                 // private_stream_1
    00 00 01 be 00 03 ff ff ff                    // padding_stream
    00 00 01 ba 44 00 16 fc 84 01 00 5f 6b f8
    00 00 01 e0 00 0e 80 80 05 21 00 05 db 41 00 00 01 02 01 d0  // TRAIL_R, first slice segment
  `);
  const { aus, d } = demux([s]);
  assert.deepEqual(hexed(aus), [
    { codec: 'H265', pts: 90000, dts: 90000, keyframe: true, units: ['26 01 af'] },
    { codec: 'H265', pts: 93600, dts: 93600, keyframe: false, units: ['02 01 d0'] },
  ]);
  assert.equal(d.stats.skippedPes, 2);
  assert.equal(d.stats.resyncs, 0);
});

test('Kedacom: PSM says H.264 (0x1B) but the payload is H.265: the payload wins', () => {
  const s = fromHex(`
    00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8
    00 00 01 bc 00 0e e0 ff 00 00 00 04 1b e0 00 00 00 00 00 00  // PSM: 0x1B on 0xE0
    00 00 01 e0 00 17 80 80 05 21 00 05 bf 21
    00 00 00 01 46 01 50                          // H.265 AUD (as H.264: SEI with nal_ref_idc 2)
    00 00 00 01 28 01 af 80                       // IDR_N_LP (as H.264 it would be a PPS)
  `);
  const { aus } = demux([s]);
  assert.deepEqual(hexed(aus), [
    { codec: 'H265', pts: 90000, dts: 90000, keyframe: true, units: ['28 01 af 80'] },
  ]);
});

test('Dahua: PSM says G.711A (0x90) but the PES carry ADTS: AAC', () => {
  const adts = 'ff f1 50 80 01 5f fc 21 00 49'; // ADTS header (aac_frame_length 10), 3 data bytes
  const s = fromHex(`
    00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8
    00 00 01 bc 00 0e e0 ff 00 00 00 04 90 c0 00 00 00 00 00 00
    00 00 01 c0 00 12 80 80 05 21 00 05 bf 21 ${adts}
  `);
  const { aus } = demux([s]);
  assert.deepEqual(hexed(aus), [{ codec: 'AAC', pts: 90000, dts: 90000, keyframe: true, units: [adts] }]);
});

test('each NAL unit in its own PES with the PTS repeated (commonly reported for Hikvision)', () => {
  const s = fromHex(`
    00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8
    00 00 01 e0 00 10 80 80 05 21 00 05 bf 21 00 00 00 01 67 42 c0 1f  // SPS, PTS 90000
    00 00 01 e0 00 10 80 80 05 21 00 05 bf 21 00 00 00 01 68 ce 3c 80  // PPS, same PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 bf 21 00 00 00 01 65 88 84     // IDR, same PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 bf 21 00 00 00 01 65 08 85     // 2nd IDR slice, same PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 db 41 00 00 00 01 41 9a 26     // P slice, PTS 93600
  `);
  assert.deepEqual(hexed(demux([s]).aus), [
    {
      codec: 'H264',
      pts: 90000,
      dts: 90000,
      keyframe: true,
      units: ['67 42 c0 1f', '68 ce 3c 80', '65 88 84', '65 08 85'],
    },
    { codec: 'H264', pts: 93600, dts: 93600, keyframe: false, units: ['41 9a 26'] },
  ]);
});

test('ffmpeg vob style: a PES whose PTS arrives mid-slice times the frame that starts in it (§2.4.3.7)', () => {
  const s = fromHex(`
    00 00 01 ba 44 00 16 8c 04 01 00 5f 6b f8
    00 00 01 e0 00 10 80 80 05 21 00 05 bf 21 00 00 01 65 88 84 11 22  // IDR slice, PTS 90000
    00 00 01 e0 00 11 80 80 05 21 00 05 db 41 33 44 00 00 01 41 9a 26 55  // tail of the IDR, then a P slice; PTS 93600
  `);
  assert.deepEqual(hexed(demux([s]).aus), [
    { codec: 'H264', pts: 90000, dts: 90000, keyframe: true, units: ['65 88 84 11 22 33 44'] },
    { codec: 'H264', pts: 93600, dts: 93600, keyframe: false, units: ['41 9a 26 55'] },
  ]);
});

test('a PES with a new PTS starting on a start code begins a new access unit even without AUD or first slice', () => {
  const s = fromHex(`
    00 00 01 e0 00 0e 80 80 05 21 00 05 bf 21 00 00 01 41 9a 26     // P slice, PTS 90000
    00 00 01 e0 00 0e 80 80 05 21 00 05 db 41 00 00 01 41 5a 27     // slice 1 of a frame whose slice 0 was lost
  `);
  assert.deepEqual(
    hexed(demux([s]).aus).map((a) => a.pts),
    [90000, 93600],
  );
});

test('a gap: the unfinished access unit is dropped and counted; demuxing resumes at the next pack', () => {
  const d = new PsDemuxer();
  const first = STREAM.subarray(0, 150); // pack 1 and part of pack 2
  const out = d.push({ payload: first });
  out.push(...d.push(GAP));
  out.push(...d.push({ payload: STREAM.subarray(150) }));
  out.push(...d.flush());
  // Frame 1 was waiting for the start of frame 2 and frame 2 was cut: both dropped. Pack 3 is whole.
  assert.deepEqual(
    hexed(out).map((a) => [a.codec, a.pts]),
    [
      ['PCMA', 90000],
      ['H264', 97200],
    ],
  );
  assert.equal(d.stats.gaps, 1);
  assert.equal(d.stats.droppedAccessUnits, 1);
  assert.ok(d.stats.droppedBytes > 0);
});

test('garbage between packs: resync at the next pack header, drop what was unfinished, count it', () => {
  const garbage = fromHex('00 00 01 77 12 34 00 00 01 00 01 e0 ff');
  const cut = 189; // the start of pack 3
  const s = new Uint8Array([...STREAM.subarray(0, cut), ...garbage, ...STREAM.subarray(cut)]);
  assert.equal(toHex(STREAM.subarray(cut, cut + 4)), '00 00 01 ba');
  const { aus, d } = demux([s]);
  assert.deepEqual(
    hexed(aus).map((a) => [a.codec, a.pts]),
    [
      ['PCMA', 90000],
      ['H264', 90000],
      ['PCMA', 91800],
      ['H264', 97200],
    ],
  );
  assert.equal(d.stats.resyncs, 1);
  assert.equal(d.stats.droppedBytes, garbage.length + 18, 'the garbage and the 18 bytes held for frame 2');
  assert.equal(d.stats.droppedAccessUnits, 1, 'frame 2 could not be closed');
  assert.deepEqual(hexed(demux(chunk(s, () => 3)).aus), hexed(aus));
});

test('input that starts mid-PES (joined late) is skipped up to the first pack header', () => {
  const { aus, d } = demux([STREAM.subarray(100)]);
  // Audio stays unknown without the PSM (A-law and µ-law look alike), so only video comes out.
  assert.deepEqual(
    hexed(aus).map((a) => [a.codec, a.pts]),
    [
      ['H264', 93600],
      ['H264', 97200],
    ],
  );
  assert.equal(d.stats.resyncs, 1);
});

test('an access unit over maxAccessUnitBytes is dropped and counted; the next ones come through', () => {
  const { bytes } = muxedStream(6, 3);
  const big = new PsMuxer({ video: 'H264' }).mux({
    codec: 'H264',
    pts: 3600 * 6,
    dts: 3600 * 6,
    keyframe: true,
    units: [new Uint8Array(3000).fill(0x65)],
  });
  const { bytes: after } = muxedStream(2, 4);
  const s = new Uint8Array([...bytes, ...big, ...after.map((x) => x)]);
  const { aus, d } = demux([s], { maxAccessUnitBytes: 1000 });
  assert.equal(d.stats.oversize, 1);
  assert.ok(aus.every((a) => a.units.reduce((n, u) => n + u.length, 0) <= 1000));
  assert.deepEqual(
    aus.filter((a) => a.codec === 'H264').map((a) => a.pts),
    [0, 3600, 7200, 10800, 14400, 18000, 0, 3600],
  );
});

test('emitted access units are never overwritten by later input, gaps and drops included', () => {
  const { bytes } = muxedStream(40, 11);
  const d = new PsDemuxer({ maxAccessUnitBytes: 90 });
  const kept: AccessUnit[] = [];
  const snapshots: string[] = [];
  const take = (aus: AccessUnit[]) => {
    for (const au of aus) {
      kept.push(au);
      snapshots.push(au.units.map((u) => toHex(u)).join('|'));
    }
  };
  const half = bytes.length >> 1;
  for (let i = 0; i < 300; i++) {
    // Every third round loses input mid-stream: the partial access unit's bytes get reused.
    take(d.push({ payload: bytes.subarray(0, half) }));
    take(d.push({ payload: bytes.subarray(half), gap: i % 3 === 0 }));
    take(d.flush());
  }
  assert.ok(kept.length > 15_000);
  assert.ok(d.stats.oversize > 0 && d.stats.gaps === 100, 'drops happened in between');
  kept.forEach((au, i) => assert.equal(au.units.map((u) => toHex(u)).join('|'), snapshots[i]));
});

test('audio PES without a PTS continue from the previous one by their G.711 duration', () => {
  const s = fromHex(`
    00 00 01 bc 00 0e e0 ff 00 00 00 04 91 c0 00 00 00 00 00 00   // PSM: G.711 mu-law
    00 00 01 c0 00 10 80 80 05 21 00 05 bf 21 ff ff ff ff ff ff ff ff   // 8 samples, PTS 90000
    00 00 01 c0 00 0b 80 00 00 7f 7f 7f 7f 7f 7f 7f 7f                   // 8 samples, no PTS
  `);
  assert.deepEqual(
    hexed(demux([s]).aus).map((a) => [a.codec, a.pts]),
    [
      ['PCMU', 90000],
      ['PCMU', 90090],
    ],
  );
});

test('MPEG-1 packs and PES headers (ffmpeg -f mpeg), with a system header', () => {
  const s = fromHex(`
    00 00 01 ba 21 00 01 00 01 c3 33 67                    // MPEG-1 pack, SCR 0
    00 00 01 bb 00 09 c3 33 67 00 21 ff e0 e0 e6           // system header
    00 00 01 e0 00 0e ff 40 20 21 00 05 bf 21 00 00 01 26 01 af  // stuffing, STD buffer, PTS 90000
    00 00 01 e0 00 0a 0f 00 00 01 02 01 d0 11 22 33        // '0000 1111': no timestamp; a new first slice
  `);
  // The second frame has no PTS of its own and no cadence to extrapolate from yet: one 25 fps
  // frame interval (3600 ticks) after the first.
  assert.deepEqual(hexed(demux([s]).aus), [
    { codec: 'H265', pts: 90000, dts: 90000, keyframe: true, units: ['26 01 af'] },
    { codec: 'H265', pts: 93600, dts: 93600, keyframe: false, units: ['02 01 d0 11 22 33'] },
  ]);
});

test('flush() with the last PES cut short emits what it completed, drops the cut access unit', () => {
  const { aus, d } = demux([STREAM.subarray(0, STREAM.length - 5)]); // ends 00 00 01 41 9a
  assert.deepEqual(
    hexed(aus).map((a) => a.pts),
    [90000, 90000, 91800, 93600],
  );
  assert.equal(d.stats.droppedAccessUnits, 1);
});

test('ffmpeg leaves the PTS out of some PES: such frames are timed from their neighbours', () => {
  const s = fromHex(`
    00 00 01 e0 00 0f 80 80 05 21 00 05 bf 21 00 00 00 01 65 88 84  // IDR, PTS 90000
    00 00 01 e0 00 0a 80 00 00 00 00 00 01 41 9a 26                  // P, no PTS
    00 00 01 e0 00 0f 80 80 05 21 00 05 f7 61 00 00 00 01 41 9a 27  // P, PTS 97200
    00 00 01 e0 00 0a 80 00 00 00 00 00 01 41 9a 28                  // P, no PTS
  `);
  // The first untimed frame is halfway to the next PTS; the last one follows the learned 3600.
  assert.deepEqual(
    hexed(demux([s]).aus).map((a) => [a.pts, a.dts]),
    [
      [90000, 90000],
      [93600, 93600],
      [97200, 97200],
      [100800, 100800],
    ],
  );
});

// STREAM cut where an RTP packet could end: after each pack, inside a PES, inside a header.
const at = (hex: string, from = 0) => {
  const i = toHex(STREAM)
    .replaceAll(' ', '')
    .indexOf(hex.replaceAll(' ', ''), from * 2);
  assert.ok(i >= 0 && i % 2 === 0, hex);
  return i / 2;
};
const PACK2 = at('00 00 01 ba 44 00 16 fc');
const PACK3 = at('00 00 01 ba 44 00 17 6d');
/** Between the two PES of frame 2: a PES boundary that is not a frame boundary. */
const FRAME2_PES2 = at('00 00 01 e0 00 07');

/**
 * STREAM as RTP payloads cut at `cuts`, each with the marker set by `marker`, through a
 * demuxer whose RTP frame ends start in `frameEnds` mode.
 */
function pushWithHints(
  cuts: number[],
  frameEnds: PsDemuxerOptions['frameEnds'],
  marker: (i: number) => boolean = () => true,
): { aus: AccessUnit[]; d: PsDemuxer; perPush: AccessUnit[][] } {
  const d = new PsDemuxer({ frameEnds });
  const aus: AccessUnit[] = [];
  const perPush: AccessUnit[][] = [];
  let from = 0;
  [...cuts, STREAM.length].forEach((cut, i) => {
    const input: PsInput = { payload: STREAM.subarray(from, cut), marker: marker(i) };
    const out = d.push(input);
    perPush.push(out);
    aus.push(...out);
    from = cut;
  });
  aus.push(...d.flush());
  return { aus, d, perPush };
}

test('a trusted RTP marker at a clean boundary emits the access unit with its packet, once', () => {
  const { perPush, d } = pushWithHints([PACK2, PACK3], 'trusted');
  assert.deepEqual(hexed(perPush[0]), [EXPECTED[0], EXPECTED[1]]);
  assert.deepEqual(hexed(perPush[1]), [EXPECTED[2], EXPECTED[3]]);
  assert.deepEqual(hexed(perPush[2]), [EXPECTED[4]], 'the last one: the marker ends it too');
  assert.equal(d.stats.framesEndedEarly, 3);
  assert.equal(d.stats.frameEndsConfirmed, 2);
  assert.equal(d.stats.frameEndsWrong, 0);
  assert.equal(d.frameHints, 'trusted');
});

test('while learning, the marker is only checked: frames leave when the next one begins', () => {
  const { perPush, d } = pushWithHints([PACK2, PACK3], 'learning');
  assert.deepEqual(hexed(perPush[0]), [EXPECTED[0]]);
  assert.deepEqual(hexed(perPush[1]), [EXPECTED[1], EXPECTED[2]]);
  assert.equal(d.stats.framesEndedEarly, 0);
  assert.equal(d.stats.frameEndsConfirmed, 2);
});

test('a new RTP timestamp ends the frame of the packet before it, like a marker', () => {
  const d = new PsDemuxer({ frameEnds: 'trusted' });
  assert.deepEqual(hexed(d.push({ payload: STREAM.subarray(0, PACK2), timestamp: 1000 })), [EXPECTED[0]]);
  assert.deepEqual(hexed(d.push({ payload: STREAM.subarray(PACK2, PACK2), timestamp: 1000 })), []);
  const next = d.push({ payload: STREAM.subarray(PACK2, PACK3), timestamp: 4600 });
  assert.deepEqual(hexed(next), [EXPECTED[1], EXPECTED[2]], 'frame 1 left before frame 2 was read');
  assert.equal(d.stats.framesEndedEarly, 1);
});

test('a marker inside a video PES or its header does nothing but count against the hints', () => {
  const midPayload = FRAME2_PES2 - 1; // one byte before frame 2's first PES ends, after a slice
  const midHeader = PACK2 + 14 + 5; // `00 00 01 e0 00` of frame 2's first PES
  for (const cut of [midPayload, midHeader]) {
    const { aus, d } = pushWithHints([cut], 'trusted', (i) => i === 0);
    assert.deepEqual(hexed(aus), EXPECTED);
    assert.equal(d.stats.frameEndsWrong + d.stats.frameEndsConfirmed, 0);
    assert.equal(d.frameHints, 'off', 'a marker inside a PES ends the trust');
    assert.equal(d.stats.frameHintFailures, 1);
  }
});

test('a trusted frame end between two PES of one frame: the rest is dropped, nothing twice, the next frame intact', () => {
  const { aus, d } = pushWithHints([FRAME2_PES2], 'trusted', (i) => i === 0);
  const video = hexed(aus).filter((a) => a.codec === 'H264');
  assert.deepEqual(video, [
    EXPECTED[1],
    { ...EXPECTED[3], units: ['41 9a 26'] }, // cut short by the wrong claim
    EXPECTED[4],
  ]);
  assert.equal(d.stats.frameEndsWrong, 1);
  assert.equal(d.frameHints, 'off');
});

test('learning hints only check the claim: the output is unchanged', () => {
  for (const cuts of [[PACK2, PACK3], [FRAME2_PES2]]) {
    const { aus, d } = pushWithHints(cuts, 'learning', (i) => i < cuts.length);
    assert.deepEqual(hexed(aus), EXPECTED);
    assert.deepEqual(
      [d.stats.frameEndsConfirmed, d.stats.frameEndsWrong],
      cuts.length === 2 ? [2, 0] : [0, 1],
    );
  }
});

test('frame ends are trusted after 25 agreeing frames, and frames then leave on their marker', () => {
  const { packs, bytes } = muxedStream(60, 5);
  const d = new PsDemuxer();
  const aus: AccessUnit[] = [];
  // One RTP payload per pack; a frame's video and audio packs share its timestamp and the
  // marker is on its last packet (2022 §4.3.6): a device whose frame ends are right.
  packs.forEach((payload, i) => {
    aus.push(...d.push({ payload, timestamp: 3600 * (i >> 1), marker: i % 2 === 1 }));
  });
  aus.push(...d.flush());
  assert.equal(d.frameHints, 'trusted');
  assert.equal(d.stats.framesEndedEarly, 60 - 25, 'the 25 that taught it, then one per marker');
  assert.deepEqual(hexed(aus), hexed(demux([bytes]).aus), 'the same access units, only sooner');
});

test('a frame end after every byte never throws, never emits a NAL unit twice', () => {
  for (let i = 1; i < STREAM.length; i++) {
    const { aus } = pushWithHints([i], 'trusted');
    const units = aus.filter((a) => a.codec === 'H264').flatMap((a) => a.units.map((u) => toHex(u)));
    assert.equal(new Set(units).size, units.length, `cut at ${i}`);
    assert.deepEqual(hexed(aus).at(-1), EXPECTED[4], `cut at ${i}`);
  }
});
