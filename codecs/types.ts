// The one frame type of the media path (see docs/architecture.md §3): what the PS demuxer emits,
// what the stream hub caches and fans out, and what every sink consumes.

/** RTP/SDP encoding names, as they appear in `a=rtpmap` lines. */
export type VideoCodec = 'H264' | 'H265';
export type AudioCodec = 'PCMA' | 'PCMU' | 'AAC';
export type Codec = VideoCodec | AudioCodec;

export const isVideoCodec = (codec: Codec): codec is VideoCodec => codec === 'H264' || codec === 'H265';

/**
 * The media clock of every timestamp on the media path, in ticks per second: PES PTS/DTS and
 * the SCR base count in it (ISO/IEC 13818-1 §2.4.3.7, §2.5.3.4), and so does the RTP timestamp
 * of GB/T 28181 PS and H.264/H.265 video (RFC 6184 §5.1, RFC 7798 §4.1). Declared once here.
 */
export const CLOCK_HZ = 90_000;

export interface AccessUnit {
  readonly codec: Codec;
  /** Presentation time in 90 kHz ticks, unwrapped (monotonic across the 33-bit PES wrap). */
  readonly pts: number;
  /** Decode time in 90 kHz ticks, unwrapped. Equals pts when the PES carried no DTS. */
  readonly dts: number;
  /** IDR (H.264) / IRAP (H.265) access unit; always true for audio. */
  readonly keyframe: boolean;
  /**
   * Video: NAL units without start codes (views into the input, not copies), parameter sets
   * included on keyframes, access unit delimiters removed. Audio: the PES payload bytes
   * (G.711 samples or ADTS frames).
   */
  readonly units: readonly Uint8Array[];
}
