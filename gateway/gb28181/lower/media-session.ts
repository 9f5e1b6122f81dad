// One media dialog on the device side (docs/gb28181.md §7, §8): answer the INVITE with a sendonly SDP,
// stream PS over RTP once the ACK arrives (at the 200 for Dahua, quirk 12), obey MANSRTSP INFO
// (PLAY/PAUSE/Scale/Range), send MediaStatus 121 inside the dialog at the end of a playback
// range, and end on BYE from either side or CANCEL before the answer. close() is idempotent.
import { Buffer } from 'node:buffer';
import type { Logger } from '../../log.js';
import { PsRtpSender, type FaultOptions } from '../../outbound/ps-rtp-sender.js';
import { createInDialogRequest, dialogAsUas, type Dialog } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { MEDIA_STATUS_END_OF_FILE } from '../manscdp/event.js';
import { buildMansRtspResponse, parseMansRtsp } from '../mansrtsp.js';
import { gbAnswer } from '../sdp/offer-answer.js';
import type { GbSdpMedia } from '../sdp/model.js';
import { readSelection, selectionAttributes } from '../sdp/stream-selection.js';
import type { LiveStream, SelectionDialect } from '../../device-settings.js';
import { writeGbSdp } from '../sdp/write.js';
import type { MediaSource } from './backend.js';
import type { InvitePlan } from './invite-plan.js';
import type { UpperLink } from './upper-link.js';

export type SessionEndReason =
  'bye-received' | 'bye-sent' | 'cancelled' | 'no-ack' | 'media-error' | 'closed';

export interface MediaSessionOptions {
  link: UpperLink;
  channelId: string;
  plan: InvitePlan;
  source: MediaSource;
  /** Address written in the answer's c= and o= (where the upper sees our media). */
  mediaHost: string;
  /** Local address media sockets bind to. Default '0.0.0.0'. */
  mediaBindHost?: string;
  faults?: FaultOptions;
  /** After MediaStatus 121 the upper should BYE; we BYE ourselves after this long. Default 30 000 ms. */
  endGraceMs?: number;
  /** No ACK for our 200 within this ⇒ the dialog is dropped (RFC 3261 §13.3.1.4: 64·T1). Default 32 000 ms. */
  ackTimeoutMs?: number;
  log: Logger;
  onEnd(session: MediaSession, reason: SessionEndReason): void;
}

export interface MediaSessionInfo {
  callId: string;
  channelId: string;
  kind: InvitePlan['request']['kind'];
  transport: InvitePlan['transport']['kind'];
  ssrc: number;
  answerSsrc: string | undefined;
  /** live: the encoder stream the offer asked for (undefined: none named) and the one served. */
  streamAsked: LiveStream | undefined;
  streamServed: LiveStream | undefined;
  /** The offer's c= address for the media (PATCH mediaIp on the upper shows here). */
  offerAddress: string | undefined;
  /** The offer's media attributes beyond the GB ones (a stream selection, verbatim without "a="). */
  offerAttributes: string[];
  localPort: number;
  started: boolean;
  packets: number;
  accessUnits: number;
}

export class MediaSession {
  readonly #o: MediaSessionOptions;
  readonly #sender: PsRtpSender;
  #dialog: Dialog | undefined;
  #started = false;
  #ended = false;
  #closed = false;
  /** drop(): end without a BYE. */
  #quiet = false;
  #timer: NodeJS.Timeout | undefined;
  readonly callId: string;

  private constructor(opts: MediaSessionOptions, sender: PsRtpSender, callId: string) {
    this.#o = opts;
    this.#sender = sender;
    this.callId = callId;
  }

