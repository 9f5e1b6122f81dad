// The H.265 side of the shared NAL-unit RTP scheme (codecs/rtp/nal-header-profile.ts):
// RFC 7798's two-byte PayloadHdr (the NAL unit header layout, §1.1.4), its payload structure
// types, and how an AP's PayloadHdr is formed.
//
//  +---------------+---------------+
//  |0|1|2|3|4|5|6|7|0|1|2|3|4|5|6|7|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |F|   Type    |  LayerId  | TID |
//  +---------------+---------------+
import type { NalHeaderProfile } from '../rtp/nal-header-profile.js';

/** Aggregation, fragmentation and PACI packet types (RFC 7798 §4.4). */
export const H265PayloadType = { AP: 48, FU: 49, PACI: 50 } as const;

const F = 0x8000;
const LAYER_ID = 0x01f8;
const TID = 0x0007;

export const H265_NAL_PROFILE: NalHeaderProfile = {
  codec: 'H.265',
  headerLength: 2,
  typeShift: 9,
  typeMask: 0x3f,
  // 0–47 are NAL unit types; 48 AP, 49 FU, 50 PACI, 51–63 unspecified (§4.4).
  singleTypes: { min: 0, max: 47 },
  aggregationType: H265PayloadType.AP,
  fragmentationType: H265PayloadType.FU,
  // AP (§4.4.2): F is 1 when any aggregated unit has F = 1; LayerId and TID are the lowest.
  mergeAggregated: (acc, header) =>
    acc === undefined
      ? header & (F | LAYER_ID | TID)
      : ((acc | header) & F) |
        Math.min(acc & LAYER_ID, header & LAYER_ID) |
        Math.min(acc & TID, header & TID),
};
