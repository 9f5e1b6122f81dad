// A movie fragment (ISO/IEC 14496-12 §8.8): moof + mdat, one traf per track, written in one
// allocation. The rules CMAF fragments follow (ISO/IEC 23000-19 §7.3.2.3, §7.5.14–7.5.16) hold
// for every fragment written here, whatever file it goes into (docs/fmp4.md §2):
//   - tfhd: default-base-is-moof set, no base-data-offset (offsets count from the moof);
//   - tfdt (version 1, 64-bit) in every traf: the decode time of the first sample;
//   - trun: a data offset, each sample's duration and size, and, for video, each sample's
//     flags (sync or not) and composition offset; audio relies on trex's default flags;
//   - no sdtp: trun already says which samples are sync (ffmpeg warns on one sdtp per traf).
// Video samples may still be NAL units; they are length-prefixed straight into the mdat, so
// each media byte is copied once on its way out.
import { writeLengthPrefixed, type NalUnitSample } from './avcc-sample.js';
import {
  TFHD_DEFAULT_BASE_IS_MOOF,
  TRUN_DATA_OFFSET,
  TRUN_DURATION,
  TRUN_SIZE,
  TRUN_FLAGS,
  TRUN_CTO,
} from './box-flags.js';

/** A sample's bytes: ready as they are, or NAL units to length-prefix on the way in. */
export type SampleBytes = Uint8Array | NalUnitSample;

export interface FragmentSample {
  /** In the track's timescale. */
  readonly duration: number;
  /** Sample flags (§8.8.3.1); used when the track writes per-sample flags. */
  readonly flags?: number;
  /** Composition time offset (pts − dts), in the track's timescale. */
  readonly cto?: number;
  readonly data: SampleBytes;
}

export interface TrackRun {
  readonly trackId: number;
  /** tfdt: decode time of the first sample, in the track's timescale. */
  readonly baseMediaDecodeTime: number;
  readonly samples: readonly FragmentSample[];
  /** Video: per-sample flags and composition offsets in trun. Audio: trex defaults apply. */
  readonly kind: 'video' | 'audio';
}

const MFHD_SIZE = 16;
const TFHD_SIZE = 16;
const TFDT_SIZE = 20;
const TRUN_HEADER = 20;

function trunFlags(run: TrackRun): number {
  const base = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE;
  return run.kind === 'video' ? base | TRUN_FLAGS | TRUN_CTO : base;
}

const perSample = (flags: number): number =>
  4 *
  (1 +
    Number((flags & TRUN_SIZE) !== 0) +
    Number((flags & TRUN_FLAGS) !== 0) +
    Number((flags & TRUN_CTO) !== 0));

function header(out: DataView, at: number, size: number, type: string): void {
  out.setUint32(at, size);
  for (let i = 0; i < 4; i++) {
    out.setUint8(at + 4 + i, type.charCodeAt(i));
  }
}

/**
 * moof + mdat for the non-empty runs, in order. `sequence` is the mfhd sequence_number (§8.8.5:
 * it increases fragment by fragment). Returns an empty array when no run has samples.
 */
export function writeFragment(sequence: number, runs: readonly TrackRun[]): Uint8Array {
  const used = runs.filter((r) => r.samples.length > 0);
  if (used.length === 0) {
    return new Uint8Array(0);
  }
  let moofSize = 8 + MFHD_SIZE;
  let mdatSize = 8;
  for (const r of used) {
    moofSize += 8 + TFHD_SIZE + TFDT_SIZE + TRUN_HEADER + r.samples.length * perSample(trunFlags(r));
    for (const s of r.samples) {
      mdatSize += s.data.byteLength;
    }
  }
  const bytes = new Uint8Array(moofSize + mdatSize);
  const dv = new DataView(bytes.buffer);
  header(dv, 0, moofSize, 'moof');
  header(dv, 8, MFHD_SIZE, 'mfhd');
  dv.setUint32(16, 0); // version 0, flags 0
  dv.setUint32(20, sequence >>> 0);
  let at = 8 + MFHD_SIZE;
  let dataOffset = moofSize + 8; // the first sample follows the mdat header
  for (const r of used) {
    const flags = trunFlags(r);
    const trunSize = TRUN_HEADER + r.samples.length * perSample(flags);
    header(dv, at, 8 + TFHD_SIZE + TFDT_SIZE + trunSize, 'traf');
    at += 8;
    header(dv, at, TFHD_SIZE, 'tfhd');
    dv.setUint32(at + 8, TFHD_DEFAULT_BASE_IS_MOOF); // version 0
    dv.setUint32(at + 12, r.trackId);
    at += TFHD_SIZE;
    header(dv, at, TFDT_SIZE, 'tfdt');
    dv.setUint32(at + 8, 0x01000000); // version 1: a 64-bit decode time
    const t = Math.max(0, Math.floor(r.baseMediaDecodeTime));
    dv.setUint32(at + 12, Math.floor(t / 0x1_0000_0000));
    dv.setUint32(at + 16, t >>> 0);
    at += TFDT_SIZE;
    // Version 1 makes composition offsets signed (§8.8.8.2); needed only when one is negative.
    const signed = r.kind === 'video' && r.samples.some((s) => (s.cto ?? 0) < 0);
    header(dv, at, trunSize, 'trun');
    dv.setUint32(at + 8, ((signed ? 1 : 0) << 24) | flags);
    dv.setUint32(at + 12, r.samples.length);
    dv.setInt32(at + 16, dataOffset);
    at += TRUN_HEADER;
    for (const s of r.samples) {
      dv.setUint32(at, s.duration >>> 0);
      dv.setUint32(at + 4, s.data.byteLength);
      at += 8;
      if (flags & TRUN_FLAGS) {
        dv.setUint32(at, (s.flags ?? 0) >>> 0);
        at += 4;
      }
      if (flags & TRUN_CTO) {
        dv.setInt32(at, s.cto ?? 0);
        at += 4;
      }
      dataOffset += s.data.byteLength;
    }
  }
  header(dv, at, mdatSize, 'mdat');
  at += 8;
  for (const r of used) {
    for (const s of r.samples) {
      const d = s.data;
      if (d instanceof Uint8Array) {
        bytes.set(d, at);
        at += d.byteLength;
      } else {
        at = writeLengthPrefixed(d.units, bytes, at);
      }
    }
  }
  return bytes;
}
