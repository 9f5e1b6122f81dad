// The main thread's end of a feed (messages.ts): a hub sink that forwards each access unit of
// one stream to one viewer worker, which republishes it to its replica. It subscribes as one
// viewer, however many the worker has. The hub's congestion rule applies to the worker as a
// whole: while the worker is more than maxLagBytes behind, the feed skips to the next keyframe
// (counted in the stream's congestionSkips) instead of queueing without bound.
import type { AccessUnit } from '../../../../codecs/types.js';
import type { CloseReason, Sink } from '../../../hub/sink.js';
import type { WhepStream } from '../whep-session.js';
import { packAccessUnit, type ToWorker } from './messages.js';

export interface FeedTarget {
  post(m: ToWorker, transfer?: ArrayBuffer[]): void;
  /** Bytes posted to the worker and not yet published there. */
  lagBytes(): number;
  /** Bytes now on their way (counted into lagBytes). */
  sent(bytes: number): void;
}

export class WorkerFeed implements Sink {
  readonly id: string;
  #closed = false;
  readonly #unsubscribe: (reason?: CloseReason) => void;
  readonly #stopWatching: () => void;

  constructor(
    readonly feed: string,
    readonly stream: WhepStream,
    private readonly target: FeedTarget,
    private readonly maxLagBytes: number,
    private readonly onClosed: (feed: WorkerFeed) => void,
  ) {
    this.id = `worker-feed:${feed}`;
    this.#stopWatching = stream.onMedia((e) => {
      if (e.type === 'stalled') {
        target.post({ type: 'feed-stalled', feed, silentMs: e.silentMs });
      }
    });
    // Last: the GOP replay writes into this feed at once.
    this.#unsubscribe = stream.subscribe(this, { viewer: true });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(au: AccessUnit): void {
    const m = packAccessUnit(this.feed, au);
    this.target.sent(m.data.byteLength);
    this.target.post(m, [m.data]);
  }

  isCongested(): boolean {
    return this.target.lagBytes() > this.maxLagBytes;
  }

  /** The hub ended the stream: the worker's replica ends with it. */
  close(reason: CloseReason): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#stopWatching();
    this.target.post({ type: 'feed-closed', feed: this.feed, cause: reason });
    this.onClosed(this);
  }

  /** The worker gave the feed back (or is gone): leave the stream without telling the worker. */
  release(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#stopWatching();
    this.#unsubscribe('viewer-left');
  }
}