  /**
   * Prepare media (bind, listen or dial), then answer 200 with SDP. Resolves with the session, or
   * undefined when the INVITE was answered with an error or cancelled meanwhile.
   */
  static async answer(
    invite: SipRequest,
    tx: ServerTransaction,
    opts: MediaSessionOptions,
  ): Promise<MediaSession | undefined> {
    const { plan, link } = opts;
    const t = plan.transport;
    const sender = new PsRtpSender({
      ssrc: plan.rtpSsrc,
      transport: t.kind,
      ...(t.kind === 'tcp-passive' ? {} : { remoteHost: t.remoteHost, remotePort: t.remotePort }),
      bindHost: opts.mediaBindHost ?? '0.0.0.0',
      video: opts.source.info.video,
      ...(opts.source.info.audio ? { audio: opts.source.info.audio } : {}),
      ...(opts.faults ? { faults: opts.faults } : {}),
      muxer: link.profile.psMux,
    });
    const session = new MediaSession(opts, sender, invite.headers.get('call-id') ?? '');
    // A CANCEL after our 200 changes nothing (RFC 3261 §9.2); before it, the INVITE got 487.
    tx.onCancel(() => {
      if (!session.#dialog) {
        session.close('cancelled');
      }
    });
    try {
      // Listen, bind or dial before answering: the answer carries our port, and the upper
      // listens before it sends the INVITE (docs/gb28181.md §7.2).
      await sender.open();
    } catch (err) {
      opts.log.warn(
        { err, channelId: opts.channelId, transport: t.kind },
        'media transport could not be opened',
      );
      session.close('media-error');
      if (!tx.finalSent) {
        tx.respond(t.kind === 'tcp-active' ? 503 : 500, 'Media Transport Failed');
      }
      return undefined;
    }
    if (tx.cancelled || session.#closed) {
      session.close('cancelled');
      return undefined;
    }
    const answer = gbAnswer(plan.offer, {
      originId: link.localId,
      address: opts.mediaHost,
      port: sender.localPort,
      ...(opts.source.info.fileSizeBytes !== undefined ? { fileSize: opts.source.info.fileSizeBytes } : {}),
      sessionId: String(Math.floor(Date.now() / 1000)),
      // The stream served, named in the dialects the offer used (docs/gb28181.md §7.5).
      attributes: selectionAttributesNaming(opts.source.info.stream ?? 'main', plan.selectionDialects),
    });
    if (!answer.ok) {
      session.close('media-error');
      tx.respond(488);
      return undefined;
    }
    const sdp = answer.value;
    if (plan.answerSsrc === undefined) {
      delete sdp.ssrc;
    } else {
      sdp.ssrc = plan.answerSsrc;
    }
    const res = tx.respond(200, 'OK', {
      headers: [
        ['Contact', `<${link.contactUri}>`],
        ['User-Agent', link.profile.userAgent],
      ],
      body: writeGbSdp(sdp),
      contentType: 'application/sdp',
    });
    const dialog = res && dialogAsUas(invite, res, tx.remote);
    if (!dialog) {
      session.close('media-error');
      return undefined;
    }
    session.#dialog = dialog;
    if (link.profile.mediaBeforeAck) {
      session.#startMedia();
    } else {
      session.#timer = setTimeout(() => session.#hangUp('no-ack'), opts.ackTimeoutMs ?? 32_000);
    }
    return session;
  }

  get info(): MediaSessionInfo {
    const { plan } = this.#o;
    return {
      callId: this.callId,
      channelId: this.#o.channelId,
      kind: plan.request.kind,
      transport: plan.transport.kind,
      ssrc: plan.rtpSsrc,
      answerSsrc: plan.answerSsrc,
      streamAsked: readSelection(offerMedia(plan).otherAttributes)?.stream,
      streamServed: this.#o.source.info.stream,
      offerAddress: offerMedia(plan).connectionAddress ?? plan.offer.connectionAddress,
      offerAttributes: [...offerMedia(plan).otherAttributes],
      localPort: this.#sender.localPort,
      started: this.#started,
      packets: this.#sender.stats.packets,
      accessUnits: this.#sender.stats.accessUnits,
    };
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** The ACK for our 200 arrived: media flows now (unless it already does). */
  ack(): void {
    if (this.#closed) {
      return;
    }
    this.#clearTimer();
    this.#startMedia();
  }

  /** An in-dialog request from the upper: BYE, INFO (MANSRTSP), or anything else (200). */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    switch (req.method) {
      case 'BYE':
        tx.respond(200);
        this.close('bye-received');
        return;
      case 'INFO':
        this.#info(req, tx);
        return;
      default:
        tx.respond(req.method === 'INVITE' ? 488 : 200);
    }
  }

  /** End the session; sends BYE when the dialog is up and the upper did not end it. Idempotent. */
  /** The device is gone (power cut): media stops, nothing is sent, the session ends quietly. */
  drop(): void {
    this.#quiet = true;
    this.close('media-error');
  }

