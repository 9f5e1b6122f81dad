// A MediaSource backed by a looping clip: live streams loop forever; playback and download
// streams play exactly the requested `t=` range (in media time, scaled) and then report the end,
// which the lower platform turns into MediaStatus 121 (docs/gb28181.md §8.2). PAUSE, PLAY, Scale and
// Range (docs/gb28181.md §8.1) map onto ClipPlayer.
import { CLOCK_HZ, type AccessUnit } from '../codecs/types.js';
import type { MediaRequest, MediaSource, MediaSourceInfo } from '../gateway/gb28181/lower/backend.js';
import { ClipPlayer } from '../gateway/outbound/clip-player.js';
import type { Clip } from './clip-loader.js';
import type { LiveStream } from '../gateway/device-settings.js';

export class ClipMediaSource implements MediaSource {
  readonly info: MediaSourceInfo;
  readonly #clip: Clip;
  readonly #request: MediaRequest;
  #player: ClipPlayer | undefined;
  /** Playback: media ticks the range lasts; undefined for live. */
  readonly #rangeTicks: number | undefined;
  /** DTS of the first AU emitted, and the position (ticks into the range) it stood for. */
  #originDts: number | undefined;
  #originPosition = 0;
  #pendingSeekTicks: number | undefined;
  #ended = false;
  #closed = false;
  #onClose: (() => void) | undefined;

  /** `stream`: the encoder stream this clip stands for (live), reported in the SDP answer. */
  constructor(clip: Clip, request: MediaRequest, onClose?: () => void, stream?: LiveStream) {
    this.#clip = clip;
    this.#request = request;
    this.#onClose = onClose;
    const { startMs, endMs } = request;
    this.#rangeTicks =
      request.kind !== 'live' && startMs !== undefined && endMs !== undefined && endMs > startMs
        ? ((endMs - startMs) / 1000) * CLOCK_HZ
        : undefined;
    this.info = {
      video: clip.video,
      audio: clip.audio,
      ...(request.kind === 'download' && this.#rangeTicks !== undefined
        ? { fileSizeBytes: Math.round((this.#rangeTicks / CLOCK_HZ) * 250_000) }
        : {}),
      ...(stream ? { stream } : {}),
    };
  }

  /** Seconds into the requested range (playback) or since start (live). */
  get positionSec(): number {
    return this.#originPosition / CLOCK_HZ;
  }

  get isPaused(): boolean {
    return this.#player !== undefined && !this.#player.isPlaying;
  }

  get scale(): number {
    return this.#player?.scale ?? this.#request.scale;
  }

  start(onAccessUnit: (au: AccessUnit) => void, onEnd: () => void): void {
    if (this.#player || this.#closed) {
      return;
    }
    this.#player = new ClipPlayer({
      clip: this.#clip.accessUnits,
      scale: validScale(this.#request.scale),
      onAccessUnit: (au) => {
        if (this.#closed || this.#ended) {
          return;
        }
        this.#track(au.dts);
        if (this.#rangeTicks !== undefined && this.#originPosition >= this.#rangeTicks) {
          this.#ended = true;
          this.#player?.stop();
          onEnd();
          return;
        }
        onAccessUnit(au);
      },
    });
    this.#player.start();
  }

  pause(): void {
    this.#player?.pause();
  }

  resume(): void {
    this.#player?.resume();
  }

  seek(positionSec: number): void {
    if (!Number.isFinite(positionSec) || positionSec < 0) {
      return;
    }
    this.#pendingSeekTicks = positionSec * CLOCK_HZ;
    this.#player?.forceKeyframe();
  }

  setScale(scale: number): void {
    this.#player?.setScale(validScale(scale));
  }

  forceKeyframe(): void {
    this.#player?.forceKeyframe();
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#player?.stop();
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }

  /** Advances the range position by the DTS progress; a pending seek re-bases it. */
  #track(dts: number): void {
    if (this.#originDts === undefined || this.#pendingSeekTicks !== undefined) {
      this.#originPosition = this.#pendingSeekTicks ?? this.#originPosition;
      this.#pendingSeekTicks = undefined;
      this.#originDts = dts;
      return;
    }
    this.#originPosition += dts - this.#originDts;
    this.#originDts = dts;
  }
}

/** Reverse play (negative Scale) is played forward at the same speed; 0 or junk means 1. */
function validScale(scale: number): number {
  const s = Math.abs(scale);
  return Number.isFinite(s) && s > 0 ? Math.min(s, 64) : 1;
}
