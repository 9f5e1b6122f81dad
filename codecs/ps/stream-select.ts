// Which PES packets feed the demuxer's two assemblers: the first video stream (0xE0-0xEF)
// and the first audio stream (0xC0-0xDF), as named by the PSM when there is one (ISO/IEC
// 13818-1 §2.5.4) or as they appear otherwise. Streams whose PSM stream_type we do not
// demux (MPEG-4 video, SVAC, G.722.1, G.729 ...) are skipped.
import type { AudioCodec, VideoCodec } from '../types.js';
import { codecOfStreamType, isVideoStreamId, isAudioStreamId } from './constants.js';
import type { ProgramStreamMap } from './psm.js';

export const Route = { NONE: 0, VIDEO: 1, AUDIO: 2 } as const;
export type Route = (typeof Route)[keyof typeof Route];

export interface PsmHints {
  video?: VideoCodec;
  audio?: AudioCodec;
}

export class StreamSelect {
  private videoId = -1;
  private audioId = -1;
  private readonly unsupported = new Set<number>();

  route(streamId: number): Route {
    if (this.unsupported.has(streamId)) {
      return Route.NONE;
    }
    if (isVideoStreamId(streamId)) {
      if (this.videoId < 0) {
        this.videoId = streamId;
      }
      return streamId === this.videoId ? Route.VIDEO : Route.NONE;
    }
    if (!isAudioStreamId(streamId)) {
      return Route.NONE;
    }
    if (this.audioId < 0) {
      this.audioId = streamId;
    }
    return streamId === this.audioId ? Route.AUDIO : Route.NONE;
  }

  /** Takes a PSM into account; returns the codecs it names for the selected streams. */
  apply(psm: ProgramStreamMap): PsmHints {
    const hints: PsmHints = {};
    for (const { streamType, streamId } of psm.entries) {
      const codec = codecOfStreamType(streamType);
      if (isVideoStreamId(streamId)) {
        if (codec !== 'H264' && codec !== 'H265') {
          this.unsupported.add(streamId);
          continue;
        }
        this.unsupported.delete(streamId);
        if (this.videoId < 0) {
          this.videoId = streamId;
        }
        if (streamId === this.videoId) {
          hints.video = codec;
        }
      } else if (isAudioStreamId(streamId)) {
        if (codec !== 'PCMA' && codec !== 'PCMU' && codec !== 'AAC') {
          this.unsupported.add(streamId);
          continue;
        }
        this.unsupported.delete(streamId);
        if (this.audioId < 0) {
          this.audioId = streamId;
        }
        if (streamId === this.audioId) {
          hints.audio = codec;
        }
      }
    }
    return hints;
  }
}
