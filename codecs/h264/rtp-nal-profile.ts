// The H.264 side of the shared NAL-unit RTP scheme (codecs/rtp/nal-header-profile.ts):
// RFC 6184's one-byte header, its payload structure types, and how a STAP-A header is formed.
//
//  +---------------+
//  |0|1|2|3|4|5|6|7|
//  +-+-+-+-+-+-+-+-+
//  |F|NRI|  Type   |
//  +---------------+
import type { NalHeaderProfile } from '../rtp/nal-header-profile.js';

/** Aggregation and fragmentation unit types (RFC 6184 Table 3). */
export const H264PayloadType = {
  STAP_A: 24,
  STAP_B: 25,
  MTAP16: 26,
  MTAP24: 27,
  FU_A: 28,
  FU_B: 29,
} as const;

const F = 0x80;
const NRI = 0x60;

export const H264_NAL_PROFILE: NalHeaderProfile = {
  codec: 'H.264',
  headerLength: 1,
  typeShift: 0,
  typeMask: 0x1f,
  // 1–23 are NAL unit types (§5.2); 0 and 30–31 are unspecified, 24–29 are payload structures.
  singleTypes: { min: 1, max: 23 },
  aggregationType: H264PayloadType.STAP_A,
  fragmentationType: H264PayloadType.FU_A,
  // STAP-A (§5.7): F is set when any aggregated unit has F set; NRI "MUST be the maximum".
  mergeAggregated: (acc, header) =>
    acc === undefined ? header & (F | NRI) : ((acc | header) & F) | Math.max(acc & NRI, header & NRI),
};
