// Video track setup derived from the first keyframe's parameter sets (never configured):
// the sample-entry inputs, the RFC 6381 codec string and the picture size.
import type { VideoCodec } from '../../../codecs/types.js';
import { describeH264 } from '../../../codecs/h264/describe.js';
import { NalType as H264Nal, nalType as h264NalType } from '../../../codecs/h264/nal.js';
import { describeH265 } from '../../../codecs/h265/describe.js';
import { NalType as H265Nal, nalType as h265NalType } from '../../../codecs/h265/nal.js';
import { parseH265Sps } from '../../../codecs/h265/sps.js';
import { sameBytes } from '../../../codecs/fmp4/avcc-sample.js';
import type { VideoTrackConfig } from './init-segment.js';

export interface VideoConfig {
  readonly codec: VideoCodec;
  readonly codecString: string;
  readonly width: number;
  readonly height: number;
  readonly track: VideoTrackConfig;
  /** The parameter sets in the sample entry; identical in-band copies are left out of samples. */
  readonly parameterSets: readonly Uint8Array[];
}

/** Undefined when the keyframe lacks a parsable SPS (or, for H.264, a PPS; for H.265, VPS/PPS). */
export function videoConfigFromKeyframe(
  codec: VideoCodec,
  units: readonly Uint8Array[],
): VideoConfig | undefined {
  return codec === 'H264' ? h264Config(units) : h265Config(units);
}

/** True for a unit that repeats one of the sample entry's parameter sets byte for byte. */
export function isKnownParameterSet(cfg: VideoConfig, unit: Uint8Array): boolean {
  for (const ps of cfg.parameterSets) {
    if (sameBytes(ps, unit)) {
      return true;
    }
  }
  return false;
}

/** Copies, so the config does not pin the demuxer's input buffers. */
function copies(
  units: readonly Uint8Array[],
  want: (type: number) => boolean,
  typeOf: (b: number) => number,
): Uint8Array[] {
  return units.filter((u) => u.length > 2 && want(typeOf(u[0]))).map((u) => u.slice());
}

function h264Config(units: readonly Uint8Array[]): VideoConfig | undefined {
  const d = describeH264(units);
  if (!d) {
    return undefined;
  }
  const sps = copies(units, (t) => t === H264Nal.SPS, h264NalType);
  const pps = copies(units, (t) => t === H264Nal.PPS, h264NalType);
  if (pps.length === 0) {
    return undefined;
  }
  return {
    codec: 'H264',
    codecString: d.codecString,
    width: d.width,
    height: d.height,
    track: { codec: 'H264', width: d.width, height: d.height, sps, pps },
    parameterSets: [...sps, ...pps],
  };
}

function h265Config(units: readonly Uint8Array[]): VideoConfig | undefined {
  const d = describeH265(units);
  if (!d) {
    return undefined;
  }
  const of = (type: number): Uint8Array[] => copies(units, (t) => t === type, h265NalType);
  const vps = of(H265Nal.VPS);
  const sps = of(H265Nal.SPS);
  const pps = of(H265Nal.PPS);
  const parsed = sps.length ? parseH265Sps(sps[0]) : undefined;
  if (!parsed || vps.length === 0 || pps.length === 0) {
    return undefined;
  }
  return {
    codec: 'H265',
    codecString: d.codecString,
    width: d.width,
    height: d.height,
    track: {
      codec: 'H265',
      width: d.width,
      height: d.height,
      hvcc: {
        generalProfileSpace: parsed.generalProfileSpace,
        generalTierFlag: parsed.generalTierFlag,
        generalProfileIdc: parsed.generalProfileIdc,
        generalProfileCompatibilityFlags: parsed.generalProfileCompatibilityFlags,
        generalConstraintIndicatorFlags: parsed.generalConstraintIndicatorFlags,
        generalLevelIdc: parsed.generalLevelIdc,
        chromaFormatIdc: parsed.chromaFormatIdc,
        bitDepthLumaMinus8: parsed.bitDepthLumaMinus8,
        bitDepthChromaMinus8: parsed.bitDepthChromaMinus8,
        numTemporalLayers: parsed.maxSubLayersMinus1 + 1,
        temporalIdNested: parsed.temporalIdNestingFlag,
        vps,
        sps,
        pps,
      },
    },
    parameterSets: [...vps, ...sps, ...pps],
  };
}
