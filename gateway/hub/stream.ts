// The stream hub (docs/architecture.md §3): one per live or playback stream. It starts its
// source on demand (INVITE), fans access units out synchronously to its sinks, keeps a GOP
// cache for instant start, and stops the source (BYE) after the last viewer leaves. It owns the
// stream's facts: its media info (codec, frames, B-frames: media-info.ts, reported through
// onMedia), the one keyframe wait of every sink, and the one no-media timer.
import { isVideoCodec, type AccessUnit, type AudioCodec, type VideoCodec } from '../../codecs/types.js';
import { createLogger, type Logger } from '../log.js';
import { GopCache } from './gop-cache.js';
import type { StreamMediaEvent, StreamMediaListener } from './media-events.js';
import { MediaInfoTracker } from './media-info.js';
import type { CloseReason, Sink } from './sink.js';
import type {
  StreamInfo,
  StreamOptions,
  StreamInput,
  StreamSource,
  StreamState,
  SubscribeOptions,
} from './stream-types.js';

export type {
  StreamInfo,
  StreamInput,
  StreamOptions,
  StreamSource,
  StreamState,
  SubscribeOptions,
} from './stream-types.js';

const log = createLogger('gateway:stream');

/** Unsubscribes a sink; a reason other than 'viewer-left' is reported (onMedia 'sink-closed'). */
export type Unsubscribe = (reason?: CloseReason, detail?: string) => void;

interface Subscriber {
  readonly sink: Sink;
  readonly viewer: boolean;
  /**
   * The keyframe wait: the sink's video resumes at the next keyframe. Set at subscribe, after
   * congestion, after the viewer lost its picture (requestKeyframe(sink)), after a codec change.
   */
  needsKeyframe: boolean;
  /** Audio waits too: at the start (picture and sound begin together) and while congested. */
  audioWaits: boolean;
}

export class Stream implements StreamInput {
  readonly id: string;
  private readonly source: StreamSource;
  private readonly idleStopMs: number;
  private readonly noMediaTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private readonly keyframeIntervalMs: number;
  private readonly gop: GopCache;
  private readonly media = new MediaInfoTracker();
  /** Copy-on-write, so a sink may unsubscribe from inside write(). */
  private subscribers: readonly Subscriber[] = [];
  private viewers = 0;
  private state: StreamState = 'starting';
  private startPromise: Promise<void> | undefined;
  private startedAt: Date | undefined;
  private firstKeyframeAt: Date | undefined;
  /** A keyframe of the current video codec has come (false again after a codec change). */
  private keyframeOfCodec = false;
  private lastMediaMs = 0;
  private closeCause: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private noMediaTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private stalled = false;
  private lastKeyframeRequestMs = -Infinity;
  private keyframeRequests = 0;
  private congestionSkips = 0;
  private readonly closeListeners: ((cause: string) => void)[] = [];
  private mediaListeners: readonly StreamMediaListener[] = [];
  private readonly log: Logger;

  constructor(opts: StreamOptions) {
    this.id = opts.id;
    this.log = opts.logFields ? log.child(opts.logFields) : log;
    this.source = opts.source;
    this.idleStopMs = opts.idleStopMs ?? 30_000;
    this.noMediaTimeoutMs = opts.noMediaTimeoutMs ?? 15_000;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 0;
    this.keyframeIntervalMs = opts.keyframeRequestMinIntervalMs ?? 2000;
    this.gop = new GopCache({
      maxBytes: opts.maxGopBytes ?? 16 * 1024 * 1024,
      maxAccessUnits: opts.maxGopAccessUnits ?? 1500,
    });
  }

