// A video track's setup derived from a keyframe's parameter sets (never configured): the
// sample entry (avc1/avcC or hvc1/hvcC), the RFC 6381 codec string and the picture size.
// The HLS sink and the export file writer both start their video track here.
import type { VideoCodec } from '../types.js';
import { describeH264 } from '../h264/describe.js';
import { NalType as H264Nal, nalType as h264NalType } from '../h264/nal.js';
import { parseH264Sps } from '../h264/sps.js';
import { describeH265 } from '../h265/describe.js';
import { NalType as H265Nal, nalType as h265NalType } from '../h265/nal.js';
import { parseH265Sps } from '../h265/sps.js';
import { avc1SampleEntry } from './avcc.js';
import { sameBytes } from './avcc-sample.js';
import { hvc1SampleEntry } from './hvcc.js';

export interface VideoTrack {
  readonly codec: VideoCodec;
  /** RFC 6381 codec string, e.g. "avc1.42C01F" or "hvc1.1.6.L93.B0". */
  readonly codecString: string;
  readonly width: number;
  readonly height: number;
  /** The complete sample entry box for the stsd. */
  readonly sampleEntry: Uint8Array;
  /** The parameter sets in the sample entry; identical in-band copies can be left out of samples. */
  readonly parameterSets: readonly Uint8Array[];
}

/** Undefined when the keyframe lacks a parsable SPS (or, for H.264, a PPS; for H.265, VPS/PPS). */
export function videoTrackFromKeyframe(
  codec: VideoCodec,
  units: readonly Uint8Array[],
): VideoTrack | undefined {
  return codec === 'H264' ? h264Track(units) : h265Track(units);
}

/** True for a unit that repeats one of the sample entry's parameter sets byte for byte. */
export function isKnownParameterSet(track: VideoTrack, unit: Uint8Array): boolean {
  for (const ps of track.parameterSets) {
    if (sameBytes(ps, unit)) {
      return true;
    }
  }
  return false;
}

/** Copies, so the track does not pin the demuxer's input buffers. */
function copies(units: readonly Uint8Array[], want: number, typeOf: (b: number) => number): Uint8Array[] {
  return units.filter((u) => u.length > 2 && typeOf(u[0]) === want).map((u) => u.slice());
}

function h264Track(units: readonly Uint8Array[]): VideoTrack | undefined {
  const d = describeH264(units);
  const sps = copies(units, H264Nal.SPS, h264NalType);
  const pps = copies(units, H264Nal.PPS, h264NalType);
  const parsed = sps.length ? parseH264Sps(sps[0]) : undefined;
  if (!d || !parsed || pps.length === 0) {
    return undefined;
  }
  return {
    codec: 'H264',
    codecString: d.codecString,
    width: d.width,
    height: d.height,
    sampleEntry: avc1SampleEntry(d.width, d.height, {
      sps,
      pps,
      chromaFormatIdc: parsed.chromaFormatIdc,
      bitDepthLumaMinus8: parsed.bitDepthLumaMinus8,
      bitDepthChromaMinus8: parsed.bitDepthChromaMinus8,
    }),
    parameterSets: [...sps, ...pps],
  };
}

function h265Track(units: readonly Uint8Array[]): VideoTrack | undefined {
  const d = describeH265(units);
  const vps = copies(units, H265Nal.VPS, h265NalType);
  const sps = copies(units, H265Nal.SPS, h265NalType);
  const pps = copies(units, H265Nal.PPS, h265NalType);
  const parsed = sps.length ? parseH265Sps(sps[0]) : undefined;
  if (!d || !parsed || vps.length === 0 || pps.length === 0) {
    return undefined;
  }
  return {
    codec: 'H265',
    codecString: d.codecString,
    width: d.width,
    height: d.height,
    sampleEntry: hvc1SampleEntry(d.width, d.height, {
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
    }),
    parameterSets: [...vps, ...sps, ...pps],
  };
}
