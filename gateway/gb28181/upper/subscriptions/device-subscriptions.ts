// Every subscription of ours to our devices (docs/events.md §6): made through the API or by the
// auto-subscribe setting (global --subscribe-on-register, overridden per device), kept in the store
// with their dialogs, re-established when a device registers again or restarts, suspended while it
// is offline, ended with `Expires: 0`. NOTIFYs are matched to their subscription by Call-ID (the
// Hikvision habit of foreign From headers makes the dialog's tags a weaker key, docs/gb28181.md §8.2).
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { SipRequest, SipUserAgent } from '../../../sip/index.js';
import type { SubscriptionStore } from '../../../store/subscription-store.js';
import type {
  SubscribeRequest,
  SubscriptionDefaults,
  SubscriptionEvent,
  SubscriptionView,
} from '../../../views/events.js';
import { SUBSCRIPTION_EVENTS } from '../../../views/events.js';
import type { DeviceSession, DeviceSessions } from '../device-sessions.js';
import { Subscription } from './subscription.js';

export interface SubscriptionSettings {
  /** Subscribed on registration for devices without their own setting. Default none. */
  autoSubscribe: readonly SubscriptionEvent[];
  /** Expires asked for. Default 3600 s. */
  expiresSec: number;
  /** MobilePosition interval asked for. Default 5 s. */
  positionIntervalSec: number;
  /** Wait after a device comes online before subscribing (its REGISTER 200 goes out first). Default 200 ms. */
  settleMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface DeviceSubscriptionsOptions {
  ua: SipUserAgent;
  sessions: DeviceSessions;
  store: SubscriptionStore;
  settings: SubscriptionSettings;
  nextSn(): string;
  /** Prometheus hooks (gateway/metrics/events.ts). */
  hooks?: { active?(event: SubscriptionEvent): void; failed?(event: SubscriptionEvent): void };
  log: Logger;
  now?: () => number;
}

export class DeviceSubscriptions {
  readonly #o: DeviceSubscriptionsOptions;
  readonly #subs = new Map<string, Subscription>();
  /** Call-ID → subscription, for NOTIFYs (including one that beats its SUBSCRIBE's 2xx). */
  readonly #byCallId = new Map<string, Subscription>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(opts: DeviceSubscriptionsOptions) {
    this.#o = opts;
    for (const record of opts.store.list()) {
      this.#add(new Subscription(record, this.#deps()));
    }
  }

  /** Active subscriptions by event, for the gauge. */
  activeCounts(): Record<SubscriptionEvent, number> {
    const counts = { alarm: 0, 'mobile-position': 0, catalog: 0 };
    for (const s of this.#subs.values()) {
      if (s.state === 'active') {
        counts[s.event]++;
      }
    }
    return counts;
  }

