// The HLS outputs of one process's streams. On demand (the default), a stream gets its output at
// the first HLS request and loses it `idleMs` after the last one: the output subscribes to the
// hub like any sink, so the GOP cache gives it the current GOP at once and the first segment is
// complete at the next keyframe. A wall of WebRTC tiles then pays nothing for HLS: no muxing
// and no window of segments (7 MB a stream at 4 Mbit/s, docs/performance.md §2). `always`
// builds the output with the stream, for operators whose players must find a full window at
// their first request. An H.265 camera's output also offers an H.264 variant when transcoding
// is on (avc-rendition.ts), transcoded only while someone plays it.
import type { Stream } from '../hub/stream.js';
import { createLogger } from '../log.js';
import { AvcRendition } from '../outputs/hls/avc-rendition.js';
import { HlsOutput } from '../outputs/hls/hls-output.js';
import { h264LevelFor, type H265Transcoder } from '../outputs/webrtc/transcoder.js';

const log = createLogger('gateway:hls');

export interface HlsOutputsOptions {
  segmentSec: number;
  /** Unset: every stream has its output from its start to its end. */
  onDemand?: { idleMs: number };
  transcoder?: H265Transcoder;
}

interface Held {
  readonly out: HlsOutput;
  readonly drop: () => void;
  lastRequestMs: number;
  /** Checks, `idleMs` after the last request it knew of, whether another came since (on demand only). */
  idle?: NodeJS.Timeout;
}

export class HlsOutputs {
  readonly #held = new Map<string, Held>();
  readonly #o: HlsOutputsOptions;
  /** Outputs built and dropped, for tests and logs. */
  readonly counters = { built: 0, dropped: 0 };

  constructor(o: HlsOutputsOptions) {
    this.#o = o;
  }

  /** A new hub: in `always` mode its output starts now; in any mode it goes when the hub closes. */
  attach(stream: Stream): void {
    stream.onClose(() => this.#drop(stream.id));
    if (!this.#o.onDemand) {
      this.#build(stream);
    }
  }

  /** The output an HLS request for `stream` reads, built if needed; its idle time starts anew. */
  forRequest(stream: Stream | undefined): HlsOutput | undefined {
    if (!stream || stream.closed) {
      return undefined;
    }
    const held = this.#held.get(stream.id) ?? this.#build(stream);
    held.lastRequestMs = Date.now();
    return held.out;
  }

  /** Whether `streamId` has an HLS output now. */
  has(streamId: string): boolean {
    return this.#held.has(streamId);
  }

  #build(stream: Stream): Held {
    const out = new HlsOutput({ targetDurationSec: this.#o.segmentSec, id: stream.id });
    const t = this.#o.transcoder;
    if (t) {
      out.setAvcVariant(new AvcRendition(stream, t, out, (w, h) => h264LevelFor(w, h).codecString));
    }
    const offMedia = stream.onMedia((e) => out.mediaEvent(e));
    const unsubscribe = stream.subscribe(out.sink, { viewer: false });
    const held: Held = {
      out,
      lastRequestMs: Date.now(),
      drop: () => {
        offMedia();
        unsubscribe();
        out.close();
      },
    };
    this.#held.set(stream.id, held);
    this.counters.built++;
    if (this.#o.onDemand) {
      this.#armIdle(stream.id, held, this.#o.onDemand.idleMs);
    }
    return held;
  }

  /** One timer per output, re-armed for the rest of the idle time rather than per request. */
  #armIdle(streamId: string, held: Held, idleMs: number): void {
    const waitMs = Math.max(0, held.lastRequestMs + idleMs - Date.now());
    held.idle = setTimeout(() => {
      if (Date.now() - held.lastRequestMs < idleMs) {
        this.#armIdle(streamId, held, idleMs);
        return;
      }
      log.debug({ stream: streamId, idleMs }, 'no HLS request for the idle time: HLS output dropped');
      this.#drop(streamId);
    }, waitMs);
    held.idle.unref();
  }

  #drop(streamId: string): void {
    const held = this.#held.get(streamId);
    if (!held) {
      return;
    }
    this.#held.delete(streamId);
    clearTimeout(held.idle);
    held.drop();
    this.counters.dropped++;
  }
}
