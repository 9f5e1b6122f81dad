// Where a request routed to one lower-platform identity goes: first the dialogs it belongs to
// (voice broadcast, media, catalog/alarm/position subscriptions), then by method: MESSAGE by its
// CmdType to the query responder or the broadcast calls, INVITE to the media dialogs, SUBSCRIBE
// by its body's CmdType to the catalog or the event notifier. Answers everything; never throws.
import type { Logger } from '../../log.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { parseManscdp } from '../manscdp/codec.js';
import type { LowerBackend } from './backend.js';
import type { BroadcastCalls } from './broadcast-calls.js';
import type { CatalogNotifier } from './catalog-notifier.js';
import type { EventNotifier } from './event-notifier.js';
import type { MediaDialogs } from './media-dialogs.js';
import type { QueryResponder } from './query-responder.js';
import type { VendorProfile } from './vendor-profile.js';

export interface LowerRequestDispatchDeps {
  profile: VendorProfile;
  log: Logger;
  broadcasts: BroadcastCalls;
  media: MediaDialogs;
  catalog: CatalogNotifier;
  events: EventNotifier;
  responder: QueryResponder;
  /** Fallen silent (LowerPlatform.fallSilent): requests are not answered. */
  silent(): boolean;
  /** Learn the channel IDs again (a CatalogQuery or a Catalog subscription may follow a change). */
  refreshChannels(): Promise<void>;
  backend: LowerBackend;
}

export class LowerRequestDispatch {
  readonly #d: LowerRequestDispatchDeps;

  constructor(deps: LowerRequestDispatchDeps) {
    this.#d = deps;
  }

  handle(req: SipRequest, tx: ServerTransaction): void {
    const d = this.#d;
    if (d.silent() || d.broadcasts.handleRequest(req, tx)) {
      return;
    }
    const session = d.media.of(req);
    if (session) {
      session.handleRequest(req, tx);
      return;
    }
    if (d.catalog.handleInDialog(req, tx) || d.events.handleInDialog(req, tx)) {
      return;
    }
    switch (req.method) {
      case 'MESSAGE':
        this.#message(req, tx);
        return;
      case 'INVITE':
        void d.media.invite(req, tx);
        return;
      case 'OPTIONS':
        tx.respond(200);
        return;
      case 'SUBSCRIBE': {
        // The body's CmdType says what is subscribed (uppers send alarm and position
        // subscriptions with `Event: presence`, some even with `Event: Catalog`).
        const parsed = req.body.length > 0 ? parseManscdp(req.body) : undefined;
        const query = parsed?.ok ? parsed.value.message : undefined;
        if (query?.kind === 'AlarmQuery' || query?.kind === 'MobilePositionQuery') {
          d.events.handleSubscribe(req, tx, query);
          return;
        }
        d.catalog.handleSubscribe(req, tx, async () => {
          await d.refreshChannels();
          return d.backend.channels();
        });
        return;
      }
      case 'BYE':
      case 'INFO':
        tx.respond(481);
        return;
      default:
        tx.respond(405, undefined, {
          headers: [['Allow', 'INVITE, ACK, BYE, CANCEL, INFO, MESSAGE, OPTIONS']],
        });
    }
  }

  #message(req: SipRequest, tx: ServerTransaction): void {
    const d = this.#d;
    // 200 at once, before parsing (docs/gb28181.md §0 "Two-step answers"); the answer follows separately.
    tx.respond(200, 'OK', { headers: [['User-Agent', d.profile.userAgent]] });
    const parsed = parseManscdp(req.body);
    if (!parsed.ok) {
      d.log.debug({ error: parsed.error, detail: parsed.detail }, 'unreadable MANSCDP body ignored');
      return;
    }
    const message = parsed.value.message;
    if (message.kind === 'CatalogQuery') {
      void d.refreshChannels();
    }
    if (message.kind === 'BroadcastNotify') {
      void d.broadcasts.notify(message);
      return;
    }
    void d.responder.handle(message);
  }
}
