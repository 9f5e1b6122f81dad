// One device channel of a talk, on the upper platform's side of GB/T 28181 voice broadcast
// (2016 §9.12, docs/gb28181.md §9, docs/voice.md §2): send the Broadcast notify, take the
// device's Response, take its audio INVITE and answer it with the media it asked for (opened on
// the media side, gateway/talk/), end on BYE from either side. Every step goes into a diagnosis;
// a device that answers and never INVITEs fails within the INVITE timeout with the causes that
// are usually behind it.
import { Buffer } from 'node:buffer';
import type { Logger } from '../../../log.js';
import {
  createInDialogRequest,
  dialogAsUas,
  parseNameAddr,
  parseSipUri,
  type Dialog,
  type ServerTransaction,
  type SipRequest,
  type SipUserAgent,
} from '../../../sip/index.js';
import type { VoiceStore } from '../../../store/voice-store.js';
import type { DeviceLeg, TalkMedia } from '../../../talk/talk-media.js';
import type { TalkFailure, TalkTargetState, TalkTargetView } from '../../../views/voice.js';
import type { BroadcastResponse } from '../../manscdp/event.js';
import {
  chooseBroadcastMedia,
  broadcastAnswer,
  readBroadcastOffer,
  type BroadcastMedia,
} from '../../sdp/broadcast.js';
import { parseGbSdp } from '../../sdp/parse.js';
import { writeGbSdp } from '../../sdp/write.js';
import { ssrcToUint32 } from '../../ssrc.js';
import type { DeviceMessenger } from '../device-messenger.js';
import type { DeviceSessions } from '../device-sessions.js';
import { noInviteCause, randomSsrc, TalkDiagnosis } from './talk-diagnosis.js';

export interface BroadcastTimeouts {
  /** Waiting for the device's Broadcast Response (its absence alone fails nothing). */
  responseMs: number;
  /** From the notify to the device's INVITE: past it the target fails with 'no-invite'. */
  inviteMs: number;
  /** Our 200 unacknowledged this long: BYE (RFC 3261 §13.3.1.4, 64·T1). */
  ackMs: number;
  /** TCP passive: the device must connect to our media port within this after our 200. */
  connectMs: number;
}

export interface BroadcastTargetDeps {
  ua: SipUserAgent;
  messenger: DeviceMessenger;
  sessions: DeviceSessions;
  voiceStore: VoiceStore;
  media: TalkMedia;
  /** The gateway's SIP ID. */
  gatewayId: string;
  timeouts: BroadcastTimeouts;
  log: Logger;
  nextSn(): string;
  /** Metrics: a target failed for this reason. */
  onFailure?(failure: TalkFailure): void;
}

export interface BroadcastTargetParams {
  talkId: string;
  deviceId: string;
  channelId: string;
  /** The talk's own source ID; the gateway's ID goes out instead for a device known to INVITE it. */
  talkSourceId: string;
  /** A clip is queued whole on the leg; a live source keeps it short. */
  source: 'live' | 'clip';
  /** The leg carries audio now (attach it to the talk's fan-out). */
  onStreaming(target: BroadcastTarget, leg: DeviceLeg): void;
  /** The target ended or failed; called once. */
  onEnded(target: BroadcastTarget): void;
}

export class BroadcastTarget {
  readonly deviceId: string;
  readonly channelId: string;
  /** The SourceID our notify carried. */
  readonly sourceId: string;
  readonly diagnosis = new TalkDiagnosis();
  state: TalkTargetState = 'notifying';
  sn = '';
  readonly #deps: BroadcastTargetDeps;
  readonly #p: BroadcastTargetParams;
  #leg: DeviceLeg | undefined;
  #dialog: Dialog | undefined;
  #media: BroadcastMedia | undefined;
  #ssrc: string | undefined;
  #addressing: 'source' | 'gateway' | null = null;
  #inviteTimer: NodeJS.Timeout | undefined;
  #ackTimer: NodeJS.Timeout | undefined;
  #responded: () => void = () => {};

  constructor(params: BroadcastTargetParams, deps: BroadcastTargetDeps) {
    this.#p = params;
    this.#deps = deps;
    this.deviceId = params.deviceId;
    this.channelId = params.channelId;
    const remembered = deps.voiceStore.getForm(params.deviceId);
    this.sourceId = remembered?.addressing === 'gateway' ? deps.gatewayId : params.talkSourceId;
  }

  get talkId(): string {
    return this.#p.talkId;
  }

  get dialogId(): string | undefined {
    return this.#dialog?.id;
  }

  get leg(): DeviceLeg | undefined {
    return this.#leg;
  }

  /** Waiting for the device's INVITE (its Response may not have come: some devices skip it). */
  get expectsInvite(): boolean {
    return this.state === 'notifying' || this.state === 'waiting-invite';
  }

  get done(): boolean {
    return this.state === 'ended' || this.state === 'failed';
  }

