// RTP payloads → H.265 access units, RFC 7798 without DONL: single NAL unit (§4.4.1),
// AP (§4.4.2) and FU (§4.4.3). The marker bit ends the access unit (§4.1). Used by tests and
// by anything that receives H.265 over RTP; never throws on payload bytes. The logic is
// shared with H.264 (codecs/rtp/nal-depacketizer.ts); payloads shorter than the 2-byte
// PayloadHdr are `malformed`, PACI (50) and the unspecified 51–63 `unsupported`.
import { NalDepacketizer } from '../rtp/nal-depacketizer.js';
import { H265_NAL_PROFILE } from './rtp-nal-profile.js';

export class H265Depacketizer extends NalDepacketizer {
  constructor() {
    super(H265_NAL_PROFILE);
  }
}
