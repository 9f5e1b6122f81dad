// Catalog change notifications of a lower platform (GB/T 28181-2016 §9.11, Annex P;
// docs/gb28181.md §3.5): an upper may SUBSCRIBE with `Event: Catalog`; we accept, send the current catalog in an
// immediate NOTIFY (RFC 6665 §4.2.1.2 wants one at once) and later NOTIFY each change (ON, OFF,
// ADD, DEL, UPDATE) inside that dialog. Uppers that did not subscribe (the gateway's own upper
// role only queries) get the same <Notify> as an out-of-dialog MESSAGE, which uppers route by
// root + CmdType like any other (docs/gb28181.md §0). Pages follow Annex N: same SN, SumNum = total,
// Num per message.
import type { Logger } from '../../log.js';
import { createInDialogRequest, dialogAsUas, dialogIdOfRequest, type Dialog } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { answerInSubscription, grantedExpires } from './subscription-requests.js';
import type { CatalogEvent, CatalogEventItem } from '../manscdp/catalog.js';
import type { LowerChannel } from './backend.js';
import { catalogItemOf } from './catalog-item.js';
import { MANSCDP_CONTENT_TYPE } from './manscdp-writer.js';
import { paginate } from './paged-sender.js';
import type { UpperLink } from './upper-link.js';

export interface CatalogChange {
  event: CatalogEvent;
  channel: LowerChannel;
}

export interface CatalogNotifierOptions {
  link: UpperLink;
  log: Logger;
  /** Longest subscription we grant; a longer Expires is cut to this. Default 3600 s. */
  maxExpiresSec?: number;
}

interface Subscription {
  dialog: Dialog;
  /** The Event header as the subscriber wrote it (`Catalog;id=4862`): NOTIFYs echo it (RFC 6665 §8.2.1). */
  event: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

export class CatalogNotifier {
  readonly #o: CatalogNotifierOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly stats = { subscribes: 0, notifies: 0, messages: 0, failed: 0 };

