// Track description from a keyframe's parameter sets: the ISO/IEC 14496-15 Annex E.3
// codec string (`hvc1.1.6.L93.B0`) and the picture size.
import { NalType, nalType } from './nal.js';
import { parseH265Sps, type H265Sps } from './sps.js';
import type { VideoDescription } from '../h264/describe.js';

export type { VideoDescription };

/**
 * hvc1.[A|B|C]profile_idc . compatibility flags in reverse bit order, hex without leading
 * zeros . L|H level_idc . constraint bytes in hex, trailing zero bytes omitted (E.3).
 */
export function h265CodecString(
  sps: Pick<
    H265Sps,
    | 'generalProfileSpace'
    | 'generalProfileIdc'
    | 'generalProfileCompatibilityFlags'
    | 'generalTierFlag'
    | 'generalLevelIdc'
    | 'generalConstraintIndicatorFlags'
  >,
): string {
  const space = ['', 'A', 'B', 'C'][sps.generalProfileSpace] ?? '';
  let flags = sps.generalProfileCompatibilityFlags >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (flags & 1);
    flags >>>= 1;
  }
  const tier = sps.generalTierFlag ? 'H' : 'L';
  const bytes = Array.from(sps.generalConstraintIndicatorFlags);
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) {
    bytes.pop();
  }
  const constraints = bytes.map((b) => '.' + b.toString(16).toUpperCase()).join('');
  return `hvc1.${space}${sps.generalProfileIdc}.${(reversed >>> 0).toString(16).toUpperCase()}.${tier}${sps.generalLevelIdc}${constraints}`;
}

/** From the first SPS among the units that parses; undefined when there is none. */
export function describeH265(units: readonly Uint8Array[]): VideoDescription | undefined {
  for (const u of units) {
    if (u.length < 2 || nalType(u[0]) !== NalType.SPS) {
      continue;
    }
    const sps = parseH265Sps(u);
    if (sps) {
      return { codecString: h265CodecString(sps), width: sps.width, height: sps.height };
    }
  }
  return undefined;
}
