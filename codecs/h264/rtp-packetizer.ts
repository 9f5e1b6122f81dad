// H.264 access unit → RTP payloads, RFC 6184 packetization-mode 1 (non-interleaved):
// single NAL unit packets (§5.6), STAP-A aggregation (§5.7.1) and FU-A fragmentation (§5.8).
// The scheme is shared with H.265 (codecs/rtp/nal-packetizer.ts); this file binds it to the
// one-byte H.264 header (rtp-nal-profile.ts).
//
// STAP-A:                                   FU-A:
//  +---------------+---------------+ ...     +---------------+---------------+ ...
//  |F|NRI| Type=24 | NALU 1 size   |         |F|NRI| Type=28 |S|E|R| Type    | fragment
//  +---------------+---------------+         +---------------+---------------+
//  NALU 1 (with its header) | NALU 2 size | NALU 2 | ...      FU indicator    FU header
import { packetizeNalUnits } from '../rtp/nal-packetizer.js';
import { H264_NAL_PROFILE } from './rtp-nal-profile.js';

export { H264PayloadType } from './rtp-nal-profile.js';

/**
 * RTP payloads for one access unit, in decoding order; the caller sets the marker bit on the
 * packet carrying the last one (§5.1). Every payload is at most `mtu` bytes. A NAL unit that
 * fits goes alone, as the NAL bytes themselves (a view, not a copy), unless it can share a
 * STAP-A with its neighbours; larger ones are split into FU-A fragments. Empty units are skipped.
 * The STAP-A header takes F from any unit and the highest NRI (§5.7).
 */
export function packetizeH264(units: readonly Uint8Array[], mtu: number): Uint8Array[] {
  return packetizeNalUnits(H264_NAL_PROFILE, units, mtu);
}
