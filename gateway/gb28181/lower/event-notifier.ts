// Alarm and MobilePosition subscriptions of a lower platform (GB/T 28181-2016 §9.4, §9.11;
// docs/gb28181.md §9; docs/events.md §6): an upper SUBSCRIBEs with a <Query> Alarm or
// MobilePosition body (usually `Event: presence`; the body says which); we accept, hold the
// dialog, and NOTIFY inside it: each alarm as it is raised (within the query's priority range),
// positions every <Interval> seconds (the first at once). An alarm with no alarm subscription
// goes out as an out-of-dialog MESSAGE, as devices report alarms unsubscribed. Refresh, `Expires:
// 0` and expiry are handled alike for every subscription (subscription-set.ts).
import type { Logger } from '../../log.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { formatGbDateTime, wallClockAt } from '../gb-date.js';
import type { AlarmNotify, AlarmQuery, MobilePositionNotify, MobilePositionQuery } from '../manscdp/event.js';
import type { LowerAlarm, LowerPosition, MaybePromise } from './backend.js';
import { SubscriptionSet, type Subscription } from './subscription-set.js';
import type { UpperLink } from './upper-link.js';

export interface EventNotifierOptions {
  link: UpperLink;
  log: Logger;
  timeZone: string;
  /** The device clock (epoch ms). */
  now: () => number;
  positions?: () => MaybePromise<readonly LowerPosition[]>;
  /** Longest subscription granted. Default 3600 s. */
  maxExpiresSec?: number;
  /** Shortest position interval honoured (a 0 or a missing one gets the default). Default 1 s; default interval 5 s. */
  minIntervalSec?: number;
}

type Kind = 'alarm' | 'mobile-position';

/** What an alarm or a position subscription holds besides its dialog. */
type EventDetail =
  | {
      kind: 'alarm';
      /** Alarm filter from the query (inclusive); undefined = any. */
      priorities?: { from: number; to: number };
      method?: number;
    }
  | {
      kind: 'mobile-position';
      intervalSec: number;
      /** The report timer. */
      ticker?: NodeJS.Timeout;
      /** The newest fix sent per channel. */
      sent: Map<string, number>;
      /** A report is still being sent (a slow upper): the next tick is skipped, not queued. */
      reporting: boolean;
    };

type Held = Subscription<EventDetail>;
type PositionHeld = Subscription<Extract<EventDetail, { kind: 'mobile-position' }>>;

