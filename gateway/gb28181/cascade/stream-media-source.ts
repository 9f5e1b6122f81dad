// A MediaSource (lower/backend.ts) over one of our own streams: the upper platform's INVITE
// becomes one more viewer of the Stream hub, so a channel already playing here is joined, not
// invited twice (docs/architecture.md §3). Access units arrive in real time from the hub, starting at
// the cached GOP's keyframe. The hub closing ends the upper's dialog: a playback that reached its
// end ('end-of-file', MediaStatus 121 from our device) as end of file (docs/gb28181.md §8.2), any
// other cause as a failure, answered with BYE (docs/gb28181.md §7.3).
import type { AccessUnit } from '../../../codecs/types.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaSource, MediaSourceInfo } from '../lower/backend.js';

/** Playback control forwarded to our device's dialog (MANSRTSP, docs/gb28181.md §8.1). */
export interface PlaybackControls {
  pause(): void;
  resume(): void;
  seek(positionSec: number): void;
  setScale(scale: number): void;
}

export interface StreamMediaSourceOptions {
  stream: Stream;
  /** Sink ID for logs (`cascade:<upper>:<channel>`). */
  id: string;
  /** Playback and download end with MediaStatus 121 on 'end-of-file'; live never does. */
  kind: 'live' | 'playback';
  controls?: PlaybackControls;
  /** After the upper's dialog ended: e.g. stop a playback stream nobody else asked for. */
  onClose?(): void;
}

export class StreamMediaSource implements MediaSource {
  readonly info: MediaSourceInfo;
  readonly #o: StreamMediaSourceOptions;
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  readonly stats = { accessUnits: 0 };

  constructor(opts: StreamMediaSourceOptions) {
    this.#o = opts;
    const info = opts.stream.info;
    // Our play answered once the video codec was known (play-session.ts); H.264 is the guess
    // otherwise, and the PS sender re-learns the codecs from the access units either way.
    this.info = { video: info.videoCodec ?? 'H264', audio: info.audioCodec ?? null };
  }

  get streamId(): string {
    return this.#o.stream.id;
  }

  start(onAccessUnit: (au: AccessUnit) => void, onEnd: () => void, onError?: (reason: string) => void): void {
    if (this.#closed || this.#unsubscribe) {
      return;
    }
    const { stream } = this.#o;
    stream.onClose((cause) => {
      if (this.#closed) {
        return;
      }
      if (this.#o.kind === 'playback' && cause === 'end-of-file') {
        onEnd();
      } else {
        onError?.(`our stream ${stream.id} closed: ${cause}`);
      }
    });
    this.#unsubscribe = stream.subscribe(
      {
        id: this.#o.id,
        write: (au) => {
          this.stats.accessUnits++;
          onAccessUnit(au);
        },
        // The stream's own close is reported through onClose above, with its cause.
        close: () => {},
      },
      { viewer: true },
    );
  }

  pause(): void {
    this.#o.controls?.pause();
  }

  resume(): void {
    this.#o.controls?.resume();
  }

  seek(positionSec: number): void {
    this.#o.controls?.seek(positionSec);
  }

  setScale(scale: number): void {
    this.#o.controls?.setScale(scale);
  }

  /** IFameCmd from the upper: ask our device, rate-limited by the hub. */
  forceKeyframe(): void {
    this.#o.stream.requestKeyframe();
  }

  /** Leaves the hub: the stream stops after its idle grace only when nobody else watches. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#unsubscribe?.();
    this.#o.onClose?.();
  }
}
