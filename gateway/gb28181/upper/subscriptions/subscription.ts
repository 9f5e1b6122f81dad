// One subscription of ours to a device (GB/T 28181-2016 §9.11; RFC 6665 as the subscriber;
// docs/events.md §6): SUBSCRIBE with the MANSCDP query body, the dialog the 2xx creates, a refresh
// inside that dialog before the device's grant runs out, a fresh SUBSCRIBE when the device no
// longer knows the dialog (481, a restart, a terminated NOTIFY), back-off on timeouts, and
// `Expires: 0` at the end. The device's NOTIFYs are answered and applied by the inbox; this
// class only keeps the subscription's state.
import type { Logger } from '../../../log.js';
import {
  createInDialogRequest,
  dialogAsUac,
  type Dialog,
  type SipRemote,
  type SipRequest,
  type SipResponse,
  type SipUserAgent,
} from '../../../sip/index.js';
import { dialogId } from '../../../sip/dialog.js';
import { formatHostPort } from '../../../sip/uri.js';
import type { StoredDialog, SubscriptionRecord } from '../../../store/subscription-store.js';
import type { SubscriptionEvent, SubscriptionState, SubscriptionView } from '../../../views/events.js';
import { encodeManscdp } from '../../manscdp/codec.js';
import { MANSCDP_CONTENT_TYPE } from '../device-messenger.js';
import type { DeviceSession } from '../device-sessions.js';
import { subscribeContent } from './subscribe-body.js';

export interface SubscriptionDeps {
  ua: SipUserAgent;
  /** The device's session when it is online. */
  online(deviceId: string): DeviceSession | undefined;
  persist(sub: Subscription): void;
  nextSn(): string;
  /** A SUBSCRIBE is about to go out under this Call-ID: its NOTIFYs may beat its 2xx (RFC 6665 §4.1.2.4). */
  expectCallId(callId: string, sub: Subscription): void;
  onActive(sub: Subscription): void;
  onFailed(sub: Subscription, status: number): void;
  log: Logger;
  now: () => number;
  /** First retry after a timeout or 5xx; doubles up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Statuses after which trying again soon may work (RFC 3261 §21: timeouts, overload, lost dialog). */
const TRANSIENT = new Set([408, 480, 481, 500, 503, 504]);

/**
 * Refresh this long before the grant ends: a minute for long grants, half the grant for short
 * ones (RFC 6665 §4.1.2.1 leaves it to the subscriber; a minute covers UDP retransmissions).
 */
export function refreshDelayMs(grantedSec: number): number {
  return grantedSec > 120 ? (grantedSec - 60) * 1000 : grantedSec * 500;
}

export class Subscription {
  readonly id: string;
  readonly deviceId: string;
  readonly event: SubscriptionEvent;
  readonly auto: boolean;
  readonly createdAt: string;
  expiresSec: number;
  intervalSec: number | null;
  state: SubscriptionState = 'pending';
  lastError: string | null = null;
  notifications = 0;
  #dialog: Dialog | undefined;
  /** The device's REGISTER Call-ID when the dialog was made: another one means it restarted (RFC 3261 §10.2.4). */
  #registrationCallId: string | undefined;
  #expiresAtMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #running: Promise<void> | undefined;
  #again = false;
  #ended = false;
  readonly #eventId = Math.floor(Math.random() * 1_000_000);
  readonly #d: SubscriptionDeps;

  constructor(record: SubscriptionRecord, deps: SubscriptionDeps) {
    this.#d = deps;
    this.id = record.subscriptionId;
    this.deviceId = record.deviceId;
    this.event = record.event;
    this.auto = record.auto;
    this.createdAt = record.createdAt;
    this.expiresSec = record.expiresSec;
    this.intervalSec = record.intervalSec;
    if (record.dialog) {
      this.#restore(record.dialog);
    }
  }

