// What the hub says about a stream's media as it happens. The hub is the one owner of these
// facts (docs/architecture.md §5 "One owner for each fact"): the play diagnosis, the WHEP
// sessions and the HLS output listen here instead of counting again. Listeners run
// synchronously inside Stream.publish, before the access unit that caused the event is written
// to any sink, so they can act in time (a WHEP viewer moves to the transcoder before the first
// H.265 frame, HLS opens a new init segment).
import type { AudioCodec, VideoCodec } from '../../codecs/types.js';
import type { CloseReason } from './sink.js';

export type StreamMediaEvent =
  /**
   * A codec became known, or changed (`previous` is set): a device rebooted or reconfigured
   * from H.264 to H.265, or another sender took the stream over. After a video change every
   * sink's next video access unit is a keyframe of the new codec.
   */
  | {
      type: 'codec';
      video?: VideoCodec;
      audio?: AudioCodec;
      previous?: { video?: VideoCodec; audio?: AudioCodec };
    }
  /** The stream's first video keyframe. */
  | { type: 'first-keyframe'; at: Date }
  /** Video PTS went backwards in decode order: B-frames, which WebRTC viewers cannot decode. */
  | { type: 'b-frames' }
  /** A sink left for a reason other than its viewer leaving (a codec it cannot carry, an error). */
  | { type: 'sink-closed'; sink: string; reason: CloseReason; detail?: string }
  /**
   * A live stream has had no access unit for the stall timeout: the camera was killed, lost power
   * or its network, or stopped sending. Viewers are told now; the stream itself stays open until
   * the no-media timeout, in case the media comes back.
   */
  | { type: 'stalled'; silentMs: number }
  /** Media came again after a stall. */
  | { type: 'resumed'; silentMs: number };

export type StreamMediaListener = (e: StreamMediaEvent) => void;
