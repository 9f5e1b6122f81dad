// RTP payloads → H.264 access units, RFC 6184 packetization-mode 1: single NAL unit (§5.6),
// STAP-A (§5.7.1) and FU-A (§5.8). The marker bit ends the access unit (§5.1). Used by tests
// and by anything that receives H.264 over RTP; never throws on payload bytes. The logic is
// shared with H.265 (codecs/rtp/nal-depacketizer.ts); STAP-B, MTAP and FU-B (interleaved
// mode 2) and types 0, 30, 31 are counted as `unsupported`.
import { NalDepacketizer } from '../rtp/nal-depacketizer.js';
import { H264_NAL_PROFILE } from './rtp-nal-profile.js';

export class H264Depacketizer extends NalDepacketizer {
  constructor() {
    super(H264_NAL_PROFILE);
  }
}
