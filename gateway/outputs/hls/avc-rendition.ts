// The H.264 variant of an H.265 camera's HLS, for browsers whose MSE has no H.265 decoder
// (docs/browser-notes.md §1): the transcoder's H.264 view of the camera (one ffmpeg, shared with
// WebRTC viewers that need H.264) feeds an HLS sink of its own, placed on the camera output's
// timeline so the variant plays with the camera's audio rendition. It starts when a player asks
// for one of its files and stops on its own: each request touches the view, and the view's
// hub closes (killing ffmpeg) a few seconds after the last one.
import { CLOCK_HZ } from '../../../codecs/types.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import type { AvcVariant, HlsOutput } from './hls-output.js';
import { HlsSink, type HlsSinkTarget } from './hls-sink.js';
import type { TrackStore } from './track-store.js';

/** What the rendition needs of the transcoder's H.264 view (a hub Stream). */
export interface H264View {
  readonly id: string;
  readonly closed?: boolean;
  subscribe(sink: Sink, opts?: { viewer?: boolean }): (reason?: CloseReason) => void;
  onClose(cb: (cause: string) => void): void;
  /** Pull clients' activity: restarts the view's idle timer. */
  touch?(): void;
}

export interface H264ViewSource<Camera> {
  h264View(camera: Camera): H264View;
}

export class AvcRendition<Camera> implements AvcVariant {
  /** Set from the first header; before, what the transcoder will write (codecFor). */
  private written: string | undefined;
  private view: H264View | undefined;
  private store: TrackStore | undefined;

  constructor(
    private readonly camera: Camera,
    private readonly transcoder: H264ViewSource<Camera>,
    private readonly output: HlsOutput,
    /** The codec string the transcoder writes for the camera's picture size (transcoder.ts h264LevelFor). */
    private readonly codecFor: (width: number, height: number) => string,
  ) {}

  get codecString(): string {
    return this.written ?? this.codecFor(this.output.info.width ?? 1920, this.output.info.height ?? 1080);
  }

  open(): TrackStore {
    if (!this.view || this.view.closed || !this.store) {
      this.start();
    }
    this.view!.touch?.();
    return this.store!;
  }

  private start(): void {
    const view = this.transcoder.h264View(this.camera);
    const store = this.output.newStore('avc', CLOCK_HZ);
    const target: HlsSinkTarget = {
      onInit: (track, init, info) => {
        if (track === 'video') {
          store.addInit(init);
          this.written = info.videoCodec;
        }
      },
      onPart: (track, part, wallAtZeroMs, msn) => {
        if (track === 'video') {
          store.addPart(part, wallAtZeroMs, msn);
        }
      },
      onSegmentEnd: () => store.closeSegment(),
      onEnd: () => store.end(),
    };
    const sink = new HlsSink(target, {
      id: `hls:${view.id}`,
      targetDurationSec: store.o.targetDurationSec,
      partTargetSec: store.o.partTargetSec,
      sharedTimeline: this.output.timeline,
      // the same segments as the camera's video and audio: same start frames, same numbers
      // (a transcoded frame's decode time is its source frame's presentation time)
      cutAt: (dts) => this.output.segmentAt(dts),
    });
    view.onClose(() => {
      sink.close('stream-closed');
      if (this.view === view) {
        this.view = undefined;
      }
    });
    this.view = view;
    this.store = store;
    view.subscribe(sink, { viewer: false }); // starts ffmpeg; HLS requests keep it alive (touch)
  }
}
