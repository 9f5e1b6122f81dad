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
  /** Constrained Baseline (what the transcoder writes) at level 3.1 until the first header says. */
  codecString = 'avc1.42C01F';
  private view: H264View | undefined;
  private store: TrackStore | undefined;

  constructor(
    private readonly camera: Camera,
    private readonly transcoder: H264ViewSource<Camera>,
    private readonly output: HlsOutput,
  ) {}

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
          this.codecString = info.videoCodec;
        }
      },
      onPart: (track, part, wallAtZeroMs) => {
        if (track === 'video') {
          store.addPart(part, wallAtZeroMs);
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
