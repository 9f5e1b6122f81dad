import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit, Codec } from '../types.js';
import { fromHex } from '../bytes/hex.js';
import { seededRandom } from '../../test/helpers/random.js';
import { PsDemuxer } from './demuxer.js';
import { PsMuxer, type PsMuxerOptions } from './muxer.js';
import { readPackHeader } from './pack-header.js';
import { readPesHeader } from './pes.js';
import { readPsm } from './psm.js';
import { TIMESTAMP_WRAP } from './timestamp.js';

const H264_SPS = fromHex('67 4d 40 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c 83 c6 0c a8');
const H264_PPS = fromHex('68 ef 3c 80');
const H265_VPS = fromHex('40 01 0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 78 ba 02 40');
const H265_SPS = fromHex(
  '42 01 01 01 60 00 00 03 00 90 00 00 03 00 00 03 00 78 a0 03 c0 80 11 07 cb 96 e9 29 30 bc 05 a0 20',
);
const H265_PPS = fromHex('44 01 c0 73 c1 89');

/** A NAL unit: the header bytes, then `size` bytes that never form 00 00 0x (no zeros). */
function nal(header: number[], size: number, rand: () => number): Uint8Array {
  const u = new Uint8Array(header.length + size);
  u.set(header);
  for (let i = header.length; i < u.length; i++) {
    u[i] = 1 + Math.floor(rand() * 255);
  }
  return u;
}

/** A GOP-shaped sequence: keyframe every `gop` frames, 25 fps, optional G.711 between frames. */
function accessUnits(
  codec: 'H264' | 'H265',
  count: number,
  opts: { seed?: number; start?: number; audio?: Codec; big?: number } = {},
): AccessUnit[] {
  const rand = seededRandom(opts.seed ?? 1);
  const out: AccessUnit[] = [];
  const start = opts.start ?? 90000;
  for (let i = 0; i < count; i++) {
    const key = i % 5 === 0;
    const size = key && opts.big ? opts.big : 50 + Math.floor(rand() * 400);
    const pts = start + i * 3600;
    const units =
      codec === 'H264'
        ? key
          ? [H264_SPS, H264_PPS, nal([0x65, 0x88], size, rand)] // IDR, first_mb_in_slice 0
          : [nal([0x41, 0x9a], size, rand), nal([0x41, 0x5a], 30, rand)] // two slices: first_mb 0, then 1
        : key
          ? [H265_VPS, H265_SPS, H265_PPS, nal([0x26, 0x01, 0xaf], size, rand)] // IDR_W_RADL, first slice
          : [nal([0x02, 0x01, 0xd0], size, rand), nal([0x02, 0x01, 0x50], 30, rand)]; // TRAIL_R, 2nd segment
    out.push({ codec, pts, dts: pts, keyframe: key, units });
    if (opts.audio) {
      out.push({
        codec: opts.audio,
        pts: pts + 10,
        dts: pts + 10,
        keyframe: true,
        units: [nal([], 160, rand)],
      });
    }
  }
  return out;
}

function demuxAll(bytes: Uint8Array[]): { aus: AccessUnit[]; d: PsDemuxer } {
  const d = new PsDemuxer();
  const aus: AccessUnit[] = [];
  for (const b of bytes) {
    aus.push(...d.push({ payload: b }));
  }
  aus.push(...d.flush());
  return { aus, d };
}

function roundTrip(aus: AccessUnit[], opts?: PsMuxerOptions): AccessUnit[] {
  const m = new PsMuxer(opts);
  return demuxAll(aus.map((au) => m.mux(au))).aus;
}

/**
 * Comparable form, one list per codec: a video access unit is emitted when the next one
 * begins, so audio from the same pack can come out first; within each stream order holds.
 */
const plain = (aus: readonly AccessUnit[]) => {
  const byCodec: Record<string, unknown[]> = {};
  for (const a of aus) {
    (byCodec[a.codec] ??= []).push({
      codec: a.codec,
      pts: a.pts,
      dts: a.dts,
      keyframe: a.keyframe,
      units: a.units.map((u) => [...u]),
    });
  }
  return byCodec;
};

