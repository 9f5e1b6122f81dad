// The operator-control surface the HTTP API drives (docs/api.md "Control and device management"):
// the PTZ keyboard beyond moves and presets, device commands, device configuration and per-device
// settings. The upper platform implements it (gateway/gb28181/upper/); JSON field names here are
// a contract.
import type { CharsetSetting, GbEdition, LiveStream, StreamSelection } from '../device-settings.js';
import type { MediaTransportName } from '../store/device-store.js';
import type { DeviceDetail } from './services.js';

export interface PresetView {
  index: number;
  /** PresetName when the device sent one. */
  name: string | null;
}

/** Cruise (tour) control: PTZCmd 0x84-0x88; 'stop' is the PTZ stop (docs/gb28181.md §5.2). */
export interface CruiseRequest {
  action: 'add' | 'delete' | 'speed' | 'dwell' | 'start' | 'stop';
  /** Cruise group (tour) number, 0-255. */
  group: number;
  /** add: preset to append (1-255); delete: preset to remove, 0 or absent = the whole cruise. */
  preset?: number;
  /** speed: 0-4095; dwell: seconds 0-4095. */
  value?: number;
}

/** Auto-scan: PTZCmd 0x89/0x8A; 'stop' is the PTZ stop. */
export interface ScanRequest {
  action: 'start' | 'left' | 'right' | 'speed' | 'stop';
  group: number;
  /** speed: 0-4095. */
  value?: number;
}

export interface AuxRequest {
  /** Auxiliary switch number (1 = wiper, GB/T 28181-2016 Table A.11). */
  index: number;
  on: boolean;
}

/** DragZoomIn/Out (docs/gb28181.md §5.3): a box drawn on the picture, in the player's pixels. */
export interface DragZoomRequest {
  direction: 'in' | 'out';
  /** Player width (px), written as <Length>. */
  length: number;
  /** Player height (px), written as <Width>. */
  width: number;
  midPointX: number;
  midPointY: number;
  lengthX: number;
  lengthY: number;
}

export interface HomePositionRequest {
  enabled: boolean;
  resetTimeSec: number;
  presetIndex: number;
}

/** 2022 PTZPreciseCtrl: absolute position; an axis left out stays where it is. */
export interface PtzPreciseRequest {
  /** Degrees. */
  pan?: number;
  /** Degrees. */
  tilt?: number;
  /** Zoom factor. */
  zoom?: number;
}

export interface PtzPositionView {
  pan: number | null;
  tilt: number | null;
  zoom: number | null;
  horizontalFieldAngle: number | null;
  verticalFieldAngle: number | null;
  maxViewDistance: number | null;
}

/** ConfigDownload BasicParam as the device answered it. */
export interface BasicParamView {
  type: 'BasicParam';
  name: string | null;
  /** Registration lifetime, seconds. */
  expiration: number | null;
  /** Keepalive interval, seconds. */
  heartbeatInterval: number | null;
  heartbeatCount: number | null;
  sipServerId: string | null;
  sipServerIp: string | null;
  sipServerPort: number | null;
  domainName: string | null;
}

/** DeviceConfig BasicParam: the fields to change. */
export interface BasicParamUpdate {
  name?: string;
  expiration?: number;
  heartbeatInterval?: number;
  heartbeatCount?: number;
}

/** PATCH /api/devices/:deviceId. null clears a setting back to the gateway's default. */
export interface DeviceSettingsUpdate {
  /** Digest password of this device; null: the global one. */
  password?: string | null;
  charset?: CharsetSetting;
  /** Media transport tried first; null: the fallback order (the last one that worked first). */
  transport?: MediaTransportName | null;
  /** Address written in SDP c= for this device; null: --public-ip. */
  mediaIp?: string | null;
  defaultStream?: LiveStream;
  /** How a sub-stream wish is written in the INVITE (docs/gb28181.md §7.5). Default 'all'. */
  streamSelection?: StreamSelection;
  /** For 2022 devices that do not send X-GB-Ver. */
  gbVersion?: GbEdition | null;
}

export interface ControlServices {
  presets(deviceId: string, channelId: string): Promise<PresetView[]>;
  cruise(deviceId: string, channelId: string, request: CruiseRequest): Promise<void>;
  scan(deviceId: string, channelId: string, request: ScanRequest): Promise<void>;
  aux(deviceId: string, channelId: string, request: AuxRequest): Promise<void>;
  dragZoom(deviceId: string, channelId: string, request: DragZoomRequest): Promise<void>;
  homePosition(deviceId: string, channelId: string, request: HomePositionRequest): Promise<void>;
  /** RecordCmd Record / StopRecord: recording on the device itself. */
  deviceRecording(deviceId: string, channelId: string, action: 'start' | 'stop'): Promise<void>;
  /** IFameCmd: the channel's next frame is a keyframe. */
  keyframe(deviceId: string, channelId: string): Promise<void>;
  /** 2022 devices only (GW_ERR_DEVICE_UNSUPPORTED otherwise). */
  ptzPrecise(deviceId: string, channelId: string, request: PtzPreciseRequest): Promise<void>;
  ptzPosition(deviceId: string, channelId: string): Promise<PtzPositionView>;
  /** TeleBoot. */
  reboot(deviceId: string): Promise<void>;
  /** ConfigDownload; the keepalive timing it reports becomes the device's for offline detection. */
  readConfig(deviceId: string, type: 'BasicParam'): Promise<BasicParamView>;
  /** DeviceConfig BasicParam. */
  writeConfig(deviceId: string, update: BasicParamUpdate): Promise<void>;
  updateDevice(deviceId: string, update: DeviceSettingsUpdate): Promise<DeviceDetail>;
  /** Ends the device's streams (BYE) and forgets it and its channels until it registers again. */
  forgetDevice(deviceId: string): Promise<void>;
}
