// AVC decoder configuration record 'avcC' and the 'avc1' visual sample entry
// (ISO/IEC 14496-15 §5.3.3.1 and §5.4.2.1). With 'avc1' the parameter sets live in the
// sample entry; samples may repeat them in band (the HLS sink leaves identical copies out).
import { box, concatBytes, u16 } from './box.js';
import { visualSampleEntry } from './hvcc.js';

export interface AvcDecoderConfig {
  /** SPS NAL units (header byte included, no start code); the first one names the profile. */
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
  /** From the SPS; only written for the profiles of §5.3.3.1.2 that carry them. */
  readonly chromaFormatIdc?: number;
  readonly bitDepthLumaMinus8?: number;
  readonly bitDepthChromaMinus8?: number;
}

/** profile_idc values after which avcC carries chroma format and bit depths (§5.3.3.1.2). */
const EXTENDED_PROFILES = new Set([100, 110, 122, 144]);

/**
 *   u8 configurationVersion = 1
 *   u8 AVCProfileIndication | u8 profile_compatibility | u8 AVCLevelIndication  (SPS bytes 1..3)
 *   '111111'b | u2 lengthSizeMinusOne = 3
 *   '111'b | u5 numOfSequenceParameterSets, then (u16 length, NAL)*
 *   u8 numOfPictureParameterSets, then (u16 length, NAL)*
 *   for High profiles: '111111'b | u2 chroma_format, '11111'b | u3 bit_depth_luma_minus8,
 *   '11111'b | u3 bit_depth_chroma_minus8, u8 numOfSequenceParameterSetExt = 0
 */
export function avcCPayload(c: AvcDecoderConfig): Uint8Array {
  const first = c.sps[0] ?? new Uint8Array(4);
  const profile = first[1] ?? 0;
  const parts: Uint8Array[] = [
    new Uint8Array([1, profile, first[2] ?? 0, first[3] ?? 0, 0xfc | 3, 0xe0 | (c.sps.length & 0x1f)]),
  ];
  for (const sps of c.sps) {
    parts.push(u16(sps.byteLength), sps);
  }
  parts.push(new Uint8Array([c.pps.length & 0xff]));
  for (const pps of c.pps) {
    parts.push(u16(pps.byteLength), pps);
  }
  if (EXTENDED_PROFILES.has(profile)) {
    parts.push(
      new Uint8Array([
        0xfc | ((c.chromaFormatIdc ?? 1) & 3),
        0xf8 | ((c.bitDepthLumaMinus8 ?? 0) & 7),
        0xf8 | ((c.bitDepthChromaMinus8 ?? 0) & 7),
        0,
      ]),
    );
  }
  return concatBytes(parts);
}

export function avc1SampleEntry(width: number, height: number, c: AvcDecoderConfig): Uint8Array {
  return visualSampleEntry('avc1', width, height, box('avcC', avcCPayload(c)));
}
