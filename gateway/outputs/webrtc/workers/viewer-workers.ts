// WebRTC viewers on every core (docs/performance.md §3). The main thread keeps the streams and
// WHEP's HTTP side; each offer goes to the viewer worker with the fewest sessions, which
// answers with a candidate on its own UDP port, so ICE, DTLS and media then go straight to that
// thread. Viewers of one stream spread over the workers: each worker gets the stream's access
// units once (worker-feed.ts), however many of its viewers watch it.
//
// A worker that dies (an uncaught error, out of memory) ends its sessions (their viewers' WHEP
// clients offer again) and is started again; its slots and feeds are freed at once.
import { Worker } from 'node:worker_threads';
import { createLogger } from '../../../log.js';
import { WhepError } from '../errors.js';
import type { NegotiationPlan } from '../codec-select.js';
import type { WebRtcNetworkOptions } from '../peer-config.js';
import type { ParsedOffer } from '../sdp-offer.js';
import type { WhepStream, WhepTranscoder } from '../whep-session.js';
import {
  feedName,
  type FromWorker,
  type LoopDelay,
  type ToWorker,
  type ViewerWorkerConfig,
} from './messages.js';
import { RemoteSession } from './remote-session.js';
import { WorkerFeed } from './worker-feed.js';

const log = createLogger('gateway:webrtc-workers');

/** A worker this far behind on access units makes its feeds skip to the next keyframe. */
const MAX_LAG_BYTES = 8 * 1024 * 1024;
/** How long the threads get to send their viewers' BYEs at shutdown. */
const SHUTDOWN_GRACE_MS = 100;
/** Restart delay after a crash, doubling while crashes come within a minute of each other. */
const RESTART_MS = { first: 100, max: 3000 };

export interface ViewerWorkersOptions {
  count: number;
  net: WebRtcNetworkOptions;
  mtu?: number;
  fanout?: 'sliced' | 'sync';
  resolveStream(streamId: string): WhepStream | undefined;
  transcoder?: WhepTranscoder;
  /** Let tests crash a worker (crash()). */
  crashable?: boolean;
}

export interface RemoteOpen {
  id: string;
  stream: WhepStream;
  offer: ParsedOffer;
  plan: NegotiationPlan;
  connectTimeoutMs?: number;
  viewerTimeoutMs?: number;
  sendPath?: 'direct' | 'werift';
  onConnected?(): void;
  onEnded(session: RemoteSession, reason: string): void;
}

interface Pending {
  session: RemoteSession;
  resolve(s: RemoteSession): void;
  reject(err: Error): void;
}

/** One thread and what the main thread knows of it. */
class ViewerWorker {
  readonly sessions = new Map<string, RemoteSession>();
  readonly pending = new Map<string, Pending>();
  readonly feeds = new Map<string, WorkerFeed>();
  readonly thread: Worker;
  #posted = 0;
  readonly #consumed: Int32Array;

  constructor(
    readonly index: number,
    config: Omit<ViewerWorkerConfig, 'index' | 'consumed'>,
  ) {
    const consumed = new SharedArrayBuffer(4);
    this.#consumed = new Int32Array(consumed);
    this.thread = new Worker(new URL('./viewer-worker.js', import.meta.url), {
      workerData: { ...config, index, consumed } satisfies ViewerWorkerConfig,
    });
    // The HTTP and SIP servers keep the process alive; a worker alone must not.
    this.thread.unref();
  }

  get load(): number {
    return this.sessions.size + this.pending.size;
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.thread.postMessage(m, transfer);
  }

  sent(bytes: number): void {
    this.#posted = (this.#posted + bytes) | 0;
  }

  /** Both counters wrap at 2^31; their difference stays right while the lag is under 2 GiB. */
  lagBytes(): number {
    return (this.#posted - Atomics.load(this.#consumed, 0)) | 0;
  }
}

export class ViewerWorkers {
  readonly #workers: (ViewerWorker | undefined)[];
  readonly #o: ViewerWorkersOptions;
  readonly #ranges: (WebRtcNetworkOptions['portRange'] | undefined)[];
  /**
   * Ports for WebRTC peers that stay on the main thread (WHIP talk): a slice of their own, so no
   * two threads scan the same ports. The whole range when it is too small to share out.
   */
  readonly mainThreadPorts: WebRtcNetworkOptions['portRange'];
  #closing = false;
  #restarts = 0;
  #lastCrashMs = -Infinity;
  #restartDelayMs = RESTART_MS.first;
  #loopReads = 0;
  readonly #loopWaiters = new Map<number, { left: number; worst: LoopDelay; done(d: LoopDelay): void }>();