  view(): TalkTargetView {
    const m = this.#media;
    return {
      deviceId: this.deviceId,
      channelId: this.channelId,
      state: this.state,
      transport: this.#leg?.transport ?? null,
      form: m?.form ?? null,
      payloadType: m?.payloadType ?? null,
      codec: m?.law ?? null,
      ssrc: this.#ssrc ?? null,
      addressing: this.#addressing,
      packetsSent: this.#leg?.stats.packets ?? 0,
      failure: this.diagnosis.failure,
      error: this.diagnosis.error,
      steps: [...this.diagnosis.steps],
    };
  }

  /**
   * Sends the notify. Resolves once the device answered it with its Response, or the response
   * wait ran out, or the target failed; the INVITE wait goes on after that.
   */
  async start(): Promise<void> {
    const { deviceId, channelId } = this;
    const session = this.#deps.sessions.get(deviceId);
    if (!session?.online) {
      this.#fail('offline', `device ${deviceId} is not registered (offline)`);
      return;
    }
    const responded = new Promise<void>((resolve) => (this.#responded = resolve));
    this.sn = this.#deps.nextSn();
    this.diagnosis.add(
      'notify-sent',
      `Broadcast SourceID ${this.sourceId} TargetID ${channelId} SN ${this.sn}`,
    );
    this.#inviteTimer = setTimeout(() => this.#noInvite(), this.#deps.timeouts.inviteMs);
    this.#inviteTimer.unref();
    let res;
    try {
      // 2016 §9.12.1: to the device, naming the target channel in TargetID.
      res = await this.#deps.messenger.send(
        session,
        { kind: 'BroadcastNotify', sn: this.sn, sourceId: this.sourceId, targetId: channelId },
        deviceId,
        this.#deps.timeouts.inviteMs,
      );
    } catch (err) {
      this.#fail('notify-rejected', `the Broadcast MESSAGE could not be sent: ${String(err)}`);
      return;
    }
    if (this.done) {
      return;
    }
    if (res.status >= 300) {
      this.#fail(
        'notify-rejected',
        res.status === 408
          ? `device ${deviceId} did not answer the Broadcast MESSAGE`
          : `device ${deviceId} answered ${res.status} ${res.reason} to the Broadcast MESSAGE`,
      );
      return;
    }
    this.diagnosis.add('notify-accepted', `${res.status} ${res.reason}`);
    const wait = setTimeout(() => this.#responded(), this.#deps.timeouts.responseMs);
    wait.unref();
    await responded;
    clearTimeout(wait);
  }

  /** The device's `<Response><CmdType>Broadcast</CmdType>` (matched by the caller). */
  deliverResponse(m: BroadcastResponse): void {
    if (this.done) {
      return;
    }
    this.diagnosis.add('response', `Result ${m.result}`);
    if (m.result === 'OK') {
      if (this.state === 'notifying') {
        this.state = 'waiting-invite';
      }
    } else {
      this.#fail(
        'refused',
        `device ${this.deviceId} refused the broadcast (Result ERROR): busy, or no audio output`,
      );
    }
    this.#responded();
  }