  close(reason: SessionEndReason = 'closed'): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#clearTimer();
    this.#o.source.close();
    this.#sender.close();
    if (this.#dialog && !this.#quiet && reason !== 'bye-received' && reason !== 'cancelled') {
      const bye = createInDialogRequest(this.#dialog, 'BYE');
      void this.#o.link.ua.request(bye, this.#dialog.remote).then((res) => {
        if (res.status >= 300) {
          this.#o.log.debug({ status: res.status, callId: this.callId }, 'BYE not accepted');
        }
      });
    }
    // Only a session that was answered was ever reported to the platform.
    if (this.#dialog) {
      this.#o.onEnd(this, reason === 'closed' ? 'bye-sent' : reason);
    }
  }

  #startMedia(): void {
    if (this.#started || this.#closed) {
      return;
    }
    this.#started = true;
    const begin = (): void => {
      if (this.#closed) {
        return;
      }
      this.#o.source.start(
        (au) => this.#sender.sendAccessUnit(au),
        () => this.#endOfFile(),
        (reason) => {
          this.#o.log.info({ callId: this.callId, reason }, 'media source failed; sending BYE');
          this.close('media-error');
        },
      );
    };
    // Over TCP the upper may connect after the ACK: start the clip (at its keyframe) only once
    // someone is there to receive it, instead of dropping the first GOP.
    if (this.#sender.connected) {
      begin();
    } else {
      void this.#sender.whenConnected().then(begin);
    }
  }

  #info(req: SipRequest, tx: ServerTransaction): void {
    const parsed = parseMansRtsp(Buffer.from(req.body).toString('utf8'));
    if (!parsed.ok) {
      tx.respond(400, 'Bad MANSRTSP');
      return;
    }
    const r = parsed.value;
    const source = this.#o.source;
    switch (r.method) {
      case 'PAUSE':
        source.pause();
        break;
      case 'PLAY':
        if (r.scale !== undefined) {
          source.setScale(r.scale);
        }
        if (r.range && r.range.start !== 'now') {
          source.seek(r.range.start);
        }
        source.resume();
        break;
      case 'TEARDOWN':
        break;
    }
    tx.respond(200, 'OK', {
      body: buildMansRtspResponse({ status: 200, reason: 'OK', cseq: r.cseq }),
      contentType: 'Application/MANSRTSP',
    });
    if (r.method === 'TEARDOWN') {
      this.close();
    }
  }

  /** MediaStatus 121 inside the dialog (docs/gb28181.md §8.2); the upper answers 200 and BYEs. */
  #endOfFile(): void {
    if (this.#ended || this.#closed || !this.#dialog) {
      return;
    }
    this.#ended = true;
    const link = this.#o.link;
    const body = link.encode({
      kind: 'MediaStatus',
      sn: link.nextSn(),
      deviceId: this.#o.channelId,
      notifyType: MEDIA_STATUS_END_OF_FILE,
    });
    const msg = createInDialogRequest(this.#dialog, 'MESSAGE', {
      body,
      contentType: 'Application/MANSCDP+xml',
    });
    void link.ua.request(msg, this.#dialog.remote);
    this.#timer = setTimeout(() => this.#hangUp('bye-sent'), this.#o.endGraceMs ?? 30_000);
  }

  #hangUp(reason: SessionEndReason): void {
    this.#o.log.debug({ callId: this.callId, reason }, 'ending the media dialog ourselves');
    this.close(reason);
  }

  #clearTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
    }
    this.#timer = undefined;
  }
}

/** The offered media the plan answers (the first video with a port). */
function offerMedia(plan: InvitePlan): GbSdpMedia {
  const media = plan.offer.media;
  return media.find((m) => m.type === 'video' && m.port > 0) ?? media.find((m) => m.port > 0) ?? media[0];
}

/**
 * The answer's selection lines: `served` in every dialect the offer used. Unlike an offer, an
 * answer names main too, so the upper can tell "main, as you see" from "nothing said".
 */
function selectionAttributesNaming(served: LiveStream, dialects: readonly SelectionDialect[]): string[] {
  if (served !== 'main') {
    return selectionAttributes(served, dialects);
  }
  return dialects.map((d) => (d === 'streamMode' ? 'streamMode:main' : `${d}:0`));
}
