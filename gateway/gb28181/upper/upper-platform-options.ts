// What the upper platform is built with (upper-platform.ts): the SIP user agent, stores, timing,
// where media goes, and the hooks main.ts counts and publishes through.
import type { SipUserAgent } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import type { DeviceStore, MediaTransportName } from '../../store/device-store.js';
import type { Stream } from '../../hub/stream.js';
import type { StreamRegistry } from '../../hub/stream-registry.js';
import type { MediaNodeClient } from '../../media-plane/media-node-client.js';
import type { PlayDialogStore } from '../../store/dialog-store.js';
import type { SubscriptionStore } from '../../store/subscription-store.js';
import type { StreamView } from '../../views/services.js';
import type { EventIntake, SubscriptionEvent } from '../../views/events.js';
import type { UpperVoiceOptions } from './broadcast/voice-service.js';
import type { PlayKind, PlaySessionDeps } from './play-session.js';
import type { RegisterFailure } from './registrar.js';
import type { SubscriptionSettings } from './subscriptions/device-subscriptions.js';

export interface UpperPlatformOptions {
  ua: SipUserAgent;
  store: DeviceStore;
  streams: StreamRegistry;
  log: Logger;
  realm: string;
  password: string;
  timeZone: string;
  keepaliveIntervalSec: number;
  keepaliveTimeoutCount: number;
  maxExpiresSec: number;
  /** Digest nonce lifetime; default the SIP stack's (300 s). */
  nonceTtlMs?: number;
  /** Periodic catalog refresh; 0 = only after registration and on demand. */
  catalogIntervalSec: number;
  idleStopMs: number;
  noMediaTimeoutMs: number;
  /** Silence after which a live stream's viewers are told the camera is lost; 0 = off. */
  stallTimeoutMs?: number;
  /** Keepalive intervals after which a device whose streams all went silent is offline; 0 = off. */
  silentTimeoutIntervals?: number;
  defaultMediaTransport: MediaTransportName;
  queryTimeoutMs?: number;
  firstMediaTimeoutMs?: number;
  /** Where plays receive media: gateway/media-plane/ in process, or media nodes (--role signaling, gateway/cluster/). */
  media: MediaNodeClient;
  /** Keeps play dialogs while they last, so start() can end those a crash orphaned (issue #20 point 4). */
  dialogs?: PlayDialogStore;
  /** Keeps a media port from new streams: an orphaned dialog's device may still send there. */
  quarantineMediaPort?: (port: number) => void;
  /** Called for every new stream: subscribe outputs (HLS) here. */
  onStreamCreated?(stream: Stream, view: () => StreamView): void;
  viewersOf?(streamId: string): { webrtc: number; hls: number };
  /** Voice broadcast and talk (docs/voice.md); without it a device's audio INVITE gets 488. */
  voice?: UpperVoiceOptions;
  /** Where alarms, positions and device/channel changes go (gateway/events/); none: logged only. */
  events?: EventIntake;
  /** Subscriptions to devices (docs/events.md §6); default: none automatic, 3600 s, 5 s interval. */
  subscriptions?: Partial<SubscriptionSettings>;
  /** Where subscriptions are kept; default in memory. */
  subscriptionStore?: SubscriptionStore;
  hooks?: {
    registrationFailed?(reason: RegisterFailure, deviceId?: string): void;
    keepalive?(deviceId: string, latenessSec: number): void;
    ingest?: PlaySessionDeps['onIngestStats'];
    firstKeyframe?(kind: PlayKind, seconds: number): void;
    subscriptionActive?(event: SubscriptionEvent): void;
    subscriptionFailed?(event: SubscriptionEvent): void;
  };
}
