// System header `00 00 01 BB` (ISO/IEC 13818-1 §2.5.3.5, Table 2-34). Informative only: the
// demuxer skips it by header_length; the muxer writes it before keyframes, GB/T 28181 style.
//
//   4..5   header_length (bytes after this field)
//   6..8   1 rate_bound(22) 1
//   9      audio_bound(6) fixed_flag CSPS_flag
//   10     system_audio_lock system_video_lock 1 video_bound(5)
//   11     packet_rate_restriction_flag reserved(7)
//   12..   per stream: stream_id, 11 P-STD_buffer_bound_scale P-STD_buffer_size_bound(13)
import { ByteWriter } from '../bytes/byte-writer.js';
import { StartCode, type Parsed } from './constants.js';

export interface SystemHeaderStream {
  streamId: number;
  /** 0: size in units of 128 bytes (audio), 1: units of 1024 bytes (video). */
  bufferBoundScale: number;
  bufferSizeBound: number;
}

export interface SystemHeader {
  rateBound: number;
  audioBound: number;
  videoBound: number;
  streams: SystemHeaderStream[];
  /** Total bytes from the start code. */
  length: number;
}

export const SYSTEM_HEADER_FIXED_SIZE = 12;

export function readSystemHeader(b: Uint8Array, at = 0, end = b.length): Parsed<SystemHeader> {
  if (end - at < 6) {
    return 'more';
  }
  if (b[at] !== 0 || b[at + 1] !== 0 || b[at + 2] !== 1 || b[at + 3] !== StartCode.SYSTEM_HEADER) {
    return 'invalid';
  }
  const length = 6 + ((b[at + 4] << 8) | b[at + 5]);
  if (length < SYSTEM_HEADER_FIXED_SIZE) {
    return 'invalid';
  }
  if (end - at < length) {
    return 'more';
  }
  const streams: SystemHeaderStream[] = [];
  for (let p = at + SYSTEM_HEADER_FIXED_SIZE; p + 3 <= at + length; p += 3) {
    // Each entry's stream_id has its top bit set (Table 2-18); anything else ends the loop.
    if ((b[p] & 0x80) === 0) {
      break;
    }
    streams.push({
      streamId: b[p],
      bufferBoundScale: (b[p + 1] >> 5) & 1,
      bufferSizeBound: ((b[p + 1] & 0x1f) << 8) | b[p + 2],
    });
  }
  return {
    rateBound: ((b[at + 6] & 0x7f) << 15) | (b[at + 7] << 7) | (b[at + 8] >> 1),
    audioBound: b[at + 9] >> 2,
    videoBound: b[at + 10] & 0x1f,
    streams,
    length,
  };
}

export function writeSystemHeader(h: Omit<SystemHeader, 'length'>): Uint8Array {
  const w = new ByteWriter(SYSTEM_HEADER_FIXED_SIZE + 3 * h.streams.length);
  w.u32(0x000001bb).u16(6 + 3 * h.streams.length);
  w.u24(0x800001 | ((h.rateBound & 0x3fffff) << 1));
  w.u8(((h.audioBound & 0x3f) << 2) | 0); // fixed_flag 0, CSPS_flag 0
  w.u8(0xe0 | (h.videoBound & 0x1f)); // audio lock, video lock, marker
  w.u8(0x7f); // packet_rate_restriction_flag 0, reserved
  for (const s of h.streams) {
    w.u8(s.streamId);
    w.u16(0xc000 | ((s.bufferBoundScale & 1) << 13) | (s.bufferSizeBound & 0x1fff));
  }
  return w.finish();
}