  get callId(): string | undefined {
    return this.#dialog?.callId;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** SUBSCRIBE now (a refresh inside the dialog when the device still holds it). Serialised. */
  establish(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#establishOnce();
      } while (this.#again && !this.#ended);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The device went offline: no refreshes or retries until it is back. */
  suspend(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#ended && this.state !== 'failed') {
      this.state = 'pending';
    }
  }

  /** The device restarted: the dialog died with its old registration. */
  forgetDialog(): void {
    this.#dialog = undefined;
    this.#expiresAtMs = undefined;
  }

  /**
   * Ends the subscription: `Expires: 0` inside the dialog when the device is online and holds
   * one (RFC 6665 §4.1.2.3). Resolves with the device's answer status, or undefined when nothing
   * was sent. Idempotent.
   */
  async end(): Promise<number | undefined> {
    if (this.#ended) {
      return undefined;
    }
    this.#ended = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    const session = this.#d.online(this.deviceId);
    const dialog = this.#dialog;
    this.#dialog = undefined;
    if (!session || !dialog || this.state !== 'active') {
      return undefined;
    }
    dialog.remote = session.remote;
    const res = await this.#d.ua.request(this.#inDialog(dialog, 0), dialog.remote);
    this.#d.log.info(
      { deviceId: this.deviceId, event: this.event, status: res.status },
      'unsubscribed (Expires: 0)',
    );
    return res.status;
  }

  /** A NOTIFY of this subscription (already answered 200 by the inbox). */
  notified(req: SipRequest): void {
    this.notifications++;
    const state = (req.headers.get('subscription-state') ?? '').trim().toLowerCase();
    if (!state.startsWith('terminated') || this.#ended) {
      return;
    }
    // RFC 6665 §4.1.3: the notifier ended it. After deactivated/timeout (or no reason) subscribe
    // again at once; after rejected/noresource/giveup the device does not want it.
    const reason = /reason=([a-z-]+)/.exec(state)?.[1];
    this.#dialog = undefined;
    this.#expiresAtMs = undefined;
    if (reason === 'rejected' || reason === 'noresource' || reason === 'giveup') {
      clearTimeout(this.#timer);
      this.state = 'failed';
      this.lastError = `device terminated the subscription (${reason})`;
      this.#d.persist(this);
      return;
    }
    this.state = 'pending';
    this.#d.persist(this);
    void this.establish();
  }

  view(): SubscriptionView {
    return {
      subscriptionId: this.id,
      deviceId: this.deviceId,
      event: this.event,
      expires: this.expiresSec,
      interval: this.event === 'mobile-position' ? this.intervalSec : null,
      state: this.state,
      expiresAt:
        this.state === 'active' && this.#expiresAtMs !== undefined
          ? new Date(this.#expiresAtMs).toISOString()
          : null,
      auto: this.auto,
      lastError: this.lastError,
      notifications: this.notifications,
      createdAt: this.createdAt,
    };
  }

  record(): SubscriptionRecord {
    const d = this.#dialog;
    return {
      subscriptionId: this.id,
      deviceId: this.deviceId,
      event: this.event,
      expiresSec: this.expiresSec,
      intervalSec: this.intervalSec,
      auto: this.auto,
      createdAt: this.createdAt,
      dialog:
        d && this.#expiresAtMs !== undefined
          ? {
              callId: d.callId,
              localTag: d.localTag,
              remoteTag: d.remoteTag,
              localUri: d.localUri,
              remoteUri: d.remoteUri,
              remoteTarget: d.remoteTarget,
              localCSeq: d.localCSeq,
              expiresAtMs: this.#expiresAtMs,
              registrationCallId: this.#registrationCallId ?? '',
            }
          : null,
    };
  }

  async #establishOnce(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const session = this.#d.online(this.deviceId);
    if (this.#ended || !session) {
      this.suspend();
      return;
    }
    const now = this.#d.now();
    const holds =
      this.#dialog !== undefined &&
      this.#registrationCallId === session.callId &&
      this.#expiresAtMs !== undefined &&
      this.#expiresAtMs > now;
    let req: SipRequest;
    let remote: SipRemote;
    if (holds) {
      const dialog = this.#dialog!;
      dialog.remote = session.remote;
      remote = dialog.remote;
      req = this.#inDialog(dialog, this.expiresSec);
    } else {
      this.#dialog = undefined;
      remote = session.remote;
      req = this.#outOfDialog(session);
      this.#d.expectCallId(req.headers.get('call-id') ?? '', this);
    }
    const res = await this.#d.ua.request(req, remote);
    if (this.#ended) {
      return;
    }
    if (res.status >= 200 && res.status < 300) {
      this.#accepted(req, res, remote, session, holds);
      return;
    }
    this.lastError = `${res.status} ${res.reason}`;
    this.#d.onFailed(this, res.status);
    if (holds && res.status === 481) {
      // The device forgot the dialog (RFC 6665 §4.1.2.2): a new subscription right away.
      this.#d.log.info(
        { deviceId: this.deviceId, event: this.event },
        'refresh answered 481: subscribing anew',
      );
      this.forgetDialog();
      this.#again = true;
      return;
    }
    if (TRANSIENT.has(res.status)) {
      this.state = 'retrying';
      this.#attempt++;
      const delay = Math.min(this.#d.retryMaxMs, this.#d.retryBaseMs * 2 ** Math.min(20, this.#attempt - 1));
      this.#schedule(delay);
      this.#d.log.info(
        { deviceId: this.deviceId, event: this.event, status: res.status, retryInMs: delay },
        'SUBSCRIBE failed; retrying',
      );
    } else {
      this.state = 'failed';
      this.forgetDialog();
      this.#d.log.warn(
        { deviceId: this.deviceId, event: this.event, status: res.status },
        'device refused the subscription; tried again at its next registration',
      );
    }
    this.#d.persist(this);
  }

