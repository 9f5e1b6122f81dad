// The WHEP router's live sessions (id → session, and which stream each watches), passed
// around rather than global. Also this thread's one-at-a-time lane for ICE gathering
// (gathering-lane.ts).
import { GatheringLane } from './gathering-lane.js';
import type { ViewerSession } from './viewer-session.js';

export class WhepSessions {
  private readonly byId = new Map<string, { session: ViewerSession; streamId: string; token?: string }>();
  private readonly lane = new GatheringLane();
  /** Streams with our onClose listener: one per stream, since Stream.onClose has no unsubscribe. */
  private readonly watched = new WeakSet<object>();

  get size(): number {
    return this.byId.size;
  }

  /**
   * Registers a session. Subscribed sinks are closed by the hub itself when the stream ends;
   * this also ends sessions still connecting (not yet subscribed) at that moment.
   */
  add(stream: { id: string; onClose(cb: () => void): void }, session: ViewerSession, token?: string): void {
    this.byId.set(session.id, { session, streamId: stream.id, ...(token !== undefined ? { token } : {}) });
    if (!this.watched.has(stream)) {
      this.watched.add(stream);
      stream.onClose(() => this.closeStream(stream.id));
    }
  }

  closeStream(streamId: string): void {
    for (const { session, streamId: id } of [...this.byId.values()]) {
      if (id === streamId) {
        session.close('stream-closed');
      }
    }
  }

  get(id: string): ViewerSession | undefined {
    return this.byId.get(id)?.session;
  }

  streamOf(id: string): string | undefined {
    return this.byId.get(id)?.streamId;
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  /** Viewer count per stream, for StreamView.viewers.webrtc. */
  countFor(streamId: string): number {
    let n = 0;
    for (const entry of this.byId.values()) {
      if (entry.streamId === streamId) {
        n++;
      }
    }
    return n;
  }

  /** Each session, with the signed media token it was opened with (none with the API token). */
  list(): { id: string; streamId: string; state: ViewerSession['state']; createdAt: Date; token?: string }[] {
    return [...this.byId.values()].map(({ session, streamId, token }) => ({
      id: session.id,
      streamId,
      state: session.state,
      createdAt: session.createdAt,
      ...(token !== undefined ? { token } : {}),
    }));
  }

  /** Ends one session whose media URL was revoked; a connected viewer is told so (RTCP BYE). */
  close(id: string): void {
    this.byId.get(id)?.session.close('revoked', 'the media URL of this session was revoked');
  }

  /** Shutdown: ends every session (each removes itself). */
  closeAll(reason: 'shutdown' | 'stream-closed' = 'shutdown'): void {
    for (const { session } of [...this.byId.values()]) {
      session.close(reason);
    }
  }

  /** Runs fn after every earlier serialized call has settled. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.lane.run(fn);
  }
}
