// Seeded fuzz of the ingest path behind a media port (docs/architecture.md §2): RTP parse → SSRC guard →
// reorder buffer → PS demuxer (gateway/ingest/rtp-ps-pipeline.ts), fed runs of the shared RTP
// vector's packets with network faults (loss, duplicates, reordering, sequence jumps), foreign
// senders, junk datagrams and damaged packets. An input is a list of datagrams stored with
// RFC 4571 length prefixes. Properties: never throws; every access unit is well formed; with
// network faults only (no damaged bytes) video timestamps stay strictly increasing; a foreign
// SSRC never reaches the demuxer once the device's SSRC is known.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { AccessUnit } from '../../codecs/types.js';
import { frameRfc4571, Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { RtpPsPipeline } from '../../gateway/ingest/rtp-ps-pipeline.js';
import { loadVector } from '../helpers/paths.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { mutate, type Rand } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const SSRC = 200000001;
const PACKETS = new Rfc4571Framer().push(loadVector('rtp_h264_720p_g711a_seqwrap.rtp4571'));
const CODECS = new Set(['H264', 'H265', 'PCMA', 'PCMU', 'AAC']);
/** Inputs whose bytes were not damaged (only dropped, repeated or moved), by identity. */
const networkOnly = new WeakSet<Uint8Array>();

function foreign(rand: Rand): Uint8Array {
  const p = PACKETS[randomInt(rand, 0, PACKETS.length - 1)].slice(0, 200);
  new DataView(p.buffer).setUint32(8, randomInt(rand, 0, 0xffff) * 65536 + 1); // another SSRC
  return p;
}

function faulty(run: Uint8Array[], rand: Rand, damage: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < run.length; i++) {
    const r = rand();
    let p = run[i];
    if (r < 0.08) {
      continue; // lost
    }
    if (r < 0.12 && i + 1 < run.length) {
      out.push(run[i + 1], p); // swapped
      i++;
      continue;
    }
    if (r < 0.15) {
      out.push(p); // duplicated
    }
    if (damage && r > 0.9) {
      p = mutate(p.slice(0, Math.min(p.length, 256)), rand, { maxOps: 3 }).bytes;
      if (rand() < 0.5) {
        p = new Uint8Array(Buffer.concat([p, run[i].subarray(256)]));
      }
    }
    if (damage && r > 0.97) {
      out.push(rand() < 0.5 ? foreign(rand) : mutate(new Uint8Array(12), rand).bytes); // another sender, junk
    }
    out.push(p);
  }
  return out;
}

function encode(datagrams: Uint8Array[]): Uint8Array {
  return Buffer.concat(datagrams.filter((d) => d.length <= 0xffff).map(frameRfc4571));
}

function decode(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off + 2 <= input.length;) {
    const n = (input[off] << 8) | input[off + 1];
    out.push(input.subarray(off + 2, off + 2 + n));
    off += 2 + n;
  }
  return out;
}

defineFuzz({
  name: 'rtp-ingest',
  ciIterations: 4_000,
  seed: 0x1e57,
  generate(rand) {
    const count = randomInt(rand, 10, 300);
    const start = randomInt(rand, 0, PACKETS.length - count);
    const damage = rand() < 0.6;
    const input = encode(faulty(PACKETS.slice(start, start + count), rand, damage));
    if (!damage) {
      networkOnly.add(input);
    }
    return { input, label: `${count} packets from #${start}${damage ? ', damaged' : ''}` };
  },
  check(input) {
    const aus: AccessUnit[] = [];
    const pipeline = new RtpPsPipeline({
      expectedSsrc: SSRC,
      onAccessUnit: (au) => aus.push(au),
      onEvent: () => undefined,
    });
    const datagrams = decode(input);
    let deviceSeen = false;
    let foreignAfter = 0;
    for (const d of datagrams) {
      const before = pipeline.stats.packets;
      pipeline.push(d, '192.0.2.1', 40000);
      const ssrc = d.length >= 12 ? new DataView(d.buffer, d.byteOffset, d.length).getUint32(8) : -1;
      if (deviceSeen && ssrc !== SSRC && pipeline.stats.packets > before) {
        foreignAfter++;
      }
      deviceSeen ||= ssrc === SSRC && pipeline.stats.packets > before;
    }
    pipeline.flush();
    assert.equal(foreignAfter, 0, "a packet of another SSRC was accepted after the device's own");
    const s = pipeline.stats;
    assert.ok(s.packets <= datagrams.length);
    const lastDts = new Map<string, number>();
    for (const au of aus) {
      assert.ok(CODECS.has(au.codec), au.codec);
      assert.ok(Number.isFinite(au.pts) && Number.isFinite(au.dts));
      assert.ok(au.units.length > 0 && au.units.every((u) => u.length > 0), 'empty access unit or NAL unit');
      if (networkOnly.has(input)) {
        const prev = lastDts.get(au.codec);
        assert.ok(prev === undefined || au.dts > prev, `${au.codec} dts ${au.dts} after ${prev}`);
        lastDts.set(au.codec, au.dts);
      }
    }
  },
});
