// A viewer worker's copy of one main-thread stream (messages.ts). It is a hub Stream fed with
// the access units the main thread forwards, so WHEP sessions in the worker get what they get
// on the main thread: the GOP replay at subscribe, the keyframe wait, congestion skips, and
// codec and B-frame reports derived from the same access units. What the replica cannot see
// for itself comes from the main stream: its end (close) and a silent camera (relayStall).
// It never stops itself: the worker drops it when no session uses it.
import { Stream } from '../../../hub/stream.js';

export interface ReplicaUpstream {
  /** A viewer lost its picture: the main thread asks the camera. */
  requestKeyframe(): void;
}

export class ReplicaStream extends Stream {
  constructor(id: string, worker: number, upstream: ReplicaUpstream) {
    super({
      id,
      // Its lines ('codec', 'stream closed: released') are the replica's, not the camera stream's.
      logFields: { replicaIn: `viewer-worker-${worker}` },
      source: {
        start: () => Promise.resolve(),
        stop: () => {},
        requestKeyframe: () => upstream.requestKeyframe(),
      },
      idleStopMs: Infinity,
      noMediaTimeoutMs: 0,
      // The main stream limits requests to the camera; each viewer's wait is kept here.
      keyframeRequestMinIntervalMs: 0,
    });
  }

  /** The main stream reported its camera silent (hub/media-events.ts 'stalled'). */
  relayStall(silentMs: number): void {
    this.emitMedia({ type: 'stalled', silentMs });
  }
}