  /**
   * The device's audio INVITE: answer with our SDP once the media leg is open (docs/voice.md §3).
   * `addressedTo` is the user part of its Request-URI.
   */
  async acceptInvite(req: SipRequest, tx: ServerTransaction, addressedTo: string): Promise<void> {
    clearTimeout(this.#inviteTimer);
    this.#responded();
    this.#addressing =
      addressedTo === this.sourceId && this.sourceId !== this.#deps.gatewayId ? 'source' : 'gateway';
    const from = parseSipUri(parseNameAddr(req.headers.get('from') ?? '')?.uri ?? '')?.user ?? '?';
    const parsed = parseGbSdp(Buffer.from(req.body).toString('utf8'));
    const offer = parsed.ok ? readBroadcastOffer(parsed.value) : parsed;
    if (!offer.ok) {
      tx.respond(488);
      this.diagnosis.add('invite', `from ${from} to ${addressedTo}: ${offer.detail}`);
      this.#fail(
        'bad-offer',
        `device ${this.deviceId}'s audio INVITE offers nothing we can send: ${offer.detail}`,
      );
      return;
    }
    const o = offer.value;
    this.diagnosis.add(
      'invite',
      `from ${from} to ${addressedTo} (${this.#addressing === 'source' ? 'the SourceID' : 'our own ID'}): ` +
        `${o.transport}, ${o.choices.map((c) => `${c.form === 'ps' ? 'PS' : c.law}/${c.payloadType}`).join(' ')}, ` +
        `media ${o.address}:${o.port}, y=${o.ssrc ?? '(none)'}`,
    );
    const remembered = this.#deps.voiceStore.getForm(this.deviceId);
    const media = chooseBroadcastMedia(o, remembered?.form);
    this.#media = media;
    this.#ssrc = o.ssrc ?? randomSsrc();
    let leg: DeviceLeg;
    try {
      leg = await this.#deps.media.openLeg({
        id: `${this.deviceId}/${this.channelId}`,
        law: media.law,
        form: media.form,
        payloadType: media.payloadType,
        ssrc: ssrcToUint32(this.#ssrc) ?? 0,
        transport: o.transport,
        remoteHost: o.address,
        remotePort: o.port,
        source: this.#p.source,
      });
    } catch (err) {
      tx.respond(503, 'Media Unavailable');
      this.#fail('media', `our media socket could not be opened: ${(err as Error).message}`);
      return;
    }
    if (this.done || tx.cancelled) {
      leg.close();
      if (!tx.finalSent) {
        tx.respond(487);
      }
      return;
    }
    this.#leg = leg;
    const answer = broadcastAnswer({
      originId: this.#deps.gatewayId,
      address: this.#deps.media.publicIp,
      port: leg.localPort,
      media,
      transport: o.transport,
      ssrc: this.#ssrc,
      sessionName: o.sessionName || 'Play',
    });
    // The transaction layer adds our Contact to the 2xx (RFC 3261 §12.1.1): the ACK and BYE target.
    const res = tx.respond(200, 'OK', { body: writeGbSdp(answer), contentType: 'APPLICATION/SDP' });
    const dialog = res && dialogAsUas(req, res, tx.remote);
    if (!dialog) {
      this.#fail('media', 'the 200 to the INVITE could not be built (no From tag?)');
      return;
    }
    this.#dialog = dialog;
    this.state = 'streaming';
    this.diagnosis.add(
      'answered',
      `${media.form === 'ps' ? 'G.711 in PS' : 'raw G.711'} ${media.law} PT ${media.payloadType}, ` +
        `${o.transport}, our port ${leg.localPort}, y=${this.#ssrc}`,
    );
    this.#deps.voiceStore.putForm({
      deviceId: this.deviceId,
      form: media.form,
      addressing: this.#addressing,
      transport: o.transport,
      updatedAt: new Date().toISOString(),
    });
    this.#ackTimer = setTimeout(() => {
      this.#fail('no-ack', `device ${this.deviceId} never acknowledged our 200 (no ACK)`);
    }, this.#deps.timeouts.ackMs);
    this.#ackTimer.unref();
    // Audio may flow at once (Dahua connects at the 200, docs/gb28181.md §9); tcp-active dials now.
    this.#p.onStreaming(this, leg);
    leg.connect().then(
      () => this.#connected(leg),
      (err: unknown) => this.#fail('media', `could not connect to the device's media port: ${String(err)}`),
    );
    if (leg.transport === 'tcp-passive') {
      // The device said it connects (setup:active): one that never does ends the target.
      const timer = setTimeout(() => {
        if (!leg.connected) {
          this.#fail(
            'media',
            `device ${this.deviceId} did not connect to our TCP media port ${leg.localPort}`,
          );
        }
      }, this.#deps.timeouts.connectMs);
      timer.unref();
      void leg.whenConnected().then(() => {
        clearTimeout(timer);
        this.#connected(leg);
      });
    }
  }

  /** The ACK for our 200. */
  acked(): void {
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = undefined;
      this.diagnosis.add('ack');
    }
  }

  /** The device ended the dialog. */
  byeReceived(): void {
    this.#dialog = undefined;
    this.diagnosis.add('bye-received');
    this.#end('ended');
  }

  /** Ends the target (BYE when the dialog is up). Idempotent. */
  stop(reason: string): void {
    if (this.done) {
      return;
    }
    if (this.#dialog) {
      const dialog = this.#dialog;
      this.#dialog = undefined;
      this.diagnosis.add('bye-sent', reason);
      void this.#deps.ua.request(createInDialogRequest(dialog, 'BYE'), dialog.remote).then(
        (res) =>
          this.#deps.log.debug({ status: res.status, deviceId: this.deviceId }, 'broadcast BYE answered'),
        (err: unknown) => this.#deps.log.debug({ err: String(err) }, 'broadcast BYE failed'),
      );
    } else if (this.expectsInvite) {
      this.diagnosis.add('stopped', reason);
    }
    this.#end('ended');
  }

  #connected(leg: DeviceLeg): void {
    if (!this.done && leg.connected && leg.transport !== 'udp') {
      this.diagnosis.add('media-connected', leg.transport);
    }
  }

  #noInvite(): void {
    if (this.expectsInvite) {
      this.#fail(
        'no-invite',
        noInviteCause({
          deviceId: this.deviceId,
          answered: this.state === 'waiting-invite',
          waitedMs: this.#deps.timeouts.inviteMs,
          addressedTo: [...new Set([this.sourceId, this.#deps.gatewayId])],
        }),
      );
    }
  }

  #fail(failure: TalkFailure, error: string): void {
    if (this.done) {
      return;
    }
    this.diagnosis.fail(failure, error);
    this.#deps.log.info(
      { deviceId: this.deviceId, channelId: this.channelId, failure, error },
      'broadcast target failed',
    );
    this.#deps.onFailure?.(failure);
    if (this.#dialog) {
      const dialog = this.#dialog;
      this.#dialog = undefined;
      void this.#deps.ua.request(createInDialogRequest(dialog, 'BYE'), dialog.remote).catch(() => {});
    }
    this.#end('failed');
  }

  #end(state: 'ended' | 'failed'): void {
    if (this.done) {
      return;
    }
    this.state = state;
    clearTimeout(this.#inviteTimer);
    clearTimeout(this.#ackTimer);
    this.#leg?.close();
    this.#responded();
    this.#p.onEnded(this);
  }
}
