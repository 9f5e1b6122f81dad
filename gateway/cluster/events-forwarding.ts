// The events API on every node of a cluster (docs/events.md §10). Alarms, positions, webhooks
// and subscriptions have one owner, the signaling node: it holds the SIP dialogs the alarms come
// in on, stores them in its SQLite file and runs the webhooks, so each event is delivered once
// however many nodes there are. A media node forwards these calls to it over the bus, like the
// calls that need SIP (api-forwarding.ts), and serves GET /api/events from its copy of the event
// stream (event-stream-mirror.ts). serveEvents() is the signaling node's end.
import { GatewayError } from '../errors.js';
import type {
  AlarmQuery,
  AlarmView,
  ControlAnswer,
  DeviceEventControl,
  EventFeed,
  EventsServices,
  PositionView,
  SubscribeRequest,
  SubscriptionDefaults,
  SubscriptionEvent,
  SubscriptionView,
  WebhookInput,
  WebhookView,
} from '../views/events.js';
import type { SignalingLocator } from './api-forwarding.js';
import type { NodeBus } from './node-bus.js';

/** The EventsServices and DeviceEventControl calls a media node forwards. */
export const EVENTS_METHODS = [
  'listAlarms',
  'acknowledgeAlarm',
  'latestPositions',
  'track',
  'addWebhook',
  'listWebhooks',
  'deleteWebhook',
  'subscribe',
  'listSubscriptions',
  'unsubscribe',
  'subscriptionDefaults',
  'setSubscriptionDefaults',
  'setGuard',
  'resetAlarm',
] as const;
export type EventsMethod = (typeof EVENTS_METHODS)[number];

/** Commands the signaling node answers for the events API (any node → signaling). */
export interface EventsCommands {
  'events.call': { args: { method: EventsMethod; params: unknown[] }; result: { value: unknown } };
}

/** An AlarmQuery as JSON: the dates as ISO strings. */
type WireAlarmQuery = Omit<AlarmQuery, 'since' | 'until'> & { since?: string; until?: string };

export interface ForwardedEventsDeps {
  bus: NodeBus;
  signaling: SignalingLocator;
  /** This node's copy of the event stream. */
  feed: EventFeed;
  /** A subscription waits for the device's answer (up to 32 s on UDP). Default 40 000 ms. */
  timeoutMs?: number;
}

export class ForwardedEvents implements EventsServices, DeviceEventControl {
  readonly feed: EventFeed;

  constructor(private readonly d: ForwardedEventsDeps) {
    this.feed = d.feed;
  }

  async #call<T>(method: EventsMethod, params: unknown[]): Promise<T> {
    const target = await this.d.signaling();
    if (!target) {
      throw new GatewayError('GW_ERR_NODE_UNAVAILABLE', 'no signaling node is running');
    }
    const r = await this.d.bus.request<EventsCommands, 'events.call'>(
      target.nodeId,
      'events.call',
      { method, params },
      this.d.timeoutMs ?? 40_000,
    );
    // JSON has no undefined: "no such alarm/device" travels as null.
    return (r.value ?? undefined) as T;
  }

  listAlarms(q: AlarmQuery): Promise<AlarmView[]> {
    const { since, until, ...rest } = q;
    const wire: WireAlarmQuery = {
      ...rest,
      ...(since ? { since: since.toISOString() } : {}),
      ...(until ? { until: until.toISOString() } : {}),
    };
    return this.#call('listAlarms', [wire]);
  }
  acknowledgeAlarm(alarmId: string): Promise<AlarmView | undefined> {
    return this.#call('acknowledgeAlarm', [alarmId]);
  }
  latestPositions(): Promise<PositionView[]> {
    return this.#call('latestPositions', []);
  }
  track(deviceId: string, channelId: string, start: Date, end: Date, limit: number): Promise<PositionView[]> {
    return this.#call('track', [deviceId, channelId, start.toISOString(), end.toISOString(), limit]);
  }
  addWebhook(input: WebhookInput): Promise<WebhookView> {
    return this.#call('addWebhook', [input]);
  }
  listWebhooks(): Promise<WebhookView[]> {
    return this.#call('listWebhooks', []);
  }
  deleteWebhook(webhookId: string): Promise<boolean> {
    return this.#call('deleteWebhook', [webhookId]);
  }
  subscribe(deviceId: string, request: SubscribeRequest): Promise<SubscriptionView> {
    return this.#call('subscribe', [deviceId, request]);
  }
  listSubscriptions(deviceId: string): Promise<SubscriptionView[] | undefined> {
    return this.#call('listSubscriptions', [deviceId]);
  }
  unsubscribe(deviceId: string, subscriptionId: string): Promise<boolean> {
    return this.#call('unsubscribe', [deviceId, subscriptionId]);
  }
  subscriptionDefaults(deviceId: string): Promise<SubscriptionDefaults | undefined> {
    return this.#call('subscriptionDefaults', [deviceId]);
  }
  setSubscriptionDefaults(
    deviceId: string,
    events: SubscriptionEvent[] | null,
  ): Promise<SubscriptionDefaults> {
    return this.#call('setSubscriptionDefaults', [deviceId, events]);
  }
  setGuard(deviceId: string, armed: boolean): Promise<ControlAnswer> {
    return this.#call('setGuard', [deviceId, armed]);
  }
  resetAlarm(
    deviceId: string,
    channelId: string,
    filter: { method?: number; type?: number },
  ): Promise<ControlAnswer> {
    return this.#call('resetAlarm', [deviceId, channelId, filter]);
  }
}

