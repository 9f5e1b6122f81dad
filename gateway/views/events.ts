// The events domain as the API and other modules see it (types only): stored alarms and positions,
// the live event stream (SSE, webhooks, in-process listeners), device subscriptions and the
// alarm controls. gateway/events/ implements EventsServices and EventIntake; the upper platform
// (gateway/gb28181/upper/) implements DeviceEventControl and feeds EventIntake. JSON field names
// are a contract (docs/api.md, docs/events.md).
import type { AlarmFilter, AlarmInput, AlarmRecord } from '../store/alarm-store.js';
import type { PositionRecord } from '../store/position-store.js';
import type { SubscriptionEvent } from '../store/subscription-store.js';

export type AlarmView = AlarmRecord;
export type PositionView = PositionRecord;
export type { AlarmInput, AlarmFilter as AlarmQuery } from '../store/alarm-store.js';
export type { PositionRecord as PositionInput } from '../store/position-store.js';

export interface DeviceEventData {
  deviceId: string;
  online: boolean;
  /** Why: registered, returned, restored, keepalive-timeout, registration-expired, unregistered, connection-closed. */
  reason: string;
}

export interface ChannelEventData {
  deviceId: string;
  channelId: string;
  status: 'ON' | 'OFF';
  /** The catalog event that changed it (ON, OFF, VLOST, DEFECT, ADD, UPDATE, DEL). */
  event: string;
}

export interface StreamEventData {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: 'live' | 'playback' | 'download';
  /**
   * start, stop; lost: the camera sent nothing for the stall timeout (its viewers were told,
   * the stream waits for the no-media timeout); resumed: media came again after a loss.
   */
  state: 'start' | 'stop' | 'lost' | 'resumed';
  /** Why it stopped or was lost (idle, no-media, device-bye, stopped-by-api, ...); null on start. */
  cause: string | null;
}

/**
 * The cloud recorder's own trouble (docs/recording.md §5): the disk refused a write (full,
 * read-only), recording stopped; level 'alarm' so consoles raise it like a device alarm.
 */
export interface RecordingEventData {
  level: 'alarm';
  state: 'stopped';
  /** The errno code (ENOSPC, EROFS, EIO...). */
  code: string;
  error: string;
}

export type EventType = 'alarm' | 'device' | 'channel' | 'position' | 'stream' | 'recording';
export const EVENT_TYPES: readonly EventType[] = [
  'alarm',
  'device',
  'channel',
  'position',
  'stream',
  'recording',
];

export interface EventDataOf {
  alarm: AlarmView;
  device: DeviceEventData;
  channel: ChannelEventData;
  position: PositionView;
  stream: StreamEventData;
  recording: RecordingEventData;
}

/** One event as published: SSE `id:`/`event:`/`data:`, and the webhook body. */
export type GatewayEvent = {
  [T in EventType]: {
    /** `<boot>-<sequence>`: increasing within one run of the gateway (docs/events.md §4). */
    id: string;
    type: T;
    /** When the gateway published it, ISO 8601. */
    time: string;
    data: EventDataOf[T];
  };
}[EventType];

export type EventOf<T extends EventType> = Extract<GatewayEvent, { type: T }>;

/** What the SSE endpoint needs from the event bus (or, on a cluster's media node, its copy). */
export interface EventFeed {
  /**
   * Events after `lastEventId` still held in the backlog, then every new one as it is published.
   * `gap` is true when `lastEventId` is older than the backlog (or from another run): events were lost.
   * `onGap` is called when events are lost while following (a media node's copy of the stream
   * found a hole: docs/events.md §10); the bus itself never loses one.
   */
  follow(
    opts: { types: ReadonlySet<EventType>; lastEventId?: string; onGap?: () => void },
    listener: (event: GatewayEvent) => void,
  ): { backlog: GatewayEvent[]; gap: boolean; close(): void };
}

/** Answered at once in process, or after a round trip to the signaling node in a cluster. */
export type MaybePromise<T> = T | Promise<T>;

/** What the events domain reports to Prometheus (gateway/metrics/events.ts implements it). */
export interface EventsObserver {
  alarmReceived(alarm: AlarmView): void;
  alarmDuplicate(deviceId: string): void;
  positionReceived(): void;
  /** One event handed to a sink: an SSE client ('sse') or a webhook (its ID). */
  delivered(sink: 'sse' | 'webhook', webhookId?: string): void;
  /** A delivery attempt that failed (a webhook answered non-2xx or not at all; an SSE client was dropped). */
  deliveryFailed(sink: 'sse' | 'webhook', webhookId?: string): void;
  /** A webhook event given up on (retry time exhausted, queue full). */
  deadLetter(webhookId: string, reason: 'retry-time' | 'queue-full' | 'removed'): void;
  /** A webhook exists (registered now or loaded at start): its series can start at 0. */
  webhookAdded?(webhookId: string): void;
  sseClients(count: number): void;
}

/** The alarms and positions one turn of the event loop read, stored together (docs/events.md §2). */
export interface ReportBatch {
  alarms: AlarmInput[];
  positions: PositionRecord[];
}

