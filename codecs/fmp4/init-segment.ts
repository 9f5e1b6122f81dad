// The initialization segment of a fragmented MP4 (ISO/IEC 14496-12): ftyp + moov with empty
// sample tables and an mvex, one trak per track. Two uses share it (docs/fmp4.md §1):
//   - a CMAF header (ISO/IEC 23000-19 §7.3.2.1, §7.5): one track, brand 'cmfc', for HLS;
//   - an export file header: several tracks in one file, plain ISO brands, for downloads.
// Durations are 0: a fragmented file's length lives in its fragments (§8.8.1).
import { box, concatBytes, fourcc, fullBox, u16, u32 } from './box.js';

export interface TrackSpec {
  /** track_ID, from 1; tfhd names it. */
  readonly id: number;
  readonly kind: 'video' | 'audio';
  /** mdhd timescale: 90000 for video, the sample rate for audio. */
  readonly timescale: number;
  /** Video only: the picture size written in tkhd. */
  readonly width?: number;
  readonly height?: number;
  /** One complete sample entry box (avc1, hvc1, fLaC, ulaw, alaw). */
  readonly sampleEntry: Uint8Array;
  /** trex default_sample_flags: what a fragment that writes no flags means (fragment.ts). */
  readonly defaultSampleFlags?: number;
}

export interface FileBrands {
  readonly major: string;
  readonly compatible: readonly string[];
}

/**
 * A CMAF track header (ISO/IEC 23000-19 §7.2: 'cmfc' among the compatible brands; 'iso6' for
 * the ISO BMFF edition whose tfhd/tfdt rules CMAF fragments follow).
 */
export const CMAF_BRANDS: FileBrands = { major: 'iso6', compatible: ['iso6', 'cmfc'] };
/** A file for other tools (ffmpeg, QuickTime): several tracks, no CMAF claim. */
export const EXPORT_BRANDS: FileBrands = { major: 'isom', compatible: ['isom', 'iso6', 'mp41'] };

/** Sample flags (ISO/IEC 14496-12 §8.8.3.1) of a sample that depends on no other one. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
/** sample_depends_on = 1 (depends on others), sample_is_non_sync_sample = 1. */
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

/** The unity matrix of mvhd and tkhd (§8.2.2.3): a, d = 1.0 in 16.16, w = 1.0 in 2.30. */
const MATRIX = concatBytes([0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map((v) => u32(v)));

export function ftyp(brands: FileBrands): Uint8Array {
  return box('ftyp', fourcc(brands.major), u32(0), ...brands.compatible.map(fourcc));
}

/** mvhd v0: times 0, timescale 1000, duration 0, rate 1.0, volume 1.0, next_track_ID. */
function mvhd(nextTrackId: number): Uint8Array {
  return fullBox(
    'mvhd',
    0,
    0,
    u32(0),
    u32(0),
    u32(1000),
    u32(0),
    u32(0x00010000),
    u16(0x0100),
    new Uint8Array(10),
    MATRIX,
    new Uint8Array(24),
    u32(nextTrackId),
  );
}

/** tkhd v0, flags track_enabled | track_in_movie (§8.3.2: CMAF wants the track enabled). */
function tkhd(t: TrackSpec): Uint8Array {
  return fullBox(
    'tkhd',
    0,
    0x000003,
    u32(0),
    u32(0),
    u32(t.id),
    u32(0),
    u32(0),
    new Uint8Array(8),
    u16(0), // layer
    u16(0), // alternate_group
    u16(t.kind === 'audio' ? 0x0100 : 0),
    u16(0),
    MATRIX,
    u32(((t.width ?? 0) * 0x10000) >>> 0),
    u32(((t.height ?? 0) * 0x10000) >>> 0),
  );
}

/** mdhd v0 with language 'und' packed as three 5-bit letters (ISO 639-2/T, §8.4.2.3). */
function mdhd(timescale: number): Uint8Array {
  const und =
    (('u'.charCodeAt(0) - 0x60) << 10) | (('n'.charCodeAt(0) - 0x60) << 5) | ('d'.charCodeAt(0) - 0x60);
  return fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(und), u16(0));
}

function hdlr(kind: TrackSpec['kind']): Uint8Array {
  const text = kind === 'video' ? 'VideoHandler\0' : 'SoundHandler\0';
  const name = Uint8Array.from(text, (c) => c.charCodeAt(0));
  return fullBox('hdlr', 0, 0, u32(0), fourcc(kind === 'video' ? 'vide' : 'soun'), new Uint8Array(12), name);
}

function minf(t: TrackSpec): Uint8Array {
  const header =
    t.kind === 'video'
      ? fullBox('vmhd', 0, 1, new Uint8Array(8)) // graphicsmode 0, opcolor 0,0,0
      : fullBox('smhd', 0, 0, u16(0), u16(0)); // balance 0
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))); // media in this file
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), t.sampleEntry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  return box('minf', header, dinf, stbl);
}

function trak(t: TrackSpec): Uint8Array {
  return box('trak', tkhd(t), box('mdia', mdhd(t.timescale), hdlr(t.kind), minf(t)));
}

/** trex (§8.8.3): sample description 1, and the flags a trun without per-sample flags means. */
function trex(t: TrackSpec): Uint8Array {
  return fullBox('trex', 0, 0, u32(t.id), u32(1), u32(0), u32(0), u32(t.defaultSampleFlags ?? 0));
}

export function writeInitSegment(brands: FileBrands, tracks: readonly TrackSpec[]): Uint8Array {
  const nextId = tracks.reduce((m, t) => Math.max(m, t.id), 0) + 1;
  const moov = box('moov', mvhd(nextId), ...tracks.map(trak), box('mvex', ...tracks.map(trex)));
  return concatBytes([ftyp(brands), moov]);
}
