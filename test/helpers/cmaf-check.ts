// A CMAF conformance checker for tests, written from ISO/IEC 23000-19 (CMAF) and the ISO BMFF
// boxes it constrains (ISO/IEC 14496-12), not from any implementation. It checks what a player
// relies on, and reports every violation as a sentence (an empty list means conformant):
//   header (§7.3.2.1, §7.5): 'cmfc' among the ftyp brands; one trak, enabled, with empty sample
//     tables; an mvex with the trex of that track;
//   fragments (§7.3.2.3, §7.5.14–16): moof + mdat pairs; mfhd sequence numbers that grow; one
//     traf, of the header's track; tfhd with default-base-is-moof and without base-data-offset;
//     a tfdt; a trun with a data offset whose samples lie inside the mdat that follows;
//   timing: each fragment's tfdt is where the previous one ended (no gap, no overlap);
//   sample flags: a CMAF fragment (an HLS segment) and every independent chunk (an LL-HLS part
//     marked INDEPENDENT) starts with a sync sample; for video, every sample states whether it is
//     a sync sample (sample_depends_on and sample_is_non_sync_sample agree).
import { childrenStart, findPath, readBoxes, readU32, type BoxRef } from '../../codecs/fmp4/box.js';

export interface CmafHeaderInfo {
  trackId: number;
  handler: string;
  timescale: number;
  defaultSampleFlags: number;
}

export interface CmafFragmentInfo {
  sequence: number;
  trackId: number;
  baseMediaDecodeTime: number;
  duration: number;
  samples: number;
  firstSampleSync: boolean;
}

const u64 = (b: Uint8Array, at: number): number => readU32(b, at) * 0x1_0000_0000 + readU32(b, at + 4);
const children = (b: Uint8Array, parent: BoxRef): BoxRef[] => readBoxes(b, childrenStart(parent), parent.end);
const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

/** sample_depends_on == 2 or !sample_is_non_sync_sample (§8.8.3.1 bit layout). */
const isSync = (flags: number): boolean => ((flags >>> 16) & 1) === 0;

/** Checks a CMAF header (init segment); returns what it found and the violations. */
export function checkCmafHeader(init: Uint8Array): { info?: CmafHeaderInfo; problems: string[] } {
  const problems: string[] = [];
  const top = readBoxes(init);
  const ftyp = top.find((b) => b.type === 'ftyp');
  if (!ftyp || top[0]?.type !== 'ftyp') {
    problems.push('the header does not start with ftyp');
  } else {
    const brands: string[] = [fourcc(init, ftyp.start + 8)];
    for (let at = ftyp.start + 16; at + 4 <= ftyp.end; at += 4) {
      brands.push(fourcc(init, at));
    }
    if (!brands.includes('cmfc') && !brands.includes('cmf2')) {
      problems.push(`ftyp brands ${brands.join(',')} lack cmfc`);
    }
  }
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    problems.push('no moov');
    return { problems };
  }
  const traks = children(init, moov).filter((b) => b.type === 'trak');
  if (traks.length !== 1) {
    problems.push(`a CMAF header holds one track; this one holds ${traks.length}`);
  }
  const tkhd = findPath(init, ['moov', 'trak', 'tkhd']);
  const tk = tkhd?.[tkhd.length - 1];
  let trackId = 0;
  if (!tk) {
    problems.push('no tkhd');
  } else {
    const version = init[tk.start + 8];
    if ((readU32(init, tk.start + 8) & 1) === 0) {
      problems.push('tkhd: track_enabled is not set');
    }
    trackId = readU32(init, tk.start + (version === 1 ? 28 : 20));
  }
  const mdhd = findPath(init, ['moov', 'trak', 'mdia', 'mdhd'])?.at(-1);
  const timescale = mdhd ? readU32(init, mdhd.start + (init[mdhd.start + 8] === 1 ? 28 : 20)) : 0;
  if (timescale <= 0) {
    problems.push('mdhd timescale missing or 0');
  }
  const hdlr = findPath(init, ['moov', 'trak', 'mdia', 'hdlr'])?.at(-1);
  const handler = hdlr ? fourcc(init, hdlr.start + 16) : '';
  const stbl = findPath(init, ['moov', 'trak', 'mdia', 'minf', 'stbl'])?.at(-1);
  if (!stbl) {
    problems.push('no stbl');
  } else {
    for (const b of children(init, stbl)) {
      const countAt = b.type === 'stsz' ? 16 : 12;
      if (['stts', 'stsc', 'stsz', 'stco'].includes(b.type) && readU32(init, b.start + countAt) !== 0) {
        problems.push(`${b.type} lists samples: a CMAF header's sample tables are empty`);
      }
    }
    const stsd = children(init, stbl).find((b) => b.type === 'stsd');
    if (!stsd || readU32(init, stsd.start + 12) !== 1) {
      problems.push('stsd must hold exactly one sample entry');
    }
  }
  const mvex = children(init, moov).find((b) => b.type === 'mvex');
  const trex = mvex ? children(init, mvex).filter((b) => b.type === 'trex') : [];
  const ownTrex = trex.find((b) => readU32(init, b.start + 12) === trackId);
  if (!mvex || !ownTrex) {
    problems.push(`no mvex/trex for track ${trackId}`);
  }
  return {
    info: {
      trackId,
      handler,
      timescale,
      defaultSampleFlags: ownTrex ? readU32(init, ownTrex.start + 28) : 0,
    },
    problems,
  };
}

