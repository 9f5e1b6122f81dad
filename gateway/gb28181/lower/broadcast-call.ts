// A voice broadcast on the device side (GB/T 28181-2016 §9.12, docs/gb28181.md §9, docs/voice.md
// §2): after answering the upper's Broadcast notify with OK, the device INVITEs the upper for the
// audio, addressed to the SourceID or to the upper's own ID, offering raw G.711 and/or PS as its
// vendor profile says, receives the RTP (talk/audio-rtp-receiver.ts) and plays it on the speaker.
// BYE from either side ends it. Used by the simulator (speaker = a tone meter) and by the cascade
// (speaker = a relay into a talk toward our own device).
import { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import type { Logger } from '../../log.js';
import { createInDialogRequest, dialogAsUac, type Dialog } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { formatHostPort } from '../../sip/uri.js';
import { AudioRtpReceiver, type AudioRtpReceiverStats } from '../../talk/audio-rtp-receiver.js';
import { buildSubject } from '../subject.js';
import { deviceBroadcastOffer, type AudioForm } from '../sdp/broadcast.js';
import { readGbAnswer } from '../sdp/offer-answer.js';
import { parseGbSdp } from '../sdp/parse.js';
import { writeGbSdp } from '../sdp/write.js';
import type { Speaker } from './backend.js';
import type { UpperLink } from './upper-link.js';

export type BroadcastEnd = 'bye-received' | 'bye-sent' | 'rejected' | 'media-error' | 'closed';

export interface BroadcastCallInfo {
  callId: string;
  targetId: string;
  sourceId: string;
  /** Who the INVITE's Request-URI named. */
  invitedId: string;
  transport: 'udp' | 'tcp-active' | 'tcp-passive';
  /** Our y=, the SSRC the upper should send with. */
  ssrc: string;
  /** What the upper's 200 chose, once answered. */
  answeredForm: AudioForm | null;
  answeredPayloadType: number | null;
  receiver: AudioRtpReceiverStats;
}

export interface BroadcastCallOptions {
  link: UpperLink;
  targetId: string;
  sourceId: string;
  speaker: Speaker;
  /** Address in our offer, and where the receiver binds. */
  mediaHost: string;
  mediaBindHost: string;
  log: Logger;
  onEnd(call: BroadcastCall, reason: BroadcastEnd): void;
}

/** A y= for a receiving device: '0', domain digits 4-8, a random stream number (2016 Annex F). */
function deviceSsrc(realm: string): string {
  return `0${realm.slice(3, 8).padEnd(5, '0')}${String(randomInt(1, 10_000)).padStart(4, '0')}`;
}

export class BroadcastCall {
  readonly callId: string;
  readonly #o: BroadcastCallOptions;
  readonly #receiver: AudioRtpReceiver;
  readonly #info: Omit<BroadcastCallInfo, 'receiver'>;
  #dialog: Dialog | undefined;
  #closed = false;

  private constructor(
    opts: BroadcastCallOptions,
    receiver: AudioRtpReceiver,
    info: Omit<BroadcastCallInfo, 'receiver'>,
  ) {
    this.#o = opts;
    this.#receiver = receiver;
    this.#info = info;
    this.callId = info.callId;
  }

  get info(): BroadcastCallInfo {
    return { ...this.#info, receiver: { ...this.#receiver.stats } };
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /**
   * Sends the INVITE and sets the media up. Resolves with the call once the upper answered 200, or
   * undefined when it refused or never answered (the speaker is closed then).
   */
  static async invite(
    opts: BroadcastCallOptions,
    register: (call: BroadcastCall) => void,
  ): Promise<BroadcastCall | undefined> {
    const { link, targetId, sourceId, speaker, log } = opts;
    const b = link.profile.broadcast;
    const payloads: Map<number, { form: 'rtp'; law: typeof b.law } | { form: 'ps' }> = new Map();
    for (const form of b.forms) {
      if (form === 'rtp') {
        payloads.set(b.law === 'PCMA' ? 8 : 0, { form: 'rtp', law: b.law });
      } else {
        payloads.set(96, { form: 'ps' });
      }
    }
    // The receiver exists before the call it reports to (its port goes into the offer).
    const ref: { call?: BroadcastCall } = {};
    const receiver = new AudioRtpReceiver({
      transport: b.transport,
      bindHost: opts.mediaBindHost,
      payloads,
      onFrame: (frame) => speaker.write(frame),
      onDisconnect: (reason) => {
        log.info({ targetId, reason }, 'broadcast media connection lost; sending BYE');
        ref.call?.close('media-error');
      },
    });
    try {
      await receiver.open();
    } catch (err) {
      log.warn({ err, targetId }, 'broadcast media socket could not be opened');
      speaker.close('media-error');
      return undefined;
    }
    const ssrc = deviceSsrc(link.realm);
    const offer = deviceBroadcastOffer({
      originId: link.localId,
      address: opts.mediaHost,
      port: receiver.localPort,
      forms: b.forms,
      law: b.law,
      transport: b.transport,
      ssrc,
    });
    if (!offer.ok) {
      receiver.close();
      speaker.close('media-error');
      return undefined;
    }
    const invitedId = b.inviteTo === 'source' ? sourceId : link.upper.id;
    const host =
      link.profile.uriHost === 'domain' ? link.realm : formatHostPort(link.upper.host, link.upper.port);
    const uri = `sip:${invitedId}@${host}`;
    const fromId = b.inviteFrom === 'channel' ? targetId : link.localId;
    const invite = link.ua.createRequest({
      method: 'INVITE',
      requestUri: uri,
      to: uri,
      from: `sip:${fromId}@${link.realm}`,
      contact: link.contactUri,
      headers: [
        // Annex K: media sender (the source) with its serial, then the receiver.
        [
          'Subject',
          buildSubject({ senderId: sourceId, senderSerial: ssrc, receiverId: targetId, receiverSerial: '0' }),
        ],
        ['User-Agent', link.profile.userAgent],
      ],
      body: writeGbSdp(offer.value),
      contentType: 'APPLICATION/SDP',
      transport: link.upper.transport,
    });
    const call = new BroadcastCall(opts, receiver, {
      callId: invite.headers.get('call-id') ?? '',
      targetId,
      sourceId,
      invitedId,
      transport: b.transport,
      ssrc,
      answeredForm: null,
      answeredPayloadType: null,
    });
    ref.call = call;
    register(call);
    const response = await link.request(invite, { timeoutMs: 10_000 });
    if (response.status < 200 || response.status >= 300) {
      log.info({ targetId, status: response.status, invitedId }, 'broadcast INVITE refused');
      call.close('rejected');
      return undefined;
    }
    const dialog = dialogAsUac(invite, response, link.remote);
    link.ua.sendAck(invite, response, link.remote);
    if (call.#closed) {
      // Closed while the INVITE was out (the platform shut down): end the dialog it just made.
      if (dialog) {
        void link.ua.request(createInDialogRequest(dialog, 'BYE'), dialog.remote);
      }
      return undefined;
    }
    const answer = parseGbSdp(Buffer.from(response.body).toString('utf8'));
    const media = answer.ok ? readGbAnswer(answer.value, ssrc) : answer;
    if (!dialog || !media.ok) {
      call.#dialog = dialog;
      log.warn({ targetId, detail: media.ok ? 'no dialog' : media.detail }, 'unusable broadcast answer');
      call.close('media-error');
      return undefined;
    }
    call.#dialog = dialog;
    const pt = media.value.payloadTypes[0];
    const kind = pt === undefined ? undefined : payloads.get(pt);
    call.#info.answeredPayloadType = pt ?? null;
    call.#info.answeredForm = kind?.form ?? null;
    if (b.transport === 'tcp-active') {
      try {
        await receiver.connect(media.value.address, media.value.port);
      } catch (err) {
        log.warn({ err, targetId }, 'could not connect to the broadcast media');
        call.close('media-error');
        return undefined;
      }
    }
    log.info(
      { targetId, invitedId, transport: b.transport, form: call.#info.answeredForm, pt },
      'broadcast audio session up',
    );
    return call;
  }

  /** An in-dialog request from the upper: BYE ends the call; anything else is acknowledged. */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    if (req.method === 'BYE') {
      tx.respond(200);
      this.#dialog = undefined;
      this.close('bye-received');
      return;
    }
    tx.respond(req.method === 'INVITE' ? 488 : 200);
  }

  /** Ends the call; BYE when the dialog is up and the upper did not end it. Idempotent. */
  close(reason: BroadcastEnd = 'closed'): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#receiver.close();
    this.#o.speaker.close(reason);
    const dialog = this.#dialog;
    if (dialog && reason !== 'bye-received') {
      const bye = createInDialogRequest(dialog, 'BYE');
      void this.#o.link.ua.request(bye, dialog.remote).then((res) => {
        if (res.status >= 300) {
          this.#o.log.debug({ status: res.status, callId: this.callId }, 'broadcast BYE not accepted');
        }
      });
    }
    this.#o.onEnd(this, reason === 'closed' ? 'bye-sent' : reason);
  }
}