  get info(): StreamInfo {
    const m = this.media.info;
    return {
      state: this.state,
      videoCodec: m.videoCodec,
      audioCodec: m.audioCodec,
      codecString: m.codecString,
      width: m.width,
      height: m.height,
      fps: m.fps,
      bitrateKbps: m.bitrateKbps,
      frames: m.frames,
      keyframes: m.keyframes,
      audioFrames: m.audioFrames,
      hasBFrames: m.hasBFrames,
      codecChanges: m.codecChanges,
      startedAt: this.startedAt,
      firstKeyframeAt: this.firstKeyframeAt,
      lastMediaAt: this.lastMediaMs ? new Date(this.lastMediaMs) : undefined,
      stalled: this.stalled,
      viewers: this.viewers,
      sinks: this.subscribers.length,
      keyframeRequests: this.keyframeRequests,
      congestionSkips: this.congestionSkips,
      closeCause: this.closeCause,
    };
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Idempotent: concurrent callers share one source.start(). Rejects (and closes the stream
   * with 'start-failed: …') when the source fails. The idle timer runs while nobody watches.
   */
  start(): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error(`stream ${this.id} is closed: ${this.closeCause}`));
    }
    if (this.startPromise) {
      return this.startPromise;
    }
    this.startedAt = new Date();
    if (this.viewers === 0) {
      this.armIdleTimer();
    }
    let started: Promise<void>;
    try {
      started = this.source.start(this);
    } catch (err) {
      // A source that throws instead of rejecting.
      started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.startPromise = started.then(
      () => {
        if (this.state !== 'closed') {
          this.armNoMediaTimer(this.noMediaTimeoutMs);
        }
      },
      (err: unknown) => {
        this.close(`start-failed: ${describeError(err)}`);
        throw err;
      },
    );
    return this.startPromise;
  }

  /** From ingest: update the GOP cache and info, then write to every sink, synchronously. */
  publish(au: AccessUnit): void {
    if (this.state === 'closed') {
      return;
    }
    const silentSinceMs = this.lastMediaMs;
    this.lastMediaMs = Date.now();
    if (this.state === 'starting') {
      this.state = 'live';
      this.armStallTimer(this.stallTimeoutMs);
    } else if (this.stalled) {
      this.stalled = false;
      this.emitMedia({ type: 'resumed', silentMs: this.lastMediaMs - silentSinceMs });
      this.armStallTimer(this.stallTimeoutMs);
    }
    const info = this.media.info;
    const video0 = info.videoCodec;
    const audio0 = info.audioCodec;
    const bFrames0 = info.hasBFrames;
    this.media.observe(au);
    if (info.videoCodec !== video0 || info.audioCodec !== audio0) {
      this.codecFound(video0, audio0);
    }
    const video = isVideoCodec(au.codec);
    if (video) {
      if (au.keyframe) {
        this.keyframeOfCodec = true;
        if (!this.firstKeyframeAt) {
          this.firstKeyframeAt = new Date(this.lastMediaMs);
          this.emitMedia({ type: 'first-keyframe', at: this.firstKeyframeAt });
        }
      } else if (!this.keyframeOfCodec) {
        // The device started (or restarted in a new codec) mid-GOP: ask for an IDR instead of
        // waiting a whole GOP.
        this.requestKeyframe();
      }
    }
    if (info.hasBFrames && !bFrames0) {
      this.emitMedia({ type: 'b-frames' });
    }
    const hasVideo = info.videoCodec !== undefined;
    this.gop.add(au, hasVideo);
    for (const sub of this.subscribers) {
      this.deliver(sub, au, video, hasVideo);
    }
  }

  /**
   * Adds a sink; replays the cached GOP to it at once so it starts at a keyframe. Starts the
   * source on demand. Returns the unsubscribe function (idempotent).
   */
  subscribe(sink: Sink, opts: SubscribeOptions = {}): Unsubscribe {
    if (this.state === 'closed') {
      safeClose(sink, 'stream-closed');
      return () => {};
    }
    const sub: Subscriber = { sink, viewer: opts.viewer ?? true, needsKeyframe: true, audioWaits: true };
    this.subscribers = [...this.subscribers, sub];
    if (sub.viewer) {
      this.viewers++;
      this.clearIdleTimer();
    }
    if (!this.startPromise) {
      this.start().catch(() => {});
    } // failure closes the stream, which closes this sink
    const cached = this.gop.snapshot().slice();
    const hasVideo = this.media.info.videoCodec !== undefined;
    for (const au of cached) {
      if (!this.subscribers.includes(sub)) {
        break;
      }
      this.deliver(sub, au, isVideoCodec(au.codec), hasVideo);
    }
    if (hasVideo && !this.gop.hasKeyframe && this.state === 'live') {
      this.requestKeyframe();
    }
    let done = false;
    return (reason, detail) => {
      if (done) {
        return;
      }
      done = true;
      this.remove(sub);
      if (reason !== undefined && reason !== 'viewer-left') {
        this.emitMedia({ type: 'sink-closed', sink: sink.id, reason, ...(detail ? { detail } : {}) });
      }
    };
  }

  /** See StreamInput.onMedia. A listener that throws is logged and kept. */
  onMedia(listener: StreamMediaListener): () => void {
    this.mediaListeners = [...this.mediaListeners, listener];
    return () => {
      this.mediaListeners = this.mediaListeners.filter((l) => l !== listener);
    };
  }

  /** Viewer activity from pull outputs (HLS requests): restarts the idle timer if it runs. */
  touch(): void {
    if (this.idleTimer) {
      this.armIdleTimer();
    }
  }

  /**
   * Asks the source for a keyframe, at most once per interval (browser PLI/FIR and new viewers
   * land here). With `sink`: that viewer lost its picture (PLI/FIR), so its video waits for the
   * next keyframe, the one this asks the device for; its audio goes on.
   */
  requestKeyframe(sink?: Sink): void {
    if (sink) {
      const sub = this.subscribers.find((s) => s.sink === sink);
      if (sub) {
        sub.needsKeyframe = true;
      }
    }
    if (this.state === 'closed' || !this.source.requestKeyframe) {
      return;
    }
    const now = Date.now();
    if (now - this.lastKeyframeRequestMs < this.keyframeIntervalMs) {
      return;
    }
    this.lastKeyframeRequestMs = now;
    this.keyframeRequests++;
    try {
      this.source.requestKeyframe();
    } catch (err) {
      this.log.warn({ stream: this.id, err }, 'requestKeyframe failed');
    }
  }

  /** Idempotent: stops the source, closes every sink with 'stream-closed', then calls onClose listeners. */
  close(cause: string): void {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    this.closeCause = cause;
    this.clearIdleTimer();
    this.clearNoMediaTimer();
    clearTimeout(this.stallTimer);
    this.log.info({ stream: this.id, cause }, 'stream closed');
    try {
      this.source.stop(cause);
    } catch (err) {
      this.log.warn({ stream: this.id, err }, 'source.stop threw');
    }
    const subs = this.subscribers;
    this.subscribers = [];
    this.viewers = 0;
    this.mediaListeners = [];
    this.gop.clear();
    for (const sub of subs) {
      safeClose(sub.sink, 'stream-closed');
    }
    for (const cb of this.closeListeners.splice(0)) {
      try {
        cb(cause);
      } catch (err) {
        this.log.error({ stream: this.id, err }, 'onClose listener threw');
      }
    }
  }

  /** Called once with the cause when the stream closes (at once if it already has). */
  onClose(cb: (cause: string) => void): void {
    if (this.state === 'closed') {
      cb(this.closeCause ?? 'closed');
    } else {
      this.closeListeners.push(cb);
    }
  }

  private deliver(sub: Subscriber, au: AccessUnit, video: boolean, hasVideo: boolean): void {
    // Video starts at a keyframe, even when audio reached this sink first (a camera that starts
    // with audio mid-GOP); audio waits for the video start once the stream is known to have video.
    if (video ? sub.needsKeyframe && !au.keyframe : sub.audioWaits && hasVideo) {
      return;
    }
    // A backed-up sink skips to the next keyframe: dropped frames, never a growing queue.
    if (sub.sink.isCongested?.()) {
      sub.needsKeyframe = sub.audioWaits = true;
      this.congestionSkips++;
      return;
    }
    if (video) {
      sub.needsKeyframe = sub.audioWaits = false;
    }
    try {
      sub.sink.write(au);
    } catch (err) {
      this.log.warn({ stream: this.id, sink: sub.sink.id, err }, 'sink write threw; closing it');
      this.remove(sub);
      safeClose(sub.sink, 'sink-error');
      this.emitMedia({
        type: 'sink-closed',
        sink: sub.sink.id,
        reason: 'sink-error',
        detail: describeError(err),
      });
    }
  }

  /**
   * A codec became known or changed. After a video change the cached GOP is the old codec's
   * and goes, and every sink waits for the new codec's first keyframe; listeners hear of it
   * before that access unit is written anywhere.
   */
  private codecFound(video0: VideoCodec | undefined, audio0: AudioCodec | undefined): void {
    const { videoCodec: video, audioCodec: audio } = this.media.info;
    const videoChanged = video0 !== undefined && video !== video0;
    const changed = videoChanged || (audio0 !== undefined && audio !== audio0);
    if (videoChanged) {
      this.gop.clear();
      this.keyframeOfCodec = false;
      for (const sub of this.subscribers) {
        sub.needsKeyframe = true;
      }
    }
    const e: StreamMediaEvent = { type: 'codec', ...definedCodecs(video, audio) };
    if (changed) {
      e.previous = definedCodecs(video0, audio0);
    }
    this.log.info(
      { stream: this.id, video, audio, previous: e.previous },
      changed ? 'codec changed' : 'codec',
    );
    this.emitMedia(e);
  }

  protected emitMedia(e: StreamMediaEvent): void {
    for (const listener of this.mediaListeners) {
      try {
        listener(e);
      } catch (err) {
        this.log.error({ stream: this.id, event: e.type, err }, 'media listener threw');
      }
    }
  }

  private remove(sub: Subscriber): void {
    if (!this.subscribers.includes(sub)) {
      return;
    }
    this.subscribers = this.subscribers.filter((s) => s !== sub);
    if (sub.viewer && --this.viewers === 0 && this.startPromise && this.state !== 'closed') {
      this.armIdleTimer();
    }
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (!Number.isFinite(this.idleStopMs)) {
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.viewers === 0) {
        this.close('idle');
      }
    }, this.idleStopMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
    }
    this.idleTimer = undefined;
  }

  /** One timer, re-armed lazily from lastMediaMs instead of being reset per access unit. */
  private armNoMediaTimer(delayMs: number): void {
    if (this.noMediaTimeoutMs <= 0) {
      return;
    }
    this.clearNoMediaTimer();
    this.noMediaTimer = setTimeout(() => {
      this.noMediaTimer = undefined;
      const since = this.lastMediaMs ? Date.now() - this.lastMediaMs : Infinity;
      if (!this.lastMediaMs || since >= this.noMediaTimeoutMs) {
        this.close('no-media');
      } else {
        this.armNoMediaTimer(this.noMediaTimeoutMs - since);
      }
    }, delayMs);
    this.noMediaTimer.unref();
  }

  /**
   * The stall check, re-armed lazily from lastMediaMs like the no-media timer; it stops once the
   * stream is stalled and starts again with the next access unit.
   */
  private armStallTimer(delayMs: number): void {
    if (this.stallTimeoutMs <= 0 || this.state === 'closed') {
      return;
    }
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const silentMs = Date.now() - this.lastMediaMs;
      if (silentMs >= this.stallTimeoutMs) {
        this.stalled = true;
        this.log.warn({ stream: this.id, silentMs }, 'stream stalled: no media from the camera');
        this.emitMedia({ type: 'stalled', silentMs });
      } else {
        this.armStallTimer(this.stallTimeoutMs - silentMs);
      }
    }, delayMs);
    this.stallTimer.unref();
  }

  private clearNoMediaTimer(): void {
    if (this.noMediaTimer) {
      clearTimeout(this.noMediaTimer);
    }
    this.noMediaTimer = undefined;
  }
}

function safeClose(sink: Sink, reason: CloseReason): void {
  try {
    sink.close(reason);
  } catch (err) {
    log.warn({ sink: sink.id, err }, 'sink close threw');
  }
}

function definedCodecs(
  video: VideoCodec | undefined,
  audio: AudioCodec | undefined,
): { video?: VideoCodec; audio?: AudioCodec } {
  return { ...(video ? { video } : {}), ...(audio ? { audio } : {}) };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