const malformed = (): GatewayError =>
  new GatewayError('GW_ERR_BAD_REQUEST', 'forwarded events call with a malformed parameter');
const str = (v: unknown): string => {
  if (typeof v !== 'string') {
    throw malformed();
  }
  return v;
};
const obj = <T>(v: unknown): T => {
  if (typeof v !== 'object' || v === null) {
    throw malformed();
  }
  return v as T;
};
const date = (v: unknown): Date => {
  const d = new Date(str(v));
  if (Number.isNaN(d.getTime())) {
    throw malformed();
  }
  return d;
};
const bool = (v: unknown): boolean => {
  if (typeof v !== 'boolean') {
    throw malformed();
  }
  return v;
};
const num = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw malformed();
  }
  return v;
};

/**
 * The signaling node answers other nodes' events calls with its own services. The parameters
 * were validated by the API of the node that forwarded them; here only their JSON types are.
 */
export function serveEvents(bus: NodeBus, events: EventsServices, control: DeviceEventControl): void {
  bus.serve<EventsCommands>({
    'events.call': async ({ method, params: p }) => {
      const value = await answer(method, p, events, control);
      return { value: value ?? null };
    },
  });
}

function answer(
  method: EventsMethod,
  p: unknown[],
  events: EventsServices,
  control: DeviceEventControl,
): unknown {
  switch (method) {
    case 'listAlarms': {
      const { since, until, ...rest } = obj<WireAlarmQuery>(p[0]);
      return events.listAlarms({
        ...rest,
        ...(since !== undefined ? { since: date(since) } : {}),
        ...(until !== undefined ? { until: date(until) } : {}),
      });
    }
    case 'acknowledgeAlarm':
      return events.acknowledgeAlarm(str(p[0]));
    case 'latestPositions':
      return events.latestPositions();
    case 'track':
      return events.track(str(p[0]), str(p[1]), date(p[2]), date(p[3]), num(p[4]));
    case 'addWebhook':
      return events.addWebhook(obj<WebhookInput>(p[0]));
    case 'listWebhooks':
      return events.listWebhooks();
    case 'deleteWebhook':
      return events.deleteWebhook(str(p[0]));
    case 'subscribe':
      return control.subscribe(str(p[0]), obj<SubscribeRequest>(p[1]));
    case 'listSubscriptions':
      return control.listSubscriptions(str(p[0]));
    case 'unsubscribe':
      return control.unsubscribe(str(p[0]), str(p[1]));
    case 'subscriptionDefaults':
      return control.subscriptionDefaults(str(p[0]));
    case 'setSubscriptionDefaults':
      return control.setSubscriptionDefaults(
        str(p[0]),
        p[1] === null ? null : obj<SubscriptionEvent[]>(p[1]),
      );
    case 'setGuard':
      return control.setGuard(str(p[0]), bool(p[1]));
    case 'resetAlarm':
      return control.resetAlarm(str(p[0]), str(p[1]), obj<{ method?: number; type?: number }>(p[2]));
    default:
      throw new GatewayError('GW_ERR_NOT_FOUND', `no forwarded events method ${String(method)}`);
  }
}
