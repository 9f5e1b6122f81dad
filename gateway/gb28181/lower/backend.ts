// The seam between the GB/T 28181 lower-platform role (protocol: SIP, MANSCDP, SDP, RTP) and what
// it serves (content: channels, recordings, PTZ, media). The simulator implements it with
// synthetic cameras; the gateway's cascade role will implement it with its own devices. Every
// method may answer synchronously or with a promise, so a cascade backend can ask further down.
import type { AccessUnit, AudioCodec, VideoCodec } from '../../../codecs/types.js';
import type { LiveStream } from '../../device-settings.js';
import type { DeviceControlCommand } from '../manscdp/control.js';
import type { PtzPositionValues } from '../manscdp/ptz-position.js';
import type { AudioFrame } from '../../talk/audio-frame.js';
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

/**
 * A channel's loudspeaker during a voice broadcast (docs/voice.md §6): the simulator decodes and
 * measures what it is given; the cascade relays it to its own device.
 */
export interface Speaker {
  /** 20 ms of G.711 as received (raw RTP payload or the audio of a PS pack). */
  write(frame: AudioFrame): void;
  /** The broadcast ended (BYE from either side). Idempotent. */
  close(reason: string): void;
}

export type MaybePromise<T> = T | Promise<T>;

/** One alarm a lower platform reports (GB/T 28181-2016 §9.4, A.2.5; docs/gb28181.md §9). */
export interface LowerAlarm {
  /** The body's DeviceID: the channel or alarm input that raised it (or the platform's own ID). */
  sourceId: string;
  /** 1 (highest) - 4. */
  priority: number;
  /** 1 telephone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other. */
  method: number;
  /** AlarmType within the method, when it has one. */
  type?: number;
  /** Epoch ms; written as the device's wall clock. */
  timeMs: number;
  description?: string;
  longitude?: number;
  latitude?: number;
}

/** One MobilePosition report (GB/T 28181-2016 §9.11.2, A.2.5; docs/gb28181.md §9). */
export interface LowerPosition {
  channelId: string;
  /** Epoch ms of the fix; written as the device's wall clock. */
  timeMs: number;
  longitude: number;
  latitude: number;
  /** km/h */
  speed?: number;
  /** Degrees clockwise from north. */
  direction?: number;
  /** Metres. */
  altitude?: number;
}

/** The DeviceControl commands answered by the backend rather than by the protocol side. */
/** The DeviceControl commands deviceControl() receives (docs/gb28181.md §5.3, §5.4). */
export type LowerDeviceCommand = Extract<
  DeviceControlCommand,
  { type: 'RecordCmd' | 'HomePosition' | 'DragZoom' | 'PTZPrecise' | 'TeleBoot' }
>;

export type LowerAlarmControl =
  | { type: 'GuardCmd'; action: 'SetGuard' | 'ResetGuard' }
  | { type: 'AlarmCmd'; alarmMethod?: number; alarmType?: number };

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
   * The device commands beyond PTZ and alarms (RecordCmd, HomePosition, DragZoom, PTZPreciseCtrl,
   * TeleBoot) for a backend that acts on them; false answers <Result>ERROR</Result> where the
   * command has a Result. Optional: without it every command is accepted and ignored.
   */
  deviceControl?(channelId: string, command: LowerDeviceCommand): MaybePromise<boolean>;
  /** 2022 PTZPosition; optional: without it the query gets no answer, as from a 2016 device. */
  ptzPosition?(channelId: string): MaybePromise<PtzPositionValues | undefined>;
  /**
   * A Broadcast notify for `targetId` (a channel or the device): the speaker to play it on, or a
   * refusal (answered `<Result>ERROR</Result>`). Absent: the device has no speaker.
   */
  openSpeaker?(targetId: string, sourceId: string): MaybePromise<Speaker | MediaRefusal>;
  /**
   * The newest position of each channel that has one, for MobilePosition subscriptions (sent at
   * the subscribed interval). Absent: no positions.
   */
  positions?(): MaybePromise<readonly LowerPosition[]>;
  /**
   * GuardCmd / AlarmCmd for `targetId` (the platform's ID, a channel or an alarm input); the
   * Result the <Response> carries (docs/gb28181.md §5.1). Absent: answered OK.
   */
  control?(targetId: string, command: LowerAlarmControl): MaybePromise<'OK' | 'ERROR'>;
}

export const isMediaRefusal = <T extends object>(x: T | MediaRefusal): x is MediaRefusal =>
  'refused' in x && x.refused === true;
