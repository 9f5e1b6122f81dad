// The sink contract shared by WebRTC and HLS outputs (docs/architecture.md §3): the stream hub
// calls write() synchronously for every access unit, in decode order. The hub also decides
// where a sink's video starts: the first video access unit a sink gets is a keyframe, and so is
// the first after congestion, a picture-loss request (Stream.requestKeyframe(sink)) or a codec
// change; sinks keep no keyframe wait of their own.
import type { AccessUnit } from '../../codecs/types.js';

export type CloseReason =
  | 'viewer-left'
  | 'stream-closed'
  | 'slow-consumer'
  | 'sink-error'
  | 'unsupported-codec'
  /** The stream changed to a codec this sink cannot carry (a WebRTC viewer without a decoder for it). */
  | 'codec-changed'
  /** The stream carries B-frames, which WebRTC viewers cannot decode (docs/browser-notes.md §1). */
  | 'b-frames'
  /** The camera sends no media any more (the stream stalled): it was killed or lost its network. */
  | 'stream-lost'
  /** The viewer's signed media URL was revoked by an operator (docs/api.md §5). */
  | 'revoked'
  | 'shutdown';

export interface Sink {
  readonly id: string;
  /** Synchronous; a sink that throws is closed with 'sink-error' and the others continue. */
  write(au: AccessUnit): void;
  /**
   * True while the sink's own output is backed up (socket buffer full, viewer behind).
   * The hub then skips non-key access units for this sink until the next keyframe,
   * so a slow viewer costs dropped frames, never growing memory.
   */
  isCongested?(): boolean;
  /** Idempotent. */
  close(reason: CloseReason): void;
}
