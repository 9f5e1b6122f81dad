// The media dialogs of one lower-platform identity (docs/gb28181.md §7, §8): an upper's INVITE for
// one of our channels is planned (invite-plan.ts), the backend opens the source, and the answered
// MediaSession is kept by Call-ID until it ends, for the in-dialog requests and the ACK.
import { Buffer } from 'node:buffer';
import type { Logger } from '../../log.js';
import type { FaultOptions } from '../../outbound/ps-rtp-sender.js';
import { dialogIdOfRequest } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { isMediaRefusal, type LowerBackend } from './backend.js';
import { planInvite } from './invite-plan.js';
import { MediaSession, type MediaSessionInfo, type SessionEndReason } from './media-session.js';
import type { UpperLink } from './upper-link.js';
import type { VendorProfile } from './vendor-profile.js';

export interface MediaDialogsDeps {
  link: UpperLink;
  profile: VendorProfile;
  /** SIP domain, for the INVITE plan's SSRC check. */
  realm: string;
  backend: LowerBackend;
  /** Address in SDP answers. Default the user agent's publicHost. */
  mediaHost?: string;
  mediaBindHost?: string;
  mediaFaults?: FaultOptions;
  log: Logger;
  /** True once the platform closes: new INVITEs get 503. */
  closing(): boolean;
  hasChannel(channelId: string): boolean;
  onStart(info: MediaSessionInfo): void;
  onEnd(info: MediaSessionInfo, reason: SessionEndReason): void;
}

export class MediaDialogs {
  readonly #d: MediaDialogsDeps;
  readonly #sessions = new Map<string, MediaSession>();

  constructor(d: MediaDialogsDeps) {
    this.#d = d;
  }

  get infos(): MediaSessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info);
  }

  has(callId: string): boolean {
    return this.#sessions.has(callId);
  }

  /** The media dialog an in-dialog request belongs to (Call-ID and our To tag). */
  of(req: SipRequest): MediaSession | undefined {
    const session = this.#sessions.get(req.headers.get('call-id') ?? '');
    if (!session?.dialog) {
      return undefined;
    }
    return dialogIdOfRequest(req) === session.dialog.id ? session : undefined;
  }

  /** The ACK for a 200 we sent. */
  ack(ack: SipRequest): void {
    this.#sessions.get(ack.headers.get('call-id') ?? '')?.ack();
  }

  /** Ends every dialog with a BYE. */
  closeAll(): void {
    for (const s of [...this.#sessions.values()]) {
      s.close();
    }
  }

  /** Stops every stream without a word to the upper (a device losing power). */
  dropAll(): void {
    for (const s of [...this.#sessions.values()]) {
      s.drop();
    }
  }

  async invite(req: SipRequest, tx: ServerTransaction): Promise<void> {
    const d = this.#d;
    if (d.closing()) {
      tx.respond(503);
      return;
    }
    const channelId = /^sips?:([^@;>]+)@/i.exec(req.uri)?.[1] ?? '';
    const plan = planInvite(Buffer.from(req.body).toString('utf8'), d.profile, d.realm);
    if (!plan.ok) {
      d.log.debug({ channelId, reason: plan.reason }, 'INVITE refused');
      tx.respond(plan.status);
      return;
    }
    if (!d.hasChannel(channelId)) {
      tx.respond(404);
      return;
    }
    let source;
    try {
      source = await d.backend.openMedia(channelId, plan.plan.request);
    } catch (err) {
      d.log.warn({ err, channelId }, 'backend openMedia failed');
      source = { refused: true as const, status: 500 };
    }
    if (isMediaRefusal(source)) {
      if (!tx.finalSent) {
        tx.respond(source.status, source.reason);
      }
      return;
    }
    if (tx.cancelled) {
      source.close();
      return;
    }
    const session = await MediaSession.answer(req, tx, {
      link: d.link,
      channelId,
      plan: plan.plan,
      source,
      mediaHost: d.mediaHost ?? d.link.ua.publicHost,
      ...(d.mediaBindHost !== undefined ? { mediaBindHost: d.mediaBindHost } : {}),
      ...(d.mediaFaults ? { faults: d.mediaFaults } : {}),
      log: d.log,
      onEnd: (s, reason) => {
        this.#sessions.delete(s.callId);
        d.onEnd(s.info, reason);
      },
    });
    if (!session) {
      return;
    }
    this.#sessions.set(session.callId, session);
    d.onStart(session.info);
  }
}
