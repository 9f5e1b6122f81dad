// Loads a clip for ClipPlayer / PsRtpSender from a whole MPEG-PS file (a shared vector or a
// field capture): every access unit, in decode order.
import type { AccessUnit } from '../../codecs/types.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';

export function demuxPsClip(bytes: Uint8Array): AccessUnit[] {
  const demuxer = new PsDemuxer();
  return [...demuxer.push({ payload: bytes }), ...demuxer.flush()];
}