  constructor(opts: CatalogNotifierOptions) {
    this.#o = opts;
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /**
   * An out-of-dialog SUBSCRIBE. Answers it; for an accepted Catalog subscription the current
   * channels follow as ADD events in the first NOTIFY.
   */
  handleSubscribe(
    req: SipRequest,
    tx: ServerTransaction,
    current: () => Promise<readonly LowerChannel[]>,
  ): void {
    const event = req.headers.get('event') ?? '';
    if (!isCatalogEvent(event)) {
      tx.respond(489); // Bad Event (RFC 6665 §8.2.2): alarm/position subscriptions are not offered
      return;
    }
    const expiresSec = grantedExpires(req, this.#maxExpiresSec);
    const res = tx.respond(200, 'OK', {
      headers: [
        ['Expires', String(expiresSec)],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
    });
    if (expiresSec === 0 || !res) {
      return; // a fetch-only SUBSCRIBE (Expires: 0) of a subscription we do not hold
    }
    const dialog = dialogAsUas(req, res, tx.remote);
    if (!dialog) {
      return;
    }
    this.stats.subscribes++;
    this.#hold(dialog, event, expiresSec);
    void current().then(
      (channels) => this.notify(channels.map((channel) => ({ event: 'ADD', channel }))),
      (err: unknown) => this.#o.log.warn({ err }, 'catalog for the first NOTIFY failed'),
    );
  }

  /** A request inside one of our subscription dialogs (refresh or unsubscribe); false when not ours. */
  handleInDialog(req: SipRequest, tx: ServerTransaction): boolean {
    const id = dialogIdOfRequest(req);
    const sub = id === undefined ? undefined : this.#subs.get(id);
    if (!sub) {
      return false;
    }
    const expiresSec = answerInSubscription(req, tx, this.#maxExpiresSec);
    if (expiresSec === undefined) {
      return true;
    }
    if (expiresSec === 0) {
      this.#end(sub, 'timeout'); // RFC 6665 §4.2.1.4: a final NOTIFY with state terminated
    } else {
      this.#hold(sub.dialog, sub.event, expiresSec);
    }
    return true;
  }

  /**
   * Tell the upper about catalog changes: a NOTIFY in every live subscription, or one MESSAGE
   * (per page) when there is none. Resolves true when every page was answered 2xx.
   */
  async notify(changes: readonly CatalogChange[]): Promise<boolean> {
    if (changes.length === 0) {
      return true;
    }
    const link = this.#o.link;
    const items = changes.map((c) => eventItem(c, link));
    const sn = link.nextSn();
    const pages = paginate(items, link.profile.catalogPageSize);
    const bodies = pages.map((page) =>
      link.encode({ kind: 'CatalogNotify', sn, deviceId: link.localId, sumNum: items.length, items: page }),
    );
    let ok = true;
    if (this.#subs.size === 0) {
      for (const body of bodies) {
        this.stats.messages++;
        const res = await link.request(link.createMessage(body));
        if (res.status >= 300) {
          this.stats.failed++;
          ok = false;
          break;
        }
      }
      return ok;
    }
    for (const sub of [...this.#subs.values()]) {
      for (const body of bodies) {
        if (!(await this.#sendNotify(sub, body, 'active'))) {
          ok = false;
          break;
        }
      }
    }
    return ok;
  }

  /** Ends every subscription with a final NOTIFY (RFC 6665 §4.2.2: state terminated). Idempotent. */
  close(): void {
    for (const sub of [...this.#subs.values()]) {
      this.#end(sub, 'noresource');
    }
  }

  #hold(dialog: Dialog, event: string, expiresSec: number): void {
    const existing = this.#subs.get(dialog.id);
    if (existing) {
      clearTimeout(existing.timer);
    }
    const sub: Subscription = {
      dialog: existing?.dialog ?? dialog,
      event,
      expiresAt: Date.now() + expiresSec * 1000,
      timer: setTimeout(() => this.#end(sub, 'timeout'), expiresSec * 1000),
    };
    sub.timer.unref();
    this.#subs.set(dialog.id, sub);
  }

  #end(sub: Subscription, reason: 'timeout' | 'noresource'): void {
    clearTimeout(sub.timer);
    if (this.#subs.get(sub.dialog.id) !== sub) {
      return;
    }
    this.#subs.delete(sub.dialog.id);
    void this.#sendNotify(sub, undefined, `terminated;reason=${reason}`);
  }

  async #sendNotify(sub: Subscription, body: Uint8Array | undefined, state: string): Promise<boolean> {
    const remaining = Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
    const notify = createInDialogRequest(sub.dialog, 'NOTIFY', {
      headers: [
        ['Event', sub.event],
        ['Subscription-State', state === 'active' ? `active;expires=${remaining}` : state],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
      ...(body ? { body, contentType: MANSCDP_CONTENT_TYPE } : {}),
    });
    this.stats.notifies++;
    const res = await this.#o.link.ua.request(notify, sub.dialog.remote);
    if (res.status >= 300) {
      this.stats.failed++;
      // 481: the subscriber forgot the dialog (restarted): stop notifying it (RFC 6665 §4.1.3).
      if (res.status === 481 && this.#subs.get(sub.dialog.id) === sub) {
        clearTimeout(sub.timer);
        this.#subs.delete(sub.dialog.id);
      }
      return false;
    }
    return true;
  }

  get #maxExpiresSec(): number {
    return this.#o.maxExpiresSec ?? 3600;
  }
}

/** `Event: Catalog;id=4862` (any case, any parameters). */
function isCatalogEvent(header: string): boolean {
  return header.split(';')[0].trim().toLowerCase() === 'catalog';
}

/** ADD and UPDATE carry the whole item; ON/OFF/DEL the ID, name and status (docs/gb28181.md §3.5). */
function eventItem(change: CatalogChange, link: UpperLink): CatalogEventItem {
  const full = catalogItemOf(change.channel, link);
  if (change.event === 'ADD' || change.event === 'UPDATE') {
    return { ...full, event: change.event };
  }
  const item: CatalogEventItem = { deviceId: full.deviceId, event: change.event };
  if (full.name !== undefined) {
    item.name = full.name;
  }
  if (change.event !== 'DEL' && full.status !== undefined) {
    item.status = full.status;
  }
  return item;
}