  constructor(o: ViewerWorkersOptions) {
    this.#o = o;
    // One slice per worker and one for the main thread; a range too small for that stays whole.
    const slices = splitRange(o.net.portRange, o.count + 1);
    this.mainThreadPorts = slices.length > 1 ? slices.pop() : o.net.portRange;
    this.#ranges = slices;
    this.#workers = this.#ranges.map(() => undefined);
    for (let i = 0; i < this.#workers.length; i++) {
      this.#spawn(i);
    }
  }

  /** Threads running now. */
  get count(): number {
    return this.#workers.filter((w) => w !== undefined).length;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Sessions per worker, for the bench and logs. */
  get load(): number[] {
    return this.#workers.map((w) => w?.load ?? 0);
  }

  /** Thread ids of the running workers (a restarted worker has a new one). */
  get threadIds(): number[] {
    return this.#workers.flatMap((w) => (w ? [w.thread.threadId] : []));
  }

  /**
   * The event-loop delay of the worst worker since the previous call (p99 and max over that
   * window, each worker's own), for the bench's measurement windows.
   */
  loopDelay(): Promise<LoopDelay> {
    const running = this.#workers.filter((w): w is ViewerWorker => w !== undefined);
    const id = ++this.#loopReads;
    return new Promise((resolve) => {
      const worst = { p99Ms: 0, maxMs: 0 };
      const done = (d: LoopDelay): void => {
        this.#loopWaiters.delete(id);
        resolve(d);
      };
      if (running.length === 0) {
        done(worst);
        return;
      }
      this.#loopWaiters.set(id, { left: running.length, worst, done });
      setTimeout(() => this.#loopWaiters.get(id)?.done(worst), 2000).unref();
      for (const w of running) {
        w.post({ type: 'loop-read', id });
      }
    });
  }

  /** Negotiates in the least loaded worker; resolves once it answered. */
  open(o: RemoteOpen): Promise<RemoteSession> {
    const worker = this.#workers
      .filter((w): w is ViewerWorker => w !== undefined)
      .sort((a, b) => a.load - b.load)[0];
    if (!worker) {
      return Promise.reject(
        new WhepError('GW_ERR_WEBRTC_FAILED', 'no viewer worker is running; retry shortly'),
      );
    }
    const session = new RemoteSession(o.id, worker.index, {
      post: (m) => worker.post(m),
      onConnected: () => o.onConnected?.(),
      onEnded: (s, reason) => {
        worker.sessions.delete(s.id);
        o.onEnded(s, reason);
      },
    });
    return new Promise<RemoteSession>((resolve, reject) => {
      worker.pending.set(o.id, { session, resolve, reject });
      worker.post({
        type: 'open',
        sessionId: o.id,
        streamId: o.stream.id,
        offer: o.offer,
        plan: o.plan,
        ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
        ...(o.viewerTimeoutMs !== undefined ? { viewerTimeoutMs: o.viewerTimeoutMs } : {}),
        ...(o.sendPath ? { sendPath: o.sendPath } : {}),
      });
    });
  }

  /** Test hook: the worker throws an uncaught error (only with `crashable`). */
  crash(index: number): void {
    this.#workers[index]?.post({ type: 'crash' });
  }

  /** Ends every session (connected viewers get their RTCP BYE), then stops the threads. */
  async close(): Promise<void> {
    this.#closing = true;
    let told = false;
    for (const w of this.#workers) {
      for (const s of [...(w?.sessions.values() ?? [])]) {
        s.close('shutdown');
        told = true;
      }
    }
    if (told) {
      // The BYEs leave from the workers' event loops: give them a moment before the threads go.
      await new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS));
    }
    await Promise.all(
      this.#workers.map(async (w, i) => {
        if (w) {
          this.#workers[i] = undefined;
          this.#drop(w, 'shutdown');
          await w.thread.terminate();
        }
      }),
    );
  }

  #spawn(index: number): void {
    const range = this.#ranges[index];
    const worker = new ViewerWorker(index, {
      net: { ...this.#o.net, ...(range ? { portRange: range } : {}) },
      mtu: this.#o.mtu ?? 1200,
      fanout: this.#o.fanout ?? 'sliced',
      transcoder: this.#o.transcoder !== undefined,
      crashable: this.#o.crashable ?? false,
    });
    this.#workers[index] = worker;
    worker.thread.on('message', (m: FromWorker) => this.#onMessage(worker, m));
    worker.thread.on('error', (err) => log.error({ worker: index, err }, 'viewer worker failed'));
    worker.thread.on('exit', (code) => this.#onExit(worker, code));
  }

  #onExit(worker: ViewerWorker, code: number): void {
    if (this.#workers[worker.index] !== worker) {
      return; // closed on purpose
    }
    this.#workers[worker.index] = undefined;
    log.error(
      { worker: worker.index, code, sessions: worker.sessions.size },
      'viewer worker exited; its viewers were dropped and it is being restarted',
    );
    this.#drop(worker, 'sink-error');
    if (this.#closing) {
      return;
    }
    const now = Date.now();
    this.#restartDelayMs =
      now - this.#lastCrashMs < 60_000
        ? Math.min(this.#restartDelayMs * 2, RESTART_MS.max)
        : RESTART_MS.first;
    this.#lastCrashMs = now;
    setTimeout(() => {
      if (!this.#closing && this.#workers[worker.index] === undefined) {
        this.#restarts++;
        this.#spawn(worker.index);
        log.info({ worker: worker.index, restarts: this.#restarts }, 'viewer worker restarted');
      }
    }, this.#restartDelayMs).unref();
  }

  /** Ends everything a worker held: sessions, offers in flight, feeds. */
  #drop(worker: ViewerWorker, reason: 'sink-error' | 'shutdown'): void {
    for (const p of worker.pending.values()) {
      p.reject(new WhepError('GW_ERR_WEBRTC_FAILED', 'the viewer worker stopped while negotiating; retry'));
    }
    worker.pending.clear();
    for (const s of [...worker.sessions.values()]) {
      s.ended(reason);
    }
    for (const feed of [...worker.feeds.values()]) {
      feed.release();
    }
    worker.feeds.clear();
  }

  #onMessage(worker: ViewerWorker, m: FromWorker): void {
    switch (m.type) {
      case 'answer': {
        const p = worker.pending.get(m.sessionId);
        if (p) {
          worker.pending.delete(m.sessionId);
          p.session.answer = m.sdp;
          worker.sessions.set(m.sessionId, p.session);
          p.resolve(p.session);
        }
        break;
      }
      case 'open-failed': {
        const p = worker.pending.get(m.sessionId);
        worker.pending.delete(m.sessionId);
        p?.reject(new WhepError(m.code, m.message));
        break;
      }
      case 'connected':
        worker.sessions.get(m.sessionId)?.connected();
        break;
      case 'ended':
        worker.sessions.get(m.sessionId)?.ended(m.reason, m.stats);
        break;
      case 'stats':
        for (const { id, stats } of m.sessions) {
          worker.sessions.get(id)?.report(stats);
        }
        break;
      case 'loop': {
        const wait = this.#loopWaiters.get(m.id);
        if (wait) {
          wait.worst.p99Ms = Math.max(wait.worst.p99Ms, m.delay.p99Ms);
          wait.worst.maxMs = Math.max(wait.worst.maxMs, m.delay.maxMs);
          if (--wait.left === 0) {
            wait.done(wait.worst);
          }
        }
        break;
      }
      case 'acquire':
        this.#acquire(worker, m.key.streamId, m.key.view);
        break;
      case 'release': {
        const feed = worker.feeds.get(m.feed);
        worker.feeds.delete(m.feed);
        feed?.release();
        break;
      }
      case 'keyframe':
        worker.feeds.get(m.feed)?.stream.requestKeyframe();
        break;
    }
  }

  #acquire(worker: ViewerWorker, streamId: string, view: 'camera' | 'h264'): void {
    const feed = feedName({ streamId, view });
    if (worker.feeds.has(feed)) {
      return;
    }
    const camera = this.#o.resolveStream(streamId);
    const stream = camera && view === 'h264' ? this.#o.transcoder?.h264View(camera) : camera;
    if (!stream || stream.closed) {
      worker.post({ type: 'feed-closed', feed, cause: 'stream-closed' });
      return;
    }
    const f = new WorkerFeed(feed, stream, worker, MAX_LAG_BYTES, (closed) => {
      if (worker.feeds.get(feed) === closed) {
        worker.feeds.delete(feed);
      }
    });
    if (!f.closed) {
      worker.feeds.set(feed, f);
    }
  }
}

/** Disjoint port ranges, one per worker (werift's port scan is not safe across threads). */
export function splitRange(
  range: WebRtcNetworkOptions['portRange'],
  count: number,
): (WebRtcNetworkOptions['portRange'] | undefined)[] {
  if (!range) {
    return Array.from({ length: count }, () => undefined);
  }
  const size = range.max - range.min + 1;
  const n = Math.max(1, Math.min(count, Math.floor(size / 2)));
  const each = Math.floor(size / n);
  return Array.from({ length: n }, (_, i) => ({
    min: range.min + i * each,
    max: i === n - 1 ? range.max : range.min + (i + 1) * each - 1,
  }));
}
