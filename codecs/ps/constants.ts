// MPEG-2 Program Stream start codes, stream ids and stream types (ISO/IEC 13818-1
// §2.5.3, Table 2-18 stream_id, Table 2-34 stream_type), with the GB/T 28181-2022
// Annex C stream_type values for G.711 and H.265.
import type { AudioCodec, VideoCodec } from '../types.js';

/** The byte after `00 00 01` (Table 2-18 and §2.5.3.1). */
export const StartCode = {
  PROGRAM_END: 0xb9, // MPEG_program_end_code
  PACK: 0xba, // pack_start_code
  SYSTEM_HEADER: 0xbb, // system_header_start_code
  PSM: 0xbc, // program_stream_map
  PRIVATE_1: 0xbd, // private_stream_1 (Hikvision interleaves these)
  PADDING: 0xbe, // padding_stream
  PRIVATE_2: 0xbf, // private_stream_2
  AUDIO_FIRST: 0xc0, // ISO/IEC 13818-3/11172-3 audio stream 0..31
  AUDIO_LAST: 0xdf,
  VIDEO_FIRST: 0xe0, // video stream 0..15
  VIDEO_LAST: 0xef,
  DIRECTORY: 0xff, // program_stream_directory
} as const;

/** stream_type in the PSM (Table 2-34; GB/T 28181-2022 Annex C). */
export const StreamType = {
  MPEG4_VIDEO: 0x10,
  AAC: 0x0f, // ISO/IEC 13818-7 ADTS
  H264: 0x1b,
  H265: 0x24,
  SVAC_VIDEO: 0x80,
  G711A: 0x90,
  G711U: 0x91,
  G722_1: 0x92,
  G723_1: 0x93,
  G729: 0x99,
  SVAC_AUDIO: 0x9b,
} as const;

export const isVideoStreamId = (id: number): boolean =>
  id >= StartCode.VIDEO_FIRST && id <= StartCode.VIDEO_LAST;
export const isAudioStreamId = (id: number): boolean =>
  id >= StartCode.AUDIO_FIRST && id <= StartCode.AUDIO_LAST;

/** The codecs we demux; other stream types are skipped. */
export function codecOfStreamType(streamType: number): VideoCodec | AudioCodec | undefined {
  switch (streamType) {
    case StreamType.H264:
      return 'H264';
    case StreamType.H265:
      return 'H265';
    case StreamType.G711A:
      return 'PCMA';
    case StreamType.G711U:
      return 'PCMU';
    case StreamType.AAC:
      return 'AAC';
    default:
      return undefined;
  }
}

export function streamTypeOfCodec(codec: VideoCodec | AudioCodec): number {
  switch (codec) {
    case 'H264':
      return StreamType.H264;
    case 'H265':
      return StreamType.H265;
    case 'PCMA':
      return StreamType.G711A;
    case 'PCMU':
      return StreamType.G711U;
    case 'AAC':
      return StreamType.AAC;
  }
}

/**
 * Largest PES payload the muxer writes. ireader's libmpeg caps PES at 0xFF80 and leaves
 * 0x7F bytes of headroom ("reserved for hik"); PES_packet_length is 16 bits anyway.
 */
export const MAX_PES_PAYLOAD = 0xff80;

/**
 * Outcome of reading a header at some offset: the value, 'more' when the bytes end before
 * the header does (feed more and retry), or 'invalid' when the bytes cannot be that header.
 */
export type Parsed<T> = T | 'more' | 'invalid';