export class EventNotifier {
  readonly #o: EventNotifierOptions;
  readonly #subs: SubscriptionSet<EventDetail>;
  readonly #counts = {
    subscribes: 0,
    alarmNotifies: 0,
    alarmMessages: 0,
    positionNotifies: 0,
    failedMessages: 0,
  };

  constructor(opts: EventNotifierOptions) {
    this.#o = opts;
    this.#subs = new SubscriptionSet<EventDetail>({
      link: opts.link,
      maxExpiresSec: opts.maxExpiresSec ?? 3600,
      onRemoved: ({ data }) => {
        if (data.kind === 'mobile-position') {
          clearInterval(data.ticker);
        }
      },
    });
  }

  get stats(): {
    subscribes: number;
    alarmNotifies: number;
    alarmMessages: number;
    positionNotifies: number;
    failed: number;
  } {
    const { failedMessages, ...counts } = this.#counts;
    return { ...counts, failed: failedMessages + this.#subs.stats.failed };
  }

  subscriptionCount(kind?: Kind): number {
    return this.#subs.values().filter((s) => kind === undefined || s.data.kind === kind).length;
  }

  /** An out-of-dialog SUBSCRIBE whose body is an Alarm or MobilePosition query. */
  handleSubscribe(req: SipRequest, tx: ServerTransaction, query: AlarmQuery | MobilePositionQuery): void {
    const held = this.#subs.accept(req, tx, req.headers.get('event') ?? 'presence', this.#detailOf(query));
    if (!held) {
      return;
    }
    this.#counts.subscribes++;
    if (isPositions(held)) {
      held.data.ticker = setInterval(() => void this.#reportPositions(held), held.data.intervalSec * 1000);
      held.data.ticker.unref();
      void this.#reportPositions(held);
    }
  }

  /** A request inside one of our dialogs (refresh or unsubscribe); false when not ours. */
  handleInDialog(req: SipRequest, tx: ServerTransaction): boolean {
    return this.#subs.handleInDialog(req, tx);
  }

  /**
   * Reports an alarm: a NOTIFY in every alarm subscription whose filter it passes, or one MESSAGE
   * when the upper holds none. Resolves true when the upper answered 2xx to all of them.
   */
  async raiseAlarm(alarm: LowerAlarm): Promise<boolean> {
    const link = this.#o.link;
    const body = (): AlarmNotify => ({
      kind: 'AlarmNotify',
      sn: link.nextSn(),
      deviceId: alarm.sourceId,
      alarmPriority: alarm.priority,
      alarmMethod: alarm.method,
      alarmTime: formatGbDateTime(wallClockAt(alarm.timeMs, this.#o.timeZone)),
      ...(alarm.description !== undefined ? { alarmDescription: alarm.description } : {}),
      ...(alarm.longitude !== undefined ? { longitude: String(alarm.longitude) } : {}),
      ...(alarm.latitude !== undefined ? { latitude: String(alarm.latitude) } : {}),
      ...(alarm.type !== undefined ? { alarmType: alarm.type } : {}),
    });
    const subs = this.#subs.values().filter((s) => s.data.kind === 'alarm');
    if (subs.length === 0) {
      this.#counts.alarmMessages++;
      const res = await link.sendManscdp(body());
      if (res.status >= 300) {
        this.#counts.failedMessages++;
        return false;
      }
      return true;
    }
    let ok = true;
    for (const s of subs.filter((h) => passes(h.data, alarm))) {
      this.#counts.alarmNotifies++;
      ok = (await this.#subs.notify(s, link.encode(body()))) && ok;
    }
    return ok;
  }

  /** Ends every subscription with a final NOTIFY (state terminated). Idempotent. */
  close(): void {
    this.#subs.close();
  }

  #detailOf(query: AlarmQuery | MobilePositionQuery): EventDetail {
    if (query.kind === 'AlarmQuery') {
      const detail: EventDetail = { kind: 'alarm' };
      if (query.startAlarmPriority !== undefined || query.endAlarmPriority !== undefined) {
        detail.priorities = { from: query.startAlarmPriority ?? 1, to: query.endAlarmPriority ?? 4 };
      }
      const method = Number(query.alarmMethod);
      // 0 or an empty/unreadable method means any.
      if (Number.isInteger(method) && method > 0) {
        detail.method = method;
      }
      return detail;
    }
    const min = this.#o.minIntervalSec ?? 1;
    const intervalSec =
      query.interval !== undefined && query.interval > 0 ? Math.max(min, query.interval) : 5;
    return { kind: 'mobile-position', intervalSec, sent: new Map(), reporting: false };
  }

  async #reportPositions(held: PositionHeld): Promise<void> {
    if (held.data.reporting) {
      return;
    }
    held.data.reporting = true;
    try {
      await this.#reportPositionsOnce(held);
    } finally {
      held.data.reporting = false;
    }
  }

  async #reportPositionsOnce(held: PositionHeld): Promise<void> {
    let list: readonly LowerPosition[];
    try {
      list = (await this.#o.positions?.()) ?? [];
    } catch (err) {
      this.#o.log.warn({ err }, 'positions for MobilePosition NOTIFY failed');
      return;
    }
    const link = this.#o.link;
    const sent = held.data.sent;
    for (const p of list) {
      if (!this.#subs.has(held)) {
        return;
      }
      // Only fixes newer than the last one sent in this subscription.
      if ((sent.get(p.channelId) ?? -Infinity) >= p.timeMs) {
        continue;
      }
      sent.set(p.channelId, p.timeMs);
      const m: MobilePositionNotify = {
        kind: 'MobilePositionNotify',
        sn: link.nextSn(),
        deviceId: p.channelId,
        time: formatGbDateTime(wallClockAt(p.timeMs, this.#o.timeZone)),
        longitude: String(p.longitude),
        latitude: String(p.latitude),
        speed: String(p.speed ?? 0),
        direction: String(p.direction ?? 0),
        altitude: String(p.altitude ?? 0),
      };
      this.#counts.positionNotifies++;
      await this.#subs.notify(held, link.encode(m));
    }
  }
}

function isPositions(held: Held): held is PositionHeld {
  return held.data.kind === 'mobile-position';
}

function passes(detail: EventDetail, alarm: LowerAlarm): boolean {
  if (detail.kind !== 'alarm') {
    return false;
  }
  if (
    detail.priorities &&
    (alarm.priority < detail.priorities.from || alarm.priority > detail.priorities.to)
  ) {
    return false;
  }
  return detail.method === undefined || detail.method === alarm.method;
}