test('round trip: demux(mux(H.264 access units)) equals them', () => {
  const aus = accessUnits('H264', 12);
  assert.deepEqual(plain(roundTrip(aus)), plain(aus));
});

test('round trip: H.265 with PCMA audio interleaved', () => {
  const aus = accessUnits('H265', 12, { audio: 'PCMA' });
  assert.deepEqual(plain(roundTrip(aus)), plain(aus));
});

test('round trip: PCMU audio alone, and H.264 with an AUD inserted by the muxer (removed again)', () => {
  const audio = accessUnits('H264', 6, { audio: 'PCMU' }).filter((a) => a.codec === 'PCMU');
  assert.deepEqual(plain(roundTrip(audio)), plain(audio));
  const video = accessUnits('H264', 6);
  assert.deepEqual(
    plain(roundTrip(video, { insertAud: true, psmOnEveryPack: true, packStuffing: 3 })),
    plain(video),
  );
});

test('round trip: B-frame style PTS != DTS, and timestamps across the 33-bit wrap', () => {
  const aus = accessUnits('H264', 10, { start: TIMESTAMP_WRAP - 4 * 3600 }).map((a, i) => ({
    ...a,
    pts: a.dts + (i % 2 ? 7200 : 3600),
  }));
  const back = roundTrip(aus);
  assert.deepEqual(plain(back), plain(aus));
  assert.ok(back.at(-1)!.dts > TIMESTAMP_WRAP, 'unwrapped past 2^33');
});

test('a keyframe larger than one PES is split at 0xFF80 payload bytes; only the first PES has the PTS', () => {
  const [key] = accessUnits('H264', 1, { big: 150_000 });
  const pack = new PsMuxer({ audio: 'PCMA' }).mux(key);
  const packHeader = readPackHeader(pack);
  assert.ok(typeof packHeader === 'object');
  assert.equal(packHeader.scr, 90000 - 3600, 'SCR = DTS - 3600');
  let at = packHeader.length;
  assert.deepEqual([...pack.subarray(at, at + 4)], [0, 0, 1, 0xbb], 'system header before a keyframe');
  at += 6 + ((pack[at + 4] << 8) | pack[at + 5]);
  const psm = readPsm(pack, at);
  assert.ok(typeof psm === 'object');
  assert.deepEqual(psm.entries, [
    { streamType: 0x1b, streamId: 0xe0 },
    { streamType: 0x90, streamId: 0xc0 },
  ]);
  at += psm.length;
  const payloads: number[] = [];
  const ptss: (number | undefined)[] = [];
  while (at < pack.length) {
    const h = readPesHeader(pack, at, pack.length);
    assert.ok(typeof h === 'object');
    payloads.push(h.packetLength + 6 - h.headerLength);
    ptss.push(h.pts);
    at += 6 + h.packetLength;
  }
  assert.equal(at, pack.length);
  const total = 4 * 3 + H264_SPS.length + H264_PPS.length + 150_002;
  assert.deepEqual(payloads, [0xff80, 0xff80, total - 2 * 0xff80]);
  assert.deepEqual(ptss, [90000, undefined, undefined]);
  assert.deepEqual(plain(demuxAll([pack]).aus), plain([key]));
});

test('non-keyframes get no system header or PSM, unless psmOnEveryPack or first in the stream', () => {
  const [k, p] = accessUnits('H265', 2);
  const m = new PsMuxer();
  assert.deepEqual([...m.mux(k).subarray(14, 18)], [0, 0, 1, 0xbb]);
  assert.deepEqual([...m.mux(p).subarray(14, 18)], [0, 0, 1, 0xe0]);
  const every = new PsMuxer({ psmOnEveryPack: true });
  every.mux(k);
  assert.deepEqual([...every.mux(p).subarray(14, 18)], [0, 0, 1, 0xbb]);
  assert.deepEqual(
    [...new PsMuxer().mux(p).subarray(14, 18)],
    [0, 0, 1, 0xbb],
    'the first pack always maps its stream',
  );
});