/**
 * Checks the moof + mdat pairs of one segment or part against its header. `firstIsFragmentStart`
 * marks a CMAF fragment start (a segment, or a part marked INDEPENDENT), whose first sample must
 * be a sync sample.
 */
export function checkCmafFragments(
  header: CmafHeaderInfo,
  bytes: Uint8Array,
  firstIsFragmentStart: boolean,
): { fragments: CmafFragmentInfo[]; problems: string[] } {
  const problems: string[] = [];
  const fragments: CmafFragmentInfo[] = [];
  const top = readBoxes(bytes);
  const covered = top.length ? top[top.length - 1].end : 0;
  if (covered !== bytes.byteLength) {
    problems.push(`boxes cover ${covered} of ${bytes.byteLength} bytes`);
  }
  const media = top.filter((b) => !['styp', 'prft', 'emsg', 'sidx'].includes(b.type));
  for (let i = 0; i < media.length; i += 2) {
    const moof = media[i];
    const mdat = media[i + 1];
    if (moof.type !== 'moof' || mdat?.type !== 'mdat') {
      problems.push(`expected moof + mdat, found ${moof.type} + ${mdat?.type ?? 'nothing'}`);
      break;
    }
    const kids = children(bytes, moof);
    const mfhd = kids.find((b) => b.type === 'mfhd');
    const sequence = mfhd ? readU32(bytes, mfhd.start + 12) : -1;
    const trafs = kids.filter((b) => b.type === 'traf');
    if (trafs.length !== 1) {
      problems.push(`moof ${sequence}: a CMAF fragment has one traf, found ${trafs.length}`);
      continue;
    }
    const parts = children(bytes, trafs[0]);
    const tfhd = parts.find((b) => b.type === 'tfhd');
    const tfdt = parts.find((b) => b.type === 'tfdt');
    const trun = parts.find((b) => b.type === 'trun');
    if (!tfhd || !tfdt || !trun) {
      problems.push(
        `moof ${sequence}: traf lacks ${[!tfhd && 'tfhd', !tfdt && 'tfdt', !trun && 'trun'].filter(Boolean).join(', ')}`,
      );
      continue;
    }
    const tfhdFlags = readU32(bytes, tfhd.start + 8) & 0xffffff;
    const trackId = readU32(bytes, tfhd.start + 12);
    if (trackId !== header.trackId) {
      problems.push(`moof ${sequence}: tfhd names track ${trackId}, the header ${header.trackId}`);
    }
    if ((tfhdFlags & 0x020000) === 0) {
      problems.push(`moof ${sequence}: tfhd lacks default-base-is-moof`);
    }
    if (tfhdFlags & 0x000001) {
      problems.push(`moof ${sequence}: tfhd has base-data-offset-present`);
    }
    // tfhd optional fields in flag order after track_ID (§8.8.7.1)
    let at = tfhd.start + 16;
    at += tfhdFlags & 0x000001 ? 8 : 0;
    at += tfhdFlags & 0x000002 ? 4 : 0;
    const defaultDuration = tfhdFlags & 0x000008 ? readU32(bytes, at) : 0;
    at += tfhdFlags & 0x000008 ? 4 : 0;
    const defaultSize = tfhdFlags & 0x000010 ? readU32(bytes, at) : 0;
    at += tfhdFlags & 0x000010 ? 4 : 0;
    const defaultFlags = tfhdFlags & 0x000020 ? readU32(bytes, at) : header.defaultSampleFlags;
    const tfdtVersion = bytes[tfdt.start + 8];
    const baseMediaDecodeTime =
      tfdtVersion === 1 ? u64(bytes, tfdt.start + 12) : readU32(bytes, tfdt.start + 12);
    const trunFlags = readU32(bytes, trun.start + 8) & 0xffffff;
    const count = readU32(bytes, trun.start + 12);
    if ((trunFlags & 0x000001) === 0) {
      problems.push(`moof ${sequence}: trun has no data offset`);
      continue;
    }
    const dataOffset = readU32(bytes, trun.start + 16) | 0;
    let p = trun.start + 20 + (trunFlags & 0x000004 ? 4 : 0);
    const firstFlags = trunFlags & 0x000004 ? readU32(bytes, trun.start + 20) : undefined;
    let duration = 0;
    let size = 0;
    let firstSampleSync = false;
    for (let s = 0; s < count; s++) {
      const d = trunFlags & 0x000100 ? readU32(bytes, p) : defaultDuration;
      p += trunFlags & 0x000100 ? 4 : 0;
      const sz = trunFlags & 0x000200 ? readU32(bytes, p) : defaultSize;
      p += trunFlags & 0x000200 ? 4 : 0;
      let flags = s === 0 && firstFlags !== undefined ? firstFlags : defaultFlags;
      if (trunFlags & 0x000400) {
        flags = readU32(bytes, p);
        p += 4;
      }
      p += trunFlags & 0x000800 ? 4 : 0;
      if (d <= 0) {
        problems.push(`moof ${sequence}: sample ${s} has duration ${d}`);
      }
      const dependsOn = (flags >>> 24) & 3;
      if (header.handler === 'vide' && dependsOn !== 0 && (dependsOn === 2) !== isSync(flags)) {
        problems.push(
          `moof ${sequence}: sample ${s} flags ${flags.toString(16)} contradict (depends_on vs non_sync)`,
        );
      }
      if (s === 0) {
        firstSampleSync = isSync(flags);
      }
      duration += d;
      size += sz;
    }
    const dataStart = moof.start + dataOffset;
    if (dataStart < mdat.start + mdat.headerSize || dataStart + size > mdat.end) {
      problems.push(`moof ${sequence}: samples [${dataStart}, ${dataStart + size}) outside its mdat`);
    }
    fragments.push({ sequence, trackId, baseMediaDecodeTime, duration, samples: count, firstSampleSync });
  }
  for (let i = 1; i < fragments.length; i++) {
    if (fragments[i].sequence <= fragments[i - 1].sequence) {
      problems.push(`mfhd sequence ${fragments[i].sequence} after ${fragments[i - 1].sequence}`);
    }
  }
  if (firstIsFragmentStart && fragments[0] && !fragments[0].firstSampleSync) {
    problems.push('a CMAF fragment (segment or independent part) must start with a sync sample');
  }
  return { fragments, problems };
}

/**
 * Decode-time continuity across a track's fragments in order: each tfdt equals the previous
 * tfdt plus the previous fragment's duration. `after` marks indexes preceded by a discontinuity.
 */
export function checkTfdtContinuity(
  fragments: readonly CmafFragmentInfo[],
  after = new Set<number>(),
): string[] {
  const problems: string[] = [];
  for (let i = 1; i < fragments.length; i++) {
    const prev = fragments[i - 1];
    const expected = prev.baseMediaDecodeTime + prev.duration;
    if (!after.has(i) && fragments[i].baseMediaDecodeTime !== expected) {
      problems.push(
        `fragment ${fragments[i].sequence}: tfdt ${fragments[i].baseMediaDecodeTime}, expected ${expected} (previous ends there)`,
      );
    }
  }
  return problems;
}
