// Track description from a keyframe's parameter sets: the RFC 6381 / ISO/IEC 14496-15
// Annex E codec string `avc1.PPCCLL` and the picture size (docs/architecture.md §3: derived on
// demand, not stored beside the stream).
import { NalType, nalType } from './nal.js';
import { parseH264Sps, type H264Sps } from './sps.js';

export interface VideoDescription {
  codecString: string;
  width: number;
  height: number;
}

const hex2 = (v: number): string => v.toString(16).toUpperCase().padStart(2, '0');

/** `avc1.` + profile_idc, the constraint-flags byte and level_idc as 2 hex digits each. */
export function h264CodecString(sps: Pick<H264Sps, 'profileIdc' | 'constraintFlags' | 'levelIdc'>): string {
  return `avc1.${hex2(sps.profileIdc)}${hex2(sps.constraintFlags)}${hex2(sps.levelIdc)}`;
}

/** From the first SPS among the units that parses; undefined when there is none. */
export function describeH264(units: readonly Uint8Array[]): VideoDescription | undefined {
  for (const u of units) {
    if (u.length === 0 || nalType(u[0]) !== NalType.SPS) {
      continue;
    }
    const sps = parseH264Sps(u);
    if (sps) {
      return { codecString: h264CodecString(sps), width: sps.width, height: sps.height };
    }
  }
  return undefined;
}