/** What store() kept: per alarm in batch order, the stored alarm, or undefined for a duplicate. */
export interface StoredReports {
  alarms: (AlarmView | undefined)[];
  positions: PositionView[];
}

/** What the upper platform reports; the events domain stores and publishes it. */
export interface EventIntake {
  /**
   * Stores a batch in one transaction and publishes nothing yet: the caller answers the devices
   * first, then calls publish(). Throws when the batch could not be stored (none of it was).
   * An alarm whose (device, SN) was seen before is a duplicate: not stored again.
   */
  store(batch: ReportBatch): StoredReports;
  /** Publishes what store() kept. */
  publish(stored: StoredReports): void;
  device(data: DeviceEventData): void;
  channel(data: ChannelEventData): void;
  stream(data: StreamEventData): void;
}

export interface WebhookView {
  webhookId: string;
  url: string;
  events: EventType[];
  /** Whether deliveries carry X-GB-Signature (a secret was given); the secret itself is never shown. */
  signed: boolean;
  createdAt: string;
  delivery: {
    queued: number;
    delivered: number;
    failed: number;
    deadLetters: number;
    lastError: string | null;
  };
}

export interface WebhookInput {
  url: string;
  events: EventType[];
  secret?: string;
}

export interface EventsServices {
  listAlarms(query: AlarmFilter): MaybePromise<AlarmView[]>;
  /** Undefined when there is no such alarm. */
  acknowledgeAlarm(alarmId: string): MaybePromise<AlarmView | undefined>;
  latestPositions(): MaybePromise<PositionView[]>;
  track(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    limit: number,
  ): MaybePromise<PositionView[]>;
  addWebhook(input: WebhookInput): MaybePromise<WebhookView>;
  listWebhooks(): MaybePromise<WebhookView[]>;
  /** False when there is no such webhook. */
  deleteWebhook(webhookId: string): MaybePromise<boolean>;
  readonly feed: EventFeed;
}

// ---------- subscriptions and alarm controls (the upper platform) ----------

export type { SubscriptionEvent } from '../store/subscription-store.js';
export { SUBSCRIPTION_EVENTS } from '../store/subscription-store.js';

/**
 * - pending: not yet accepted (the device is offline, or the SUBSCRIBE is in flight)
 * - active: the device accepted; refreshed before it expires
 * - retrying: the last SUBSCRIBE or refresh failed; tried again with back-off
 * - failed: the device refused it (4xx/5xx/6xx other than 408/481/503); tried again at its next registration
 */
export type SubscriptionState = 'pending' | 'active' | 'retrying' | 'failed';

export interface SubscriptionView {
  subscriptionId: string;
  deviceId: string;
  event: SubscriptionEvent;
  /** Seconds asked for. */
  expires: number;
  /** MobilePosition report interval (seconds); null for other events. */
  interval: number | null;
  state: SubscriptionState;
  /** When the device's grant runs out, ISO 8601; null when not active. */
  expiresAt: string | null;
  /** True when made by the auto-subscribe setting rather than through the API. */
  auto: boolean;
  lastError: string | null;
  /** NOTIFYs received in this subscription's dialogs. */
  notifications: number;
  createdAt: string;
}

export interface SubscribeRequest {
  event: SubscriptionEvent;
  expires?: number;
  interval?: number;
}

/** Per-device auto-subscribe setting; `events: null` inherits the global --subscribe-on-register. */
export interface SubscriptionDefaults {
  deviceId: string;
  events: SubscriptionEvent[] | null;
  /** What applies now (the device's own list, or the global one). */
  effective: SubscriptionEvent[];
}

/** Whether the device confirmed a control with its <Response> (docs/gb28181.md §5.1). */
export interface ControlAnswer {
  ok: true;
  /** 'OK' when the device's Response said OK; null when it only answered the SIP 200 within the wait. */
  result: 'OK' | null;
}

export interface DeviceEventControl {
  subscribe(deviceId: string, request: SubscribeRequest): Promise<SubscriptionView>;
  listSubscriptions(deviceId: string): MaybePromise<SubscriptionView[] | undefined>;
  /** Sends SUBSCRIBE with Expires: 0 when the subscription is active; false when unknown. */
  unsubscribe(deviceId: string, subscriptionId: string): Promise<boolean>;
  subscriptionDefaults(deviceId: string): MaybePromise<SubscriptionDefaults | undefined>;
  setSubscriptionDefaults(
    deviceId: string,
    events: SubscriptionEvent[] | null,
  ): MaybePromise<SubscriptionDefaults>;
  /** GuardCmd SetGuard / ResetGuard to the device. */
  setGuard(deviceId: string, armed: boolean): Promise<ControlAnswer>;
  /** AlarmCmd ResetAlarm to a channel (or alarm input). */
  resetAlarm(
    deviceId: string,
    channelId: string,
    filter: { method?: number; type?: number },
  ): Promise<ControlAnswer>;
}