  /**
   * A device came online: after `settleMs`, add the auto subscriptions it lacks and (re-)establish
   * all of its subscriptions; a restarted device's dialogs are dropped first.
   */
  deviceOnline(deviceId: string, opts: { restarted?: boolean } = {}): void {
    if (opts.restarted) {
      for (const s of this.#of(deviceId)) {
        s.forgetDialog();
      }
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) {
        return;
      }
      this.#ensureAuto(deviceId);
      for (const s of this.#of(deviceId)) {
        void s.establish();
      }
    }, this.#o.settings.settleMs ?? 200);
    timer.unref();
    this.#timers.add(timer);
  }

  deviceOffline(deviceId: string): void {
    for (const s of this.#of(deviceId)) {
      s.suspend();
    }
  }

  /** A NOTIFY from a device (before the inbox answers and applies it); its subscription, if ours. */
  noteNotify(req: SipRequest): Subscription | undefined {
    const sub = this.#byCallId.get(req.headers.get('call-id') ?? '');
    sub?.notified(req);
    return sub;
  }

  async subscribe(deviceId: string, request: SubscribeRequest): Promise<SubscriptionView> {
    const existing = this.#of(deviceId).find((s) => s.event === request.event);
    const sub = existing ?? this.#create(deviceId, request.event, false);
    sub.expiresSec = request.expires ?? sub.expiresSec;
    if (request.event === 'mobile-position') {
      sub.intervalSec = request.interval ?? sub.intervalSec;
    }
    this.#persist(sub);
    if (this.#online(deviceId)) {
      await sub.establish();
    }
    return sub.view();
  }

  list(deviceId: string): SubscriptionView[] {
    return this.#of(deviceId).map((s) => s.view());
  }

  /** Ends one subscription (Expires: 0 when it is active) and forgets it; false when unknown. */
  async unsubscribe(deviceId: string, subscriptionId: string): Promise<boolean> {
    const sub = this.#subs.get(subscriptionId);
    if (!sub || sub.deviceId !== deviceId) {
      return false;
    }
    this.#subs.delete(subscriptionId);
    this.#o.store.delete(subscriptionId);
    await sub.end();
    this.#forgetCallIds(sub);
    if (sub.auto) {
      // An auto subscription removed by hand stays removed: the device keeps its own list without it.
      const defaults = this.defaults(deviceId);
      this.setDefaults(
        deviceId,
        defaults.effective.filter((e) => e !== sub.event),
      );
    }
    return true;
  }

  defaults(deviceId: string): SubscriptionDefaults {
    const own = this.#o.store.defaults(deviceId);
    return {
      deviceId,
      events: own ?? null,
      effective: [...(own ?? this.#o.settings.autoSubscribe)],
    };
  }

  /**
   * Sets (or with null, clears) the device's own auto-subscribe list and applies it now: events
   * added are subscribed while the device is online, auto subscriptions no longer wanted end.
   */
  setDefaults(deviceId: string, events: SubscriptionEvent[] | null): SubscriptionDefaults {
    this.#o.store.setDefaults(
      deviceId,
      events === null ? null : SUBSCRIPTION_EVENTS.filter((e) => events.includes(e)),
    );
    const view = this.defaults(deviceId);
    for (const s of this.#of(deviceId)) {
      if (s.auto && !view.effective.includes(s.event)) {
        this.#subs.delete(s.id);
        this.#o.store.delete(s.id);
        void s.end().finally(() => this.#forgetCallIds(s));
      }
    }
    if (this.#online(deviceId)) {
      for (const s of this.#ensureAuto(deviceId)) {
        void s.establish();
      }
    }
    return view;
  }

  /** Ends every active subscription (Expires: 0), at shutdown; waits at most `timeoutMs`. */
  async close(timeoutMs = 1000): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    const ends = [...this.#subs.values()].map((s) => {
      // Keep the record: after a restart the gateway subscribes again when the device is back.
      const record = s.record();
      return s.end().then(() => this.#o.store.put({ ...record, dialog: null }));
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(ends),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #ensureAuto(deviceId: string): Subscription[] {
    const have = new Set(this.#of(deviceId).map((s) => s.event));
    const added: Subscription[] = [];
    for (const event of this.defaults(deviceId).effective) {
      if (!have.has(event)) {
        const sub = this.#create(deviceId, event, true);
        this.#persist(sub);
        added.push(sub);
      }
    }
    return added;
  }

  #create(deviceId: string, event: SubscriptionEvent, auto: boolean): Subscription {
    const s = this.#o.settings;
    const sub = new Subscription(
      {
        subscriptionId: `sub_${randomBytes(6).toString('hex')}`,
        deviceId,
        event,
        expiresSec: s.expiresSec,
        intervalSec: event === 'mobile-position' ? s.positionIntervalSec : null,
        auto,
        createdAt: new Date(this.#now()).toISOString(),
        dialog: null,
      },
      this.#deps(),
    );
    this.#add(sub);
    return sub;
  }

  #add(sub: Subscription): void {
    this.#subs.set(sub.id, sub);
    if (sub.callId) {
      this.#byCallId.set(sub.callId, sub);
    }
  }

  #of(deviceId: string): Subscription[] {
    return [...this.#subs.values()].filter((s) => s.deviceId === deviceId);
  }

  #online(deviceId: string): DeviceSession | undefined {
    const s = this.#o.sessions.get(deviceId);
    return s?.online ? s : undefined;
  }

  #persist(sub: Subscription): void {
    if (this.#subs.get(sub.id) === sub) {
      this.#o.store.put(sub.record());
    }
  }

  #forgetCallIds(sub: Subscription): void {
    for (const [callId, s] of this.#byCallId) {
      if (s === sub) {
        this.#byCallId.delete(callId);
      }
    }
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #deps() {
    const o = this.#o;
    return {
      ua: o.ua,
      online: (deviceId: string) => this.#online(deviceId),
      persist: (sub: Subscription) => this.#persist(sub),
      nextSn: () => o.nextSn(),
      expectCallId: (callId: string, sub: Subscription) => {
        // One live Call-ID per subscription: the previous dialog's NOTIFYs are no longer its.
        this.#forgetCallIds(sub);
        this.#byCallId.set(callId, sub);
      },
      onActive: (sub: Subscription) => o.hooks?.active?.(sub.event),
      onFailed: (sub: Subscription) => o.hooks?.failed?.(sub.event),
      log: o.log,
      now: () => this.#now(),
      retryBaseMs: o.settings.retryBaseMs ?? 1000,
      retryMaxMs: o.settings.retryMaxMs ?? 60_000,
    };
  }
}

/** GW_ERR_SUBSCRIPTION_NOT_FOUND for the API. */
export function subscriptionNotFound(deviceId: string, subscriptionId: string): GatewayError {
  return new GatewayError(
    'GW_ERR_SUBSCRIPTION_NOT_FOUND',
    `device ${deviceId} has no subscription ${subscriptionId}`,
  );
}
