// Alarm and MobilePosition subscriptions of a lower platform (GB/T 28181-2016 §9.4, §9.11;
// docs/gb28181.md §9; docs/events.md §6): an upper SUBSCRIBEs with a <Query> Alarm or
// MobilePosition body (usually `Event: presence`; the body says which); we accept, hold the
// dialog, and NOTIFY inside it: each alarm as it is raised (within the query's priority range),
// positions every <Interval> seconds (the first at once). An alarm with no alarm subscription
// goes out as an out-of-dialog MESSAGE, as devices report alarms unsubscribed. Refresh, `Expires:
// 0` and expiry end a subscription as for the catalog (catalog-notifier.ts).
import type { Logger } from '../../log.js';
import { createInDialogRequest, dialogAsUas, dialogIdOfRequest, type Dialog } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { answerInSubscription, grantedExpires } from './subscription-requests.js';
import { formatGbDateTime, wallClockAt } from '../gb-date.js';
import type { AlarmNotify, AlarmQuery, MobilePositionNotify, MobilePositionQuery } from '../manscdp/event.js';
import type { LowerAlarm, LowerPosition, MaybePromise } from './backend.js';
import { MANSCDP_CONTENT_TYPE } from './manscdp-writer.js';
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

interface Held {
  kind: Kind;
  dialog: Dialog;
  event: string;
  expiresAt: number;
  expiry: NodeJS.Timeout | undefined;
  /** Alarm filter from the query (inclusive); undefined = any. */
  priorities?: { from: number; to: number };
  method?: number;
  /** MobilePosition: the report timer and the newest fix sent per channel. */
  intervalSec?: number;
  ticker?: NodeJS.Timeout;
  sent?: Map<string, number>;
  /** A report is still being sent (a slow upper): the next tick is skipped, not queued. */
  reporting?: boolean;
}

export class EventNotifier {
  readonly #o: EventNotifierOptions;
  readonly #subs = new Map<string, Held>();
  readonly stats = { subscribes: 0, alarmNotifies: 0, alarmMessages: 0, positionNotifies: 0, failed: 0 };

  constructor(opts: EventNotifierOptions) {
    this.#o = opts;
  }

