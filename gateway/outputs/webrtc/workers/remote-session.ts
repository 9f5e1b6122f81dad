// The main thread's stand-in for a WHEP session that lives in a viewer worker: what the
// router and the session registry need (ViewerSession), kept in step by the worker's
// messages. Closing it tells the worker and frees the viewer's slot at once.
import type { CloseReason } from '../../../hub/sink.js';
import type { ViewerSession } from '../viewer-session.js';
import type { WebRtcSinkStats } from '../webrtc-sink.js';
import type { SessionStats, ToWorker } from './messages.js';

export interface RemoteSessionHooks {
  post(m: ToWorker): void;
  onConnected?(): void;
  onEnded(session: RemoteSession, reason: string): void;
}

export class RemoteSession implements ViewerSession {
  readonly createdAt = new Date();
  state: ViewerSession['state'] = 'connecting';
  answer = '';
  #stats: SessionStats = {};

  constructor(
    readonly id: string,
    /** The worker's index, for logs and the bench. */
    readonly worker: number,
    private readonly hooks: RemoteSessionHooks,
  ) {}

  get stats(): WebRtcSinkStats | undefined {
    return this.#stats.sink;
  }

  get rtcpStats(): Record<string, unknown> | undefined {
    return this.#stats.rtcp;
  }

  close(reason: CloseReason, detail?: string): void {
    if (this.state === 'closed') {
      return;
    }
    this.hooks.post({ type: 'close', sessionId: this.id, reason, ...(detail ? { detail } : {}) });
    this.ended(reason);
  }

  // ---- from the worker ----

  connected(): void {
    if (this.state === 'connecting') {
      this.state = 'connected';
      this.hooks.onConnected?.();
    }
  }

  report(stats: SessionStats): void {
    this.#stats = stats;
  }

  /** The worker ended it (or the worker is gone). */
  ended(reason: string, stats?: SessionStats): void {
    if (stats) {
      this.#stats = stats;
    }
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    this.hooks.onEnded(this, reason);
  }
}
