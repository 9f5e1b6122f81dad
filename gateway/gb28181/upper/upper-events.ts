// The upper platform's events role (docs/events.md): what a device reports besides media,
// alarms and positions (event-notifications.ts), our subscriptions to its alarms, positions and
// catalog (subscriptions/), the alarm controls (device-event-control.ts), and the device
// online/offline events, all wired to the device sessions in one place.
import type { Logger } from '../../log.js';
import type { SipRequest, SipUserAgent } from '../../sip/index.js';
import type { DeviceStore } from '../../store/device-store.js';
import { MemorySubscriptionStore, type SubscriptionStore } from '../../store/subscription-store.js';
import type { EventIntake, SubscriptionEvent } from '../../views/events.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';
import { UpperDeviceEvents } from './device-event-control.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSession, DeviceSessions } from './device-sessions.js';
import { EventNotifications } from './event-notifications.js';
import type { InboxAnswer } from './inbox.js';
import { DeviceSubscriptions, type SubscriptionSettings } from './subscriptions/device-subscriptions.js';
import type { Subscription } from './subscriptions/subscription.js';

export interface UpperEventsOptions {
  ua: SipUserAgent;
  store: DeviceStore;
  sessions: DeviceSessions;
  devices: DeviceQueries;
  intake: EventIntake | undefined;
  subscriptions?: Partial<SubscriptionSettings>;
  subscriptionStore?: SubscriptionStore;
  timeZone: string;
  hooks?: { active?(event: SubscriptionEvent): void; failed?(event: SubscriptionEvent): void };
  log: Logger;
}

export class UpperEvents {
  readonly subscriptions: DeviceSubscriptions;
  readonly control: UpperDeviceEvents;
  readonly #notifications: EventNotifications;

  constructor(o: UpperEventsOptions) {
    this.#notifications = new EventNotifications({
      ua: o.ua,
      intake: o.intake,
      timeZone: o.timeZone,
      log: o.log.child({ part: 'events' }),
    });
    this.subscriptions = new DeviceSubscriptions({
      ua: o.ua,
      sessions: o.sessions,
      store: o.subscriptionStore ?? new MemorySubscriptionStore(),
      settings: { autoSubscribe: [], expiresSec: 3600, positionIntervalSec: 5, ...o.subscriptions },
      nextSn: () => o.devices.nextSn(),
      ...(o.hooks ? { hooks: o.hooks } : {}),
      log: o.log.child({ part: 'subscriptions' }),
    });
    this.control = new UpperDeviceEvents(this.subscriptions, o.devices, o.store);
    o.sessions.events.on('online', (deviceId, cause) => {
      o.intake?.device({ deviceId, online: true, reason: cause });
      this.subscriptions.deviceOnline(deviceId);
    });
    o.sessions.events.on('offline', (deviceId, reason) => {
      o.intake?.device({ deviceId, online: false, reason });
      this.subscriptions.deviceOffline(deviceId);
    });
    // Its subscription dialogs died with it: subscribe again at once (docs/events.md §6).
    o.sessions.events.on('restarted', (deviceId) =>
      this.subscriptions.deviceOnline(deviceId, { restarted: true }),
    );
  }

  get stats(): EventNotifications['stats'] {
    return this.#notifications.stats;
  }

  alarm(m: AlarmNotify, session: DeviceSession, answer?: InboxAnswer): void {
    this.#notifications.alarm(m, session, answer);
  }

  position(m: MobilePositionNotify, session: DeviceSession, answer?: InboxAnswer): void {
    this.#notifications.position(m, session, answer);
  }

  /** Alarms and positions are answered once stored (event-notifications.ts). */
  storesBeforeAnswer(m: ManscdpMessage): boolean {
    return m.kind === 'AlarmNotify' || m.kind === 'MobilePositionNotify';
  }

  afterPending(answer: InboxAnswer): void {
    this.#notifications.afterPending(answer);
  }

  /** A NOTIFY from a device (before the inbox answers and applies it); its subscription, if ours. */
  noteNotify(req: SipRequest): Subscription | undefined {
    return this.subscriptions.noteNotify(req);
  }

  /** Expires: 0 to every device we subscribed to, while the transport is still up. */
  close(): Promise<void> {
    return this.subscriptions.close();
  }
}