  subscriptionCount(kind?: Kind): number {
    return [...this.#subs.values()].filter((s) => kind === undefined || s.kind === kind).length;
  }

  /** An out-of-dialog SUBSCRIBE whose body is an Alarm or MobilePosition query. */
  handleSubscribe(req: SipRequest, tx: ServerTransaction, query: AlarmQuery | MobilePositionQuery): void {
    const expiresSec = grantedExpires(req, this.#maxExpiresSec);
    const res = tx.respond(200, 'OK', {
      headers: [
        ['Expires', String(expiresSec)],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
    });
    if (expiresSec === 0 || !res) {
      return;
    }
    const dialog = dialogAsUas(req, res, tx.remote);
    if (!dialog) {
      return;
    }
    this.stats.subscribes++;
    const held = this.#hold(dialog, req.headers.get('event') ?? 'presence', expiresSec, query);
    if (held.kind === 'mobile-position') {
      void this.#reportPositions(held);
    }
  }

  /** A request inside one of our dialogs (refresh or unsubscribe); false when not ours. */
  handleInDialog(req: SipRequest, tx: ServerTransaction): boolean {
    const id = dialogIdOfRequest(req);
    const held = id === undefined ? undefined : this.#subs.get(id);
    if (!held) {
      return false;
    }
    const expiresSec = answerInSubscription(req, tx, this.#maxExpiresSec);
    if (expiresSec === undefined) {
      return true;
    }
    if (expiresSec === 0) {
      this.#end(held, 'timeout');
    } else {
      this.#renew(held, expiresSec);
    }
    return true;
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
    const subs = [...this.#subs.values()].filter((s) => s.kind === 'alarm');
    if (subs.length === 0) {
      this.stats.alarmMessages++;
      const res = await link.sendManscdp(body());
      return this.#ok(res.status);
    }
    let ok = true;
    for (const s of subs.filter((h) => passes(h, alarm))) {
      this.stats.alarmNotifies++;
      ok = (await this.#notify(s, link.encode(body()))) && ok;
    }
    return ok;
  }

  /** Ends every subscription with a final NOTIFY (state terminated). Idempotent. */
  close(): void {
    for (const held of [...this.#subs.values()]) {
      this.#end(held, 'noresource');
    }
  }

  #hold(dialog: Dialog, event: string, expiresSec: number, query: AlarmQuery | MobilePositionQuery): Held {
    const held: Held = {
      kind: query.kind === 'AlarmQuery' ? 'alarm' : 'mobile-position',
      dialog,
      event,
      expiresAt: 0,
      expiry: undefined,
    };
    if (query.kind === 'AlarmQuery') {
      if (query.startAlarmPriority !== undefined || query.endAlarmPriority !== undefined) {
        held.priorities = { from: query.startAlarmPriority ?? 1, to: query.endAlarmPriority ?? 4 };
      }
      const method = Number(query.alarmMethod);
      // 0 or an empty/unreadable method means any.
      if (Number.isInteger(method) && method > 0) {
        held.method = method;
      }
    } else {
      const min = this.#o.minIntervalSec ?? 1;
      held.intervalSec =
        query.interval !== undefined && query.interval > 0 ? Math.max(min, query.interval) : 5;
      held.sent = new Map();
      held.ticker = setInterval(() => void this.#reportPositions(held), held.intervalSec * 1000);
      held.ticker.unref();
    }
    this.#subs.set(dialog.id, held);
    this.#renew(held, expiresSec);
    return held;
  }

  #renew(held: Held, expiresSec: number): void {
    clearTimeout(held.expiry);
    held.expiresAt = Date.now() + expiresSec * 1000;
    held.expiry = setTimeout(() => this.#end(held, 'timeout'), expiresSec * 1000);
    held.expiry.unref();
  }

  #end(held: Held, reason: 'timeout' | 'noresource'): void {
    clearTimeout(held.expiry);
    clearInterval(held.ticker);
    if (this.#subs.get(held.dialog.id) !== held) {
      return;
    }
    this.#subs.delete(held.dialog.id);
    void this.#notify(held, undefined, `terminated;reason=${reason}`);
  }

  async #reportPositions(held: Held): Promise<void> {
    if (held.reporting) {
      return;
    }
    held.reporting = true;
    try {
      await this.#reportPositionsOnce(held);
    } finally {
      held.reporting = false;
    }
  }

  async #reportPositionsOnce(held: Held): Promise<void> {
    let list: readonly LowerPosition[];
    try {
      list = (await this.#o.positions?.()) ?? [];
    } catch (err) {
      this.#o.log.warn({ err }, 'positions for MobilePosition NOTIFY failed');
      return;
    }
    const link = this.#o.link;
    for (const p of list) {
      if (this.#subs.get(held.dialog.id) !== held) {
        return;
      }
      // Only fixes newer than the last one sent in this subscription.
      if ((held.sent!.get(p.channelId) ?? -Infinity) >= p.timeMs) {
        continue;
      }
      held.sent!.set(p.channelId, p.timeMs);
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
      this.stats.positionNotifies++;
      await this.#notify(held, link.encode(m));
    }
  }

  async #notify(held: Held, body: Uint8Array | undefined, state = 'active'): Promise<boolean> {
    const remaining = Math.max(0, Math.round((held.expiresAt - Date.now()) / 1000));
    const notify = createInDialogRequest(held.dialog, 'NOTIFY', {
      headers: [
        ['Event', held.event],
        ['Subscription-State', state === 'active' ? `active;expires=${remaining}` : state],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
      ...(body ? { body, contentType: MANSCDP_CONTENT_TYPE } : {}),
    });
    const res = await this.#o.link.ua.request(notify, held.dialog.remote);
    if (res.status === 481 && this.#subs.get(held.dialog.id) === held) {
      // The subscriber forgot the dialog (it restarted): stop notifying it (RFC 6665 §4.1.3).
      clearTimeout(held.expiry);
      clearInterval(held.ticker);
      this.#subs.delete(held.dialog.id);
    }
    return this.#ok(res.status);
  }

  #ok(status: number): boolean {
    if (status >= 300) {
      this.stats.failed++;
      return false;
    }
    return true;
  }

  get #maxExpiresSec(): number {
    return this.#o.maxExpiresSec ?? 3600;
  }
}

function passes(held: Held, alarm: LowerAlarm): boolean {
  if (held.priorities && (alarm.priority < held.priorities.from || alarm.priority > held.priorities.to)) {
    return false;
  }
  return held.method === undefined || held.method === alarm.method;
}
