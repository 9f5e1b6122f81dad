// Catalog change notifications of a lower platform (GB/T 28181-2016 §9.11, Annex P;
// docs/gb28181.md §3.5): an upper may SUBSCRIBE with `Event: Catalog`; we accept, send the current catalog in an
// immediate NOTIFY (RFC 6665 §4.2.1.2 wants one at once) and later NOTIFY each change (ON, OFF,
// ADD, DEL, UPDATE) inside that dialog. Uppers that did not subscribe (the gateway's own upper
// role only queries) get the same <Notify> as an out-of-dialog MESSAGE, which uppers route by
// root + CmdType like any other (docs/gb28181.md §0). Pages follow Annex N: same SN, SumNum = total,
// Num per message.
import type { Logger } from '../../log.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { CatalogEvent, CatalogEventItem } from '../manscdp/catalog.js';
import type { LowerChannel } from './backend.js';
import { catalogItemOf } from './catalog-item.js';
import { paginate } from './paged-sender.js';
import { SubscriptionSet } from './subscription-set.js';
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

export class CatalogNotifier {
  readonly #o: CatalogNotifierOptions;
  readonly #subs: SubscriptionSet<undefined>;
  readonly #counts = { subscribes: 0, messages: 0, failedMessages: 0 };

  constructor(opts: CatalogNotifierOptions) {
    this.#o = opts;
    this.#subs = new SubscriptionSet({ link: opts.link, maxExpiresSec: opts.maxExpiresSec ?? 3600 });
  }

  get stats(): { subscribes: number; notifies: number; messages: number; failed: number } {
    const { subscribes, messages, failedMessages } = this.#counts;
    const { notifies, failed } = this.#subs.stats;
    return { subscribes, notifies, messages, failed: failedMessages + failed };
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
    if (!this.#subs.accept(req, tx, event, undefined)) {
      return; // a fetch-only SUBSCRIBE (Expires: 0) holds no subscription
    }
    this.#counts.subscribes++;
    void current().then(
      (channels) => this.notify(channels.map((channel) => ({ event: 'ADD', channel }))),
      (err: unknown) => this.#o.log.warn({ err }, 'catalog for the first NOTIFY failed'),
    );
  }

  /** A request inside one of our subscription dialogs (refresh or unsubscribe); false when not ours. */
  handleInDialog(req: SipRequest, tx: ServerTransaction): boolean {
    return this.#subs.handleInDialog(req, tx);
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
        this.#counts.messages++;
        const res = await link.request(link.createMessage(body));
        if (res.status >= 300) {
          this.#counts.failedMessages++;
          ok = false;
          break;
        }
      }
      return ok;
    }
    for (const sub of this.#subs.values()) {
      for (const body of bodies) {
        if (!(await this.#subs.notify(sub, body))) {
          ok = false;
          break;
        }
      }
    }
    return ok;
  }

  /** Ends every subscription with a final NOTIFY (RFC 6665 §4.2.2: state terminated). Idempotent. */
  close(): void {
    this.#subs.close();
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
