// What the gateway remembers about lower platforms and their channels. Devices and channels
// survive a restart; a device comes back offline until it talks again.
import type { CharsetSetting, GbEdition, LiveStream, StreamSelection } from '../device-settings.js';

export type SipTransportName = 'udp' | 'tcp';
export type MediaTransportName = 'udp' | 'tcp-passive' | 'tcp-active';

export interface DeviceRecord {
  deviceId: string;
  name: string | null;
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  transport: SipTransportName;
  remoteAddress: string | null;
  remotePort: number | null;
  online: boolean;
  registeredAt: string | null; // ISO 8601
  lastKeepaliveAt: string | null;
  expiresSec: number;
  /**
   * When the current registration ends (ISO 8601), null when there is none (never registered,
   * unregistered). A restarted gateway honours a registration until then (device-sessions.ts).
   */
  expiresAt: string | null;
  /** Call-ID of the current registration: a new one means the device restarted (RFC 3261 §10.2.4). */
  callId: string | null;
  /** Charset the device's MANSCDP bodies came in; replies are encoded the same way. */
  charset: string;
  /** Media transport that last delivered media, tried first next time (transport fallback). */
  mediaTransport: MediaTransportName | null;
  /** Per-device password; the global one applies when null. */
  password: string | null;
  // ---- per-device settings (PATCH /api/devices/:id) and what the device told us about itself
  /** Charset of MANSCDP bodies both ways, or 'auto' (decode by content, answer as declared). */
  charsetMode: CharsetSetting;
  /** Media transport the operator wants tried first; null lets the fallback order decide. */
  transportPreference: MediaTransportName | null;
  /** Address written in SDP c= for this device's media (sites with several networks); null: --public-ip. */
  mediaIp: string | null;
  /** Stream a live play asks for when the caller names none. */
  defaultStream: LiveStream;
  /** How the INVITE spells a sub-stream wish (docs/gb28181.md §7.5). */
  streamSelection: StreamSelection;
  /** Edition from REGISTER X-GB-Ver (or set by the operator); null: not reported (2016 rules). */
  gbVersion: GbEdition | null;
  /** Keepalive interval and count from the device's ConfigDownload BasicParam; null: the global ones. */
  heartbeatIntervalSec: number | null;
  heartbeatCount: number | null;
}

/** The settings part of a device record, as the API shows it (no password, only whether one is set). */
export interface DeviceSettings {
  charset: CharsetSetting;
  transport: MediaTransportName | null;
  mediaIp: string | null;
  defaultStream: LiveStream;
  streamSelection: StreamSelection;
  gbVersion: GbEdition | null;
  heartbeatIntervalSec: number | null;
  heartbeatCount: number | null;
  /** A device password of its own is set (the global one applies otherwise). */
  ownPassword: boolean;
}

export function deviceSettingsOf(d: DeviceRecord): DeviceSettings {
  return {
    charset: d.charsetMode,
    transport: d.transportPreference,
    mediaIp: d.mediaIp,
    defaultStream: d.defaultStream,
    streamSelection: d.streamSelection,
    gbVersion: d.gbVersion,
    heartbeatIntervalSec: d.heartbeatIntervalSec,
    heartbeatCount: d.heartbeatCount,
    ownPassword: d.password !== null,
  };
}

export interface ChannelRecord {
  deviceId: string;
  channelId: string;
  name: string | null;
  manufacturer: string | null;
  model: string | null;
  parentId: string | null;
  civilCode: string | null;
  businessGroupId: string | null;
  address: string | null;
  status: 'ON' | 'OFF';
  longitude: string | null;
  latitude: string | null;
  ptzType: string | null;
  parental: boolean;
  updatedAt: string;
}

export type DevicePatch = Partial<Omit<DeviceRecord, 'deviceId'>>;
export type ChannelInput = Omit<ChannelRecord, 'deviceId' | 'updatedAt'>;

export interface DeviceStore {
  getDevice(deviceId: string): DeviceRecord | undefined;
  listDevices(): DeviceRecord[];
  /** Creates the device with defaults when unknown. */
  upsertDevice(deviceId: string, patch: DevicePatch): DeviceRecord;
  /**
   * Several patches in one transaction (coalesced keepalive writes). Optional: callers fall back
   * to one upsertDevice per entry when a store does not have it.
   */
  upsertDevices?(entries: Iterable<readonly [deviceId: string, patch: DevicePatch]>): void;
  deleteDevice(deviceId: string): void;
  /** Marks every device offline (at start-up: nobody has talked to this process yet). */
  markAllOffline(): void;

  listChannels(deviceId: string): ChannelRecord[];
  getChannel(deviceId: string, channelId: string): ChannelRecord | undefined;
  countChannels(deviceId: string): number;
  /** A complete catalog for a query we issued: the device's channel set becomes exactly `channels`. */
  replaceChannels(deviceId: string, channels: readonly ChannelInput[]): void;
  /** Partial, unsolicited or NOTIFY ADD/UPDATE: insert or update, never delete others. */
  upsertChannels(deviceId: string, channels: readonly ChannelInput[]): void;
  setChannelStatus(deviceId: string, channelId: string, status: 'ON' | 'OFF'): boolean;
  deleteChannel(deviceId: string, channelId: string): boolean;

  close(): void;
}
