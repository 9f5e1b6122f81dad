// The sink contract shared by WebRTC and HLS outputs (docs/architecture.md §3): the stream hub calls
// write() synchronously for every access unit, in decode order.
import type { AccessUnit } from '../../codecs/types.js';

export type CloseReason =
  'viewer-left' | 'stream-closed' | 'slow-consumer' | 'sink-error' | 'unsupported-codec' | 'shutdown';

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
