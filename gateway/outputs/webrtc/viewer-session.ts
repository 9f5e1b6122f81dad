// What the WHEP router and the session registry know of a viewer's session, wherever it runs:
// a WhepSession on this thread, or a RemoteSession standing for one in a viewer worker
// (workers/viewer-workers.ts).
import type { CloseReason } from '../../hub/sink.js';
import type { WebRtcSinkStats } from './webrtc-sink.js';

export interface ViewerSession {
  readonly id: string;
  readonly createdAt: Date;
  readonly state: 'connecting' | 'connected' | 'closed';
  /** The SDP answer (empty until negotiated). */
  readonly answer: string;
  /** What the viewer was sent so far (a worker's session: as of its last report). */
  readonly stats: WebRtcSinkStats | undefined;
  /** Idempotent; ends the session and releases its slot at once. */
  close(reason: CloseReason, detail?: string): void;
}
