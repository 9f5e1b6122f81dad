// The stream hub's public shapes: what drives a stream (StreamSource), how it is configured,
// and what it reports (StreamInfo) to the API, metrics and WebRTC/HLS outputs.
import type { AccessUnit } from '../../codecs/types.js';
import type { StreamMediaListener } from './media-events.js';
import type { MediaInfo } from './media-info.js';

/** What a source writes into: the stream hub's input side (Stream implements it). */
export interface StreamInput {
  readonly id: string;
  /** One access unit, in decode order; fanned out synchronously. */
  publish(au: AccessUnit): void;
  /**
   * The hub's reports on the media (codec found or changed, first keyframe, B-frames, sinks
   * that left with a reason): how the source's owner learns what its media turned out to be.
   * Returns the function that stops listening.
   */
  onMedia(listener: StreamMediaListener): () => void;
}

/** What drives a stream: the GB28181 session layer (INVITE/BYE), or a fake in tests. */
export interface StreamSource {
  /** E.g. INVITE. Rejects with an Error (carrying a cause) when the stream cannot start. */
  start(input: StreamInput): Promise<void>;
  /** E.g. BYE. Idempotent. */
  stop(reason: string): void;
  /** GB28181 IFameCmd (DeviceControl). */
  requestKeyframe?(): void;
}

export interface StreamOptions {
  /** `${deviceId}/${channelId}` for live streams. */
  id: string;
  source: StreamSource;
  /** Grace after the last viewer leaves (or after start with no viewer) before close('idle'). Default 30000; Infinity never stops. */
  idleStopMs?: number;
  /** No access unit for this long after start closes the stream with 'no-media'. Default 15000; 0 disables. */
  noMediaTimeoutMs?: number;
  /**
   * A live stream silent this long is 'stalled' (onMedia), long before the no-media timeout: the
   * camera is probably gone, and viewers are told at once. Default 0 (off).
   */
  stallTimeoutMs?: number;
  /** Default 2000. Browsers send PLI/FIR in bursts; the device gets at most one request per interval. */
  keyframeRequestMinIntervalMs?: number;
  /** GOP cache bound. Default 16 MiB. */
  maxGopBytes?: number;
  /** GOP cache bound. Default 1500 access units. */
  maxGopAccessUnits?: number;
  /** Added to every log line of this stream (a viewer worker's replica names its worker). */
  logFields?: Record<string, unknown>;
}

export interface SubscribeOptions {
  /** Default true: the sink counts as a viewer for on-demand start/stop. HLS sinks pass false and call touch(). */
  viewer?: boolean;
}

export type StreamState = 'starting' | 'live' | 'closed';

/** What the stream reports: the media derived from its access units, plus its own lifecycle. */
export interface StreamInfo extends MediaInfo {
  state: StreamState;
  startedAt?: Date;
  firstKeyframeAt?: Date;
  lastMediaAt?: Date;
  /** No media for the stall timeout since the stream went live (until media comes again). */
  stalled: boolean;
  viewers: number;
  sinks: number;
  keyframeRequests: number;
  /** Times a backed-up sink (isCongested) was skipped to the next keyframe: frames dropped for one slow viewer. */
  congestionSkips: number;
  closeCause?: string;
}
