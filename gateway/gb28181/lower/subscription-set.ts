// The subscriptions an upper platform holds with one of our notifiers (RFC 6665 as GB/T 28181-2016
// §9.11 uses it; docs/gb28181.md §3.5, §9): one per subscription dialog, renewed by a SUBSCRIBE
// inside it, ended by `Expires: 0`, by expiry or by our closing, each end with a final NOTIFY
// `Subscription-State: terminated;reason=…` (RFC 6665 §4.2.2). The catalog and the event notifier
// both keep theirs here; what their NOTIFY bodies say and when they send them stays with them.
import { createInDialogRequest, dialogAsUas, dialogIdOfRequest, type Dialog } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { SipUserAgent } from '../../sip/user-agent.js';
import { MANSCDP_CONTENT_TYPE } from './manscdp-writer.js';
import { answerInSubscription, grantedExpires } from './subscription-requests.js';

/** The reason of a final NOTIFY (RFC 6665 §4.2.2): the subscriber let it go, or we are going away. */
export type EndReason = 'timeout' | 'noresource';

export interface Subscription<T> {
  readonly dialog: Dialog;
  /** The Event header as the subscriber wrote it (`Catalog;id=4862`): NOTIFYs echo it (RFC 6665 §8.2.1). */
  readonly event: string;
  /** What the notifier keeps per subscription (a filter, a report timer). */
  readonly data: T;
  /** When it lapses unless refreshed (epoch ms). */
  readonly expiresAt: number;
}

/** What the set needs of the link to the upper platform (UpperLink has it). */
export interface SubscriptionLink {
  readonly ua: Pick<SipUserAgent, 'request'>;
  readonly contactUri: string;
  readonly profile: { readonly userAgent: string };
}

export interface SubscriptionSetOptions<T> {
  link: SubscriptionLink;
  /** Longest subscription granted; a longer Expires is cut to this. */
  maxExpiresSec: number;
  /** Called once as a subscription leaves the set (ended, expired, or forgotten by the subscriber). */
  onRemoved?: (sub: Subscription<T>) => void;
}

interface Held<T> extends Subscription<T> {
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
}

export class SubscriptionSet<T> {
  readonly #o: SubscriptionSetOptions<T>;
  readonly #held = new Map<string, Held<T>>();
  /** NOTIFYs sent (final ones included) and those answered ≥ 300. */
  readonly stats = { notifies: 0, failed: 0 };

  constructor(opts: SubscriptionSetOptions<T>) {
    this.#o = opts;
  }

  get size(): number {
    return this.#held.size;
  }

  /** The subscriptions held now (a copy: notifying may end some). */
  values(): Subscription<T>[] {
    return [...this.#held.values()];
  }

  /** Whether `sub` is still held (not ended, expired or forgotten). */
  has(sub: Subscription<T>): boolean {
    return this.#held.get(sub.dialog.id) === sub;
  }

  /**
   * Answers an out-of-dialog SUBSCRIBE 200 with the Expires granted and holds the subscription it
   * opens. Undefined for a fetch (Expires: 0: nothing is held) or when no dialog could be formed.
   */
  accept(req: SipRequest, tx: ServerTransaction, event: string, data: T): Subscription<T> | undefined {
    const expiresSec = grantedExpires(req, this.#o.maxExpiresSec);
    const res = tx.respond(200, 'OK', {
      headers: [
        ['Expires', String(expiresSec)],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
    });
    if (expiresSec === 0 || !res) {
      return undefined;
    }
    const dialog = dialogAsUas(req, res, tx.remote);
    return dialog ? this.add(dialog, event, expiresSec, data) : undefined;
  }

  /** Holds a subscription in `dialog` for `expiresSec` seconds. */
  add(dialog: Dialog, event: string, expiresSec: number, data: T): Subscription<T> {
    const held: Held<T> = { dialog, event, data, expiresAt: 0, timer: undefined };
    this.#held.set(dialog.id, held);
    this.renew(held, expiresSec);
    return held;
  }

  /**
   * A request inside one of our subscription dialogs: a refresh renews it, `Expires: 0` ends it
   * with a final NOTIFY (RFC 6665 §4.2.1.4). False when the dialog is not ours.
   */
  handleInDialog(req: SipRequest, tx: ServerTransaction): boolean {
    const id = dialogIdOfRequest(req);
    const held = id === undefined ? undefined : this.#held.get(id);
    if (!held) {
      return false;
    }
    const expiresSec = answerInSubscription(req, tx, this.#o.maxExpiresSec);
    if (expiresSec === undefined) {
      return true;
    }
    if (expiresSec === 0) {
      this.end(held, 'timeout');
    } else {
      this.renew(held, expiresSec);
    }
    return true;
  }

  /** Restarts the expiry of a held subscription: it lapses `expiresSec` seconds from now. */
  renew(sub: Subscription<T>, expiresSec: number): void {
    const held = this.#current(sub);
    if (!held) {
      return;
    }
    clearTimeout(held.timer);
    held.expiresAt = Date.now() + expiresSec * 1000;
    held.timer = setTimeout(() => this.end(held, 'timeout'), expiresSec * 1000);
    held.timer.unref();
  }

  /** Ends a subscription with a final NOTIFY (`terminated;reason=…`). Idempotent. */
  end(sub: Subscription<T>, reason: EndReason): void {
    if (this.#remove(sub)) {
      void this.#send(sub, undefined, `terminated;reason=${reason}`);
    }
  }

  /** Ends every subscription (RFC 6665 §4.2.2: we are going away). Idempotent. */
  close(): void {
    for (const held of this.values()) {
      this.end(held, 'noresource');
    }
  }

  /**
   * A NOTIFY with `body` inside the subscription's dialog, state active with the seconds left.
   * Resolves true on 2xx. A 481 means the subscriber forgot the dialog (it restarted): the
   * subscription is dropped without a final NOTIFY (RFC 6665 §4.1.3).
   */
  async notify(sub: Subscription<T>, body: Uint8Array): Promise<boolean> {
    const remaining = Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
    return this.#send(sub, body, `active;expires=${remaining}`);
  }

  async #send(sub: Subscription<T>, body: Uint8Array | undefined, state: string): Promise<boolean> {
    const notify = createInDialogRequest(sub.dialog, 'NOTIFY', {
      headers: [
        ['Event', sub.event],
        ['Subscription-State', state],
        ['Contact', `<${this.#o.link.contactUri}>`],
        ['User-Agent', this.#o.link.profile.userAgent],
      ],
      ...(body ? { body, contentType: MANSCDP_CONTENT_TYPE } : {}),
    });
    this.stats.notifies++;
    const res = await this.#o.link.ua.request(notify, sub.dialog.remote);
    if (res.status < 300) {
      return true;
    }
    this.stats.failed++;
    if (res.status === 481) {
      this.#remove(sub);
    }
    return false;
  }

  #current(sub: Subscription<T>): Held<T> | undefined {
    const held = this.#held.get(sub.dialog.id);
    return held === sub ? held : undefined;
  }

  /** Takes `sub` out of the set; false when it was no longer held. */
  #remove(sub: Subscription<T>): boolean {
    const held = this.#current(sub);
    if (!held) {
      return false;
    }
    clearTimeout(held.timer);
    this.#held.delete(held.dialog.id);
    this.#o.onRemoved?.(held);
    return true;
  }
}