  #accepted(
    req: SipRequest,
    res: SipResponse,
    remote: SipRemote,
    session: DeviceSession,
    refresh: boolean,
  ): void {
    const asked = this.expiresSec;
    const header = Number(res.headers.get('expires'));
    // RFC 6665 §4.1.2.1: the 2xx Expires is the grant and may be shorter; a device that leaves it
    // out is taken at our word, one that grants more is held to what we asked.
    const granted = Number.isInteger(header) && header > 0 ? Math.min(header, asked) : asked;
    if (!refresh) {
      // A 2xx without a To tag creates no dialog: refreshes then go out as new SUBSCRIBEs.
      this.#dialog = dialogAsUac(req, res, remote);
      this.#registrationCallId = session.callId;
    }
    this.#expiresAtMs = this.#d.now() + granted * 1000;
    this.state = 'active';
    this.lastError = null;
    this.#attempt = 0;
    this.#schedule(refreshDelayMs(granted));
    this.#d.persist(this);
    this.#d.onActive(this);
    this.#d.log.info(
      { deviceId: this.deviceId, event: this.event, granted, refresh },
      refresh ? 'subscription refreshed' : 'subscription accepted',
    );
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.establish();
    }, delayMs);
    this.#timer.unref?.();
  }

  #body(): { event: string; body: Uint8Array } {
    const session = this.#d.online(this.deviceId);
    const c = subscribeContent(this.event, {
      sn: this.#d.nextSn(),
      deviceId: this.deviceId,
      eventId: this.#eventId,
      interval: this.intervalSec,
    });
    return { event: c.event, body: encodeManscdp(c.body, session?.charset) };
  }

  #outOfDialog(session: DeviceSession): SipRequest {
    const uri = `sip:${this.deviceId}@${formatHostPort(session.remote.address, session.remote.port)}`;
    const { event, body } = this.#body();
    return this.#d.ua.createRequest({
      method: 'SUBSCRIBE',
      requestUri: uri,
      to: uri,
      headers: [
        ['Event', event],
        ['Expires', String(this.expiresSec)],
      ],
      body,
      contentType: MANSCDP_CONTENT_TYPE,
    });
  }

  #inDialog(dialog: Dialog, expiresSec: number): SipRequest {
    const { event, body } = this.#body();
    return createInDialogRequest(dialog, 'SUBSCRIBE', {
      headers: [
        ['Contact', `<${this.#d.ua.contactUri(dialog.remote.transport)}>`],
        ['Event', event],
        ['Expires', String(expiresSec)],
      ],
      body,
      contentType: MANSCDP_CONTENT_TYPE,
    });
  }

  #restore(d: StoredDialog): void {
    this.#dialog = {
      id: dialogId(d.callId, d.localTag, d.remoteTag),
      role: 'uac',
      callId: d.callId,
      localTag: d.localTag,
      remoteTag: d.remoteTag,
      localUri: d.localUri,
      remoteUri: d.remoteUri,
      remoteTarget: d.remoteTarget,
      localCSeq: d.localCSeq,
      remoteCSeq: undefined,
      // Replaced by the device's current address before anything is sent.
      remote: { transport: 'udp', address: '0.0.0.0', port: 0 },
    };
    this.#expiresAtMs = d.expiresAtMs;
    this.#registrationCallId = d.registrationCallId;
  }
}
