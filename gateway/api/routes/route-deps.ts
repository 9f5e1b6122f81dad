// What the route files share: the services they drive and the lookups that turn a missing
// device or stream into its GW_ERR_* answer.
import { GatewayError } from '../../errors.js';
import type { CascadeServices } from '../../views/cascade-services.js';
import type { ControlServices } from '../../views/control.js';
import type { DeviceDetail, GatewayServices, StreamView } from '../../views/services.js';
import type { VoiceServices } from '../../views/voice.js';
import type { DeviceEventControl, EventsServices } from '../../views/events.js';
import type { LimitsView } from '../../views/limits.js';
import type { DownloadServices, RecordingServices } from '../../views/recording.js';

export interface RouteDeps {
  services: GatewayServices;
  /** The cascade role; its routes answer GW_ERR_NOT_FOUND without it. */
  cascade?: CascadeServices;
  /** Device control (routes/control.ts); its routes answer GW_ERR_CONTROL_UNAVAILABLE without it. */
  control?: ControlServices;
  version: string;
  startedAt: number;
  /** The protective limits and their counters (GET /api/limits). */
  limits?: () => LimitsView;
  /** Adds signed WHEP/HLS URLs to a stream answer. */
  mediaUrls(streamId: string): { whep: string; hls: string };
  /** Revokes the signed URLs of a channel, or all, issued up to now; ends WHEP sessions opened with them. */
  revokeMediaUrls(channel?: { deviceId: string; channelId: string }): {
    revokedAt: Date;
    sessionsEnded: number;
  };
  /** Voice broadcast and talk; its routes answer GW_ERR_VOICE_UNAVAILABLE without it. */
  voice?: VoiceServices;
  /** The signed WHIP URL of a talk. */
  talkUrl(talkId: string): string;
  /** Alarms, positions, webhooks, the event feed; its routes answer GW_ERR_EVENTS_UNAVAILABLE without it. */
  events?: EventsServices;
  /** Subscriptions, guard and alarm reset (the upper platform); same answer without it. */
  deviceEvents?: DeviceEventControl;
  /** Cloud recording; its routes answer GW_ERR_RECORDING_UNAVAILABLE without it. */
  recording?: RecordingServices;
  downloads?: DownloadServices;
  /** A signed `?token=` value (URL-encoded) for a media subject (`cloud:<device>_<channel>`, `recording:<id>`). */
  signMedia(subject: string): string;
  /** A signed `?token=` for GET /api/events (EventSource cannot send headers). */
  eventsToken?(): { token: string; expiresAt: string };
}

export type DeviceP = { deviceId: string };
export type ChannelP = { deviceId: string; channelId: string };
export type StreamP = { streamId: string };

export function requireDevice(services: GatewayServices, deviceId: string): DeviceDetail {
  const device = services.getDevice(deviceId);
  if (!device) {
    throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
  }
  return device;
}

export function requireStream(services: GatewayServices, streamId: string): StreamView {
  const stream = services.getStream(streamId);
  if (!stream) {
    throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
  }
  return stream;
}

/** The answer of live and playback: the stream and where to watch it. */
export function playAnswer(deps: RouteDeps, s: StreamView) {
  return {
    streamId: s.streamId,
    ...deps.mediaUrls(s.streamId),
    codec: s.codec,
    transport: s.transport,
    stream: s.stream,
    answeredStream: s.answeredStream,
  };
}

/** The events service, or GW_ERR_EVENTS_UNAVAILABLE (a node that does not run it). */
export function requireEvents(deps: RouteDeps): EventsServices {
  if (!deps.events) {
    throw new GatewayError('GW_ERR_EVENTS_UNAVAILABLE');
  }
  return deps.events;
}

export function requireDeviceEvents(deps: RouteDeps): DeviceEventControl {
  if (!deps.deviceEvents) {
    throw new GatewayError('GW_ERR_EVENTS_UNAVAILABLE');
  }
  return deps.deviceEvents;
}
