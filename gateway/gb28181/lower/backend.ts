// The seam between the GB/T 28181 lower-platform role (protocol: SIP, MANSCDP, SDP, RTP) and what
// it serves (content: channels, recordings, PTZ, media). The simulator implements it with
// synthetic cameras; the gateway's cascade role will implement it with its own devices. Every
// method may answer synchronously or with a promise, so a cascade backend can ask further down.
import type { AccessUnit, AudioCodec, VideoCodec } from '../../../codecs/types.js';
import type { LiveStream } from '../../device-settings.js';
import type { DeviceControlCommand } from '../manscdp/control.js';
import type { PtzPositionValues } from '../manscdp/ptz-position.js';
import type { PtzCommand } from '../ptz.js';

/** DeviceInfo response content (docs/gb28181.md §4). */
export interface LowerDeviceInfo {
  deviceName: string;
  manufacturer: string;
  model: string;
  firmware: string;
}

/** DeviceStatus response content (docs/gb28181.md §4). */
export interface LowerDeviceStatus {
  online: boolean;
  /** false ⇒ `<Status>ERROR</Status>`. */
  ok: boolean;
  encode: boolean;
  record: boolean;
}

/** One catalog item (docs/gb28181.md §3.3). Only `channelId` and `name` are required. */
export interface LowerChannel {
  channelId: string;
  name: string;
  manufacturer?: string;
  model?: string;
  owner?: string;
  civilCode?: string;
  address?: string;
  /** Parent node: the device ID for an NVR channel. */
  parentId?: string;
  /** 1 dome, 2 half-dome, 3 fixed, 4 remote bullet. */
  ptzType?: number;
  online: boolean;
  longitude?: number;
  latitude?: number;
  /**
   * A directory node rather than a camera: a business group (type 215) or virtual organisation
   * (216) of a cascade's virtual directory (docs/gb28181.md §3.4). Written as `<Parental>1</Parental>`.
   */
  parental?: boolean;
  /** `<BusinessGroupID>` of an item below a business group (2016 §A.2.6 itemType). */
  businessGroupId?: string;
}

export type LowerRecordType = 'time' | 'alarm' | 'manual';

/** One RecordInfo item (docs/gb28181.md §6). Times are epoch milliseconds. */
export interface LowerRecord {
  channelId: string;
  name: string;
  startMs: number;
  endMs: number;
  type: LowerRecordType;
  filePath?: string;
  fileSizeBytes?: number;
}

export interface LowerPreset {
  index: number;
  name: string;
}

/** What an INVITE asks for (docs/gb28181.md §7): `s=Play`, `s=Playback`, `s=Download`. */
export interface MediaRequest {
  kind: 'live' | 'playback' | 'download';
  /** Playback/download range from `t=`, epoch milliseconds. */
  startMs?: number;
  endMs?: number;
  /** Playback speed; download uses `a=downloadspeed`. 1 = real time. */
  scale: number;
  /** live: the encoder stream the INVITE asked for in any dialect (docs/gb28181.md §7.5); main when none. */
  stream?: LiveStream;
}

/** Codec description of a media source, for the SDP answer and the PS stream map. */
export interface MediaSourceInfo {
  video: VideoCodec;
  audio: AudioCodec | null;
  /** `a=filesize:` in a download answer (docs/gb28181.md §7.4). */
  fileSizeBytes?: number;
  /** live: the encoder stream actually served (a device without a sub-stream serves main). */
  stream?: LiveStream;
}

/**
 * A running source of access units for one INVITE dialog. The lower platform owns the RTP side and
 * calls these from its MANSRTSP handling (docs/gb28181.md §8.1); the source owns timing.
 */
export interface MediaSource {
  readonly info: MediaSourceInfo;
  /**
   * Begin delivering. `onAccessUnit` is called in real time (scaled) with continuous timestamps;
   * `onEnd` once when a playback/download range is exhausted (the platform then sends MediaStatus 121).
   * `onError` once when the source fails for good (a cascade's own device went away): the
   * platform then ends the dialog with BYE, as a device does on a stream error (docs/gb28181.md §7.3).
   */
  start(onAccessUnit: (au: AccessUnit) => void, onEnd: () => void, onError?: (reason: string) => void): void;
  pause(): void;
  resume(): void;
  /** Seek to `positionSec` after the requested start (`Range: npt=379-`). */
  seek(positionSec: number): void;
  /** Playback speed (`Scale: 2.0`); negative values may be treated as their absolute value. */
  setScale(scale: number): void;
  /** Next access unit is a keyframe (IFameCmd, docs/gb28181.md §5.3). */
  forceKeyframe(): void;
  /** Idempotent. */
  close(): void;
}

export type MaybePromise<T> = T | Promise<T>;

/** Errors as data: a backend refuses with a SIP status (404 no channel, 486 busy, 488 unsupported). */
export interface MediaRefusal {
  refused: true;
  status: number;
  reason?: string;
}

export interface LowerBackend {
  deviceInfo(): MaybePromise<LowerDeviceInfo>;
  deviceStatus(): MaybePromise<LowerDeviceStatus>;
  channels(): MaybePromise<readonly LowerChannel[]>;
  /** Recordings of a channel overlapping [startMs, endMs], oldest first. */
  records(channelId: string, startMs: number, endMs: number): MaybePromise<readonly LowerRecord[]>;
  /** A DeviceControl PTZCmd for a channel (docs/gb28181.md §5.2); no MANSCDP answer is sent. */
  ptz(channelId: string, command: PtzCommand): MaybePromise<void>;
  presets(channelId: string): MaybePromise<readonly LowerPreset[]>;
  /** IFameCmd: the next access unit of every open source of this channel is a keyframe. */
  forceKeyframe(channelId: string): MaybePromise<void>;
  openMedia(channelId: string, request: MediaRequest): MaybePromise<MediaSource | MediaRefusal>;
  /**
   * The other DeviceControl commands (RecordCmd, HomePosition, DragZoom, PTZPreciseCtrl, TeleBoot,
   * GuardCmd, AlarmCmd) for a backend that acts on them; false answers <Result>ERROR</Result>
   * where the command has a Result. Optional: without it every command is accepted and ignored.
   */
  control?(channelId: string, command: DeviceControlCommand): MaybePromise<boolean>;
  /** 2022 PTZPosition; optional: without it the query gets no answer, as from a 2016 device. */
  ptzPosition?(channelId: string): MaybePromise<PtzPositionValues | undefined>;
}

export const isMediaRefusal = (x: MediaSource | MediaRefusal): x is MediaRefusal =>
  'refused' in x && x.refused === true;
