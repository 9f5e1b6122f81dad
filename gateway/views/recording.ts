// The cloud-recording domain as the API sees it (types only): plans per channel, the index of
// recorded files, and the file behind a recording. gateway/recording/ implements it. JSON
// field names are a contract (docs/recording.md §7, the second-wave API contract).
import type { RecordingPlan, RecordingReason } from '../store/recording-store.js';

export type {
  RecordingPlan,
  RecordingReason,
  ScheduleRange,
  RecordingMode,
} from '../store/recording-store.js';

/**
 * What the recorder does for the channel now. idle: the plan does not record at this time;
 * armed: alarm plan, the stream is pulled and the pre-alarm ring fills; recording; retrying:
 * the stream could not be pulled (device offline...), retried with backoff; failed: the disk
 * refused a write (full, read-only), recording stopped until it is writable again.
 */
export type RecorderState = 'off' | 'idle' | 'armed' | 'recording' | 'retrying' | 'failed';

export interface RecordingPlanView extends RecordingPlan {
  state: RecorderState;
  error: string | null;
}

export interface RecordingView {
  recordingId: string;
  deviceId: string;
  channelId: string;
  /** ISO 8601. */
  start: string;
  end: string;
  bytes: number;
  reason: RecordingReason;
  /** The file is still being written. */
  open: boolean;
}

export interface RecordingQuery {
  deviceId?: string;
  channelId?: string;
  start?: Date;
  end?: Date;
}

export interface RecordingServices {
  getPlan(deviceId: string, channelId: string): RecordingPlanView;
  setPlan(deviceId: string, channelId: string, plan: RecordingPlan): RecordingPlanView;
  list(q: RecordingQuery): RecordingView[];
  /** Absolute path of a recording's file, or undefined when there is none. */
  filePath(recordingId: string): string | undefined;
  /** One MP4 of the range, assembled as it is read (no temporary copy). */
  exportRange(deviceId: string, channelId: string, start: Date, end: Date): AsyncIterable<Uint8Array>;
  /**
   * An HLS VOD media playlist of the range over the stored files; `fileUrl` names a recording's
   * file (or a view of it). `audio`: some file has an audio track; `peakBps`: the highest bit
   * rate of one segment.
   */
  playlist(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    fileUrl: (recordingId: string) => string,
  ): Promise<{ text: string; segments: number; seconds: number; audio: boolean; peakBps: number }>;
}

/** Device-record downloads (gateway/recording/downloads.ts). */
export interface DownloadView {
  downloadId: string;
  state: 'running' | 'done' | 'failed';
  /** Media time received against the requested range, 0-1, never falling. */
  progress: number;
  bytes: number;
  mediaSeconds: number;
  error?: string;
}

export interface DownloadServices {
  /** Throws GatewayError GW_ERR_DOWNLOAD_LIMIT when the bound of running downloads is reached. */
  start(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    speed: number,
  ): Promise<{ downloadId: string }>;
  get(downloadId: string): DownloadView | undefined;
  filePath(downloadId: string): string | undefined;
}

/** JPEG snapshots of a channel's newest keyframe (gateway/outputs/snapshot/). */
export interface SnapshotServices {
  snapshot(deviceId: string, channelId: string): Promise<Uint8Array>;
}

/** What the recorder reports to metrics (gateway/metrics/recording.ts). */
export interface RecordingObserver {
  written(bytes: number, latencyMs: number): void;
  writeError(code: string): void;
  deleted(reason: 'quota' | 'days' | 'free-space'): void;
}
