// Field bug: a device rebooted or reconfigured from H.264 to H.265 (or another sender took the
// stream over) kept being parsed as its first codec, and no frame came out. The payload now
// decides: the new codec's parameter sets switch the demuxer, confirmed by the NAL header after
// them, so one corrupted byte cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit, VideoCodec } from '../types.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { PsDemuxer } from './demuxer.js';
import { PsMuxer } from './muxer.js';

// Parameter sets and slices, headers as the codecs write them (H.264 §7.3.1, H.265 §7.3.1.2).
const H264 = {
  sps: '67 42 c0 1f', //           nal_ref_idc 3, type 7
  pps: '68 ce 3c 80', //           type 8
  idr: '65 88 84', //              type 5, first_mb_in_slice 0
  p: '41 9a 26', //                type 1, first_mb_in_slice 0
};
const H265 = {
  vps: '40 01 0c 01', //           type 32, TID 1
  sps: '42 01 01 01', //           type 33
  pps: '44 01 c1 72', //           type 34
  idr: '26 01 af 09', //           IDR_W_RADL (19), first_slice_segment_in_pic_flag 1
  p: '02 01 d0 09', //             TRAIL_R (1), first slice segment
};

/** Frames of `codec` from `from` on (one keyframe first), 25 fps. */
function frames(codec: VideoCodec, from: number, count: number): AccessUnit[] {
  const k = codec === 'H264' ? [H264.sps, H264.pps, H264.idr] : [H265.vps, H265.sps, H265.pps, H265.idr];
  const p = codec === 'H264' ? H264.p : H265.p;
  return Array.from({ length: count }, (_, i) => {
    const t = 3600 * (from + i);
    const tag = (n: number) => n.toString(16).padStart(2, '0');
    const units = (i === 0 ? k : [p]).map((u, j) => fromHex(`${u} ${tag(from + i + 1)} ${tag(j + 1)}`));
    return { codec, pts: t, dts: t, keyframe: i === 0, units };
  });
}

const summary = (aus: readonly AccessUnit[]) =>
  aus.map(
    (a) => `${a.codec} ${a.dts / 3600}${a.keyframe ? ' key' : ''} ${a.units.map((u) => toHex(u)).join('|')}`,
  );

function demux(bytes: Uint8Array[]): { aus: AccessUnit[]; d: PsDemuxer } {
  const d = new PsDemuxer();
  const aus = bytes.flatMap((payload) => d.push({ payload }));
  return { aus: [...aus, ...d.flush()], d };
}

const SWITCHING = [...frames('H264', 0, 5), ...frames('H265', 5, 5), ...frames('H264', 10, 5)];

for (const insertAud of [false, true]) {
  test(`H.264 → H.265 → H.264 mid-stream: every frame comes out in its codec${insertAud ? ' (AUD before each frame)' : ''}`, () => {
    const muxer = new PsMuxer({ insertAud });
    const packs = SWITCHING.map((au) => muxer.mux(au));
    const { aus, d } = demux(packs);
    assert.deepEqual(summary(aus), summary(SWITCHING));
    assert.equal(d.stats.codecChanges, 2);
    assert.equal(d.stats.resyncs, 0);
  });
}

test('a codec change is found wherever the input is cut', () => {
  const muxer = new PsMuxer();
  const bytes = Uint8Array.from(SWITCHING.flatMap((au) => [...muxer.mux(au)]));
  const whole = summary(demux([bytes]).aus);
  assert.deepEqual(whole, summary(SWITCHING));
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(summary(demux([bytes.subarray(0, i), bytes.subarray(i)]).aus), whole, `split at ${i}`);
  }
});

test('a stray H.265 VPS header inside H.264 (one corrupted byte) does not switch the codec', () => {
  const muxer = new PsMuxer();
  const stream = frames('H264', 0, 6);
  const hit = stream[3];
  // Frame 3 carries `00 00 01 40 01 …` (an H.265 VPS header) before its slice.
  const corrupted: AccessUnit = { ...hit, units: [fromHex('40 01 0c 01'), ...hit.units] };
  const packs = stream.map((au) => muxer.mux(au === hit ? corrupted : au));
  const { aus, d } = demux(packs);
  assert.equal(d.stats.codecChanges, 0);
  assert.ok(aus.every((a) => a.codec === 'H264'));
  // Frame 3 is lost with the tentative switch; the others are intact.
  assert.deepEqual(summary(aus), summary(stream.filter((au) => au !== hit)));
  assert.equal(d.stats.droppedAccessUnits, 1);
});

test('the PSM names the new codec too (a reconfigured device): the payload still decides', () => {
  // A muxer that declares H.264 whatever it carries (Kedacom style) and one that follows the codec.
  for (const declared of [undefined, 'H264' as const]) {
    const muxer = new PsMuxer(declared ? { video: declared } : {});
    const packs = SWITCHING.map((au) => muxer.mux(au));
    assert.deepEqual(summary(demux(packs).aus), summary(SWITCHING), `PSM says ${declared ?? 'the truth'}`);
  }
});

test('over RTP with trusted frame ends (each frame left on its marker), the change keeps every frame and its time', () => {
  for (const insertAud of [false, true]) {
    const muxer = new PsMuxer({ insertAud });
    const d = new PsDemuxer({ frameEnds: 'trusted' });
    const aus = SWITCHING.flatMap((au) =>
      d.push({ payload: muxer.mux(au), timestamp: au.dts, marker: true }),
    );
    aus.push(...d.flush());
    assert.deepEqual(summary(aus), summary(SWITCHING), `insertAud ${insertAud}`);
    assert.equal(d.stats.framesEndedEarly, SWITCHING.length);
    assert.equal(d.stats.codecChanges, 2);
  }
});
