// The surface the HTTP API drives. The upper platform (gateway/gb28181/upper/) implements it;
// API tests use an in-memory fake. JSON field names here are a contract (docs/api.md).
import type { LiveStream } from '../device-settings.js';
import type {
  ChannelRecord,
  DeviceSettings,
  MediaTransportName,
  SipTransportName,
} from '../store/device-store.js';

export interface DeviceView {
  deviceId: string;
  name: string | null;
  manufacturer: string | null;
  model: string | null;
  transport: SipTransportName;
  remoteAddress: string | null;
  online: boolean;
  registeredAt: string | null;
  lastKeepaliveAt: string | null;
  channelCount: number;
}

export interface DeviceDetail extends DeviceView {
  firmware: string | null;
  mediaTransport: MediaTransportName | null;
  /** Last DeviceInfo / DeviceStatus answers, when known. */
  info?: Record<string, string>;
  status?: Record<string, string>;
  /** Per-device settings (PATCH /api/devices/:deviceId) and what the device reported of itself. */
  settings: DeviceSettings;
}

export type ChannelView = Omit<ChannelRecord, 'deviceId' | 'updatedAt' | 'parental' | 'businessGroupId'> & {
  businessGroupId: string | null;
  parental: boolean;
};

export type StreamKind = 'live' | 'playback' | 'download';

export interface StreamView {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: StreamKind;
  transport: MediaTransportName;
  codec: { video: string | null; audio: string | null };
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  packetsLost: number;
  viewers: { webrtc: number; hls: number };
  startedAt: string | null;
  state: 'starting' | 'live' | 'closed';
  /** Live: the encoder stream asked for; null for playback and download. */
  stream: LiveStream | null;
  /**
   * Live: the stream the device's 200 named (a=streamnumber and the vendor forms, docs/gb28181.md
   * §7.5); null when the answer named none, so which stream came is not known.
   */
  answeredStream: LiveStream | null;
}

export interface RecordItem {
  start: string;
  end: string;
  name: string | null;
  filePath: string | null;
  type: string | null;
  secrecy: string | null;
}

export type PtzRequest =
  | {
      command:
        | 'left'
        | 'right'
        | 'up'
        | 'down'
        | 'upleft'
        | 'upright'
        | 'downleft'
        | 'downright'
        | 'zoomin'
        | 'zoomout'
        | 'stop'
        // Focus and iris (the FI instruction, docs/gb28181.md §5.2); 'fistop' ends them.
        | 'focusnear'
        | 'focusfar'
        | 'irisopen'
        | 'irisclose'
        | 'fistop';
      speed: number;
    }
  | { preset: 'set' | 'call' | 'delete'; index: number };

export type PlaybackControl =
  | { action: 'pause' }
  | { action: 'resume' }
  | { action: 'scale'; scale: number }
  | { action: 'seek'; position: number };

export interface DiagnosisStep {
  at: string;
  step: string;
  detail?: string;
}

export interface Diagnosis {
  streamId: string;
  ok: boolean;
  steps: DiagnosisStep[];
  /** Plain-words classification when the play attempt failed or degraded. */
  cause: string | null;
}

export interface GatewayServices {
  listDevices(): DeviceView[];
  getDevice(deviceId: string): DeviceDetail | undefined;
  syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }>;
  listChannels(deviceId: string): ChannelView[] | undefined;
  /** `stream` defaults to the device's default stream (main unless set). */
  startLive(deviceId: string, channelId: string, stream?: LiveStream): Promise<StreamView>;
  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView>;
  ptz(deviceId: string, channelId: string, request: PtzRequest): Promise<void>;
  queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]>;
  listStreams(): StreamView[];
  getStream(streamId: string): StreamView | undefined;
  diagnosis(streamId: string): Diagnosis | undefined;
  controlPlayback(streamId: string, control: PlaybackControl): Promise<void>;
  stopStream(streamId: string): Promise<void>;
}
