// H.265 access unit → RTP payloads, RFC 7798 without DONL (sprop-max-don-diff = 0):
// single NAL unit packets (§4.4.1), aggregation packets (AP, §4.4.2) and fragmentation units (FU, §4.4.3).
// The scheme is shared with H.264 (codecs/rtp/nal-packetizer.ts); this file binds it to the
// two-byte H.265 header (rtp-nal-profile.ts).
//
// PayloadHdr (the NAL unit header layout, §1.1.4):   FU header (§4.4.3):
//  +---------------+---------------+                  +---------------+
//  |F|   Type    |  LayerId  | TID |                  |S|E|  FuType   |
//  +---------------+---------------+                  +---------------+
// AP:  PayloadHdr(Type=48) | NALU 1 size (16) | NALU 1 | NALU 2 size | NALU 2 | ...
// FU:  PayloadHdr(Type=49) | FU header | fragment of the NAL unit without its 2-byte header
import { packetizeNalUnits } from '../rtp/nal-packetizer.js';
import { H265_NAL_PROFILE } from './rtp-nal-profile.js';

export { H265PayloadType } from './rtp-nal-profile.js';

/**
 * RTP payloads for one access unit, in decoding order; the caller sets the marker bit on the
 * last (§4.1). Every payload is at most `mtu` bytes. A NAL unit that fits goes alone (a view of
 * it, no copy) unless it can share an AP with its neighbours; larger ones become FUs.
 * Units shorter than the 2-byte NAL header are skipped. The AP's PayloadHdr ORs F and takes
 * the lowest LayerId and TID (§4.4.2); an FU's copies F, LayerId and TID from the NAL header.
 */
export function packetizeH265(units: readonly Uint8Array[], mtu: number): Uint8Array[] {
  return packetizeNalUnits(H265_NAL_PROFILE, units, mtu);
}
