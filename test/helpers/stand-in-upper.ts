// A minimal stand-in upper platform for the simulator's integration tests, built directly from
// the SIP stack (not the gateway's upper role): it challenges REGISTER with digest, answers
// keepalives, sends queries and controls, collects the answers, and plays streams into an
// RtpReceiver (rtp-receiver.ts).
import { Buffer } from 'node:buffer';
import { epochSecondsToGbTime, sipDateHeader } from '../../gateway/gb28181/gb-date.js';
import { buildMansRtsp, type MansRtspRequest } from '../../gateway/gb28181/mansrtsp.js';
import {
  encodeManscdp,
  parseManscdp,
  type ManscdpMessage,
  type ParsedManscdp,
} from '../../gateway/gb28181/manscdp/codec.js';
import { buildGbOffer, readGbAnswer, type GbAnswerMedia } from '../../gateway/gb28181/sdp/offer-answer.js';
import { parseGbSdp } from '../../gateway/gb28181/sdp/parse.js';
import { playSubject } from '../../gateway/gb28181/subject.js';
import {
  createInDialogRequest,
  dialogAsUac,
  dialogIdOfRequest,
  type Dialog,
} from '../../gateway/sip/dialog.js';
import { DigestServer } from '../../gateway/sip/digest.js';
import { parseNameAddr } from '../../gateway/sip/headers.js';
import type { SipRequest, SipResponse } from '../../gateway/sip/message.js';
import type { SipRemote } from '../../gateway/sip/remote.js';
import type { ServerTransaction } from '../../gateway/sip/server-transaction.js';
import { SipTransport } from '../../gateway/sip/transport.js';
import { SipUserAgent } from '../../gateway/sip/user-agent.js';
import { RtpReceiver, type ReceiverKind } from './rtp-receiver.js';

export interface StandInUpperOptions {
  id?: string;
  realm?: string;
  password?: string;
  transportHost?: string;
  /** Challenge with qop="auth". */
  qop?: boolean;
  /** Answer the first correct Authorization with a stale=true challenge. */
  staleOnce?: boolean;
  /** Expires granted in the REGISTER 200; default: what the device asked for. */
  grantExpiresSec?: number;
}

export interface Registered {
  deviceId: string;
  remote: SipRemote;
  registers: number;
  expires: number;
  userAgent: string | undefined;
}

export interface Received {
  deviceId: string;
  parsed: ParsedManscdp;
  message: ManscdpMessage;
  body: Uint8Array;
  callId: string;
  inDialog: boolean;
}

export type KeepaliveMode = 'answer' | 'drop' | 'reject';

export class StandInUpper {
  readonly id: string;
  readonly realm: string;
  readonly transport: SipTransport;
  readonly ua: SipUserAgent;
  readonly digest: DigestServer;
  readonly registrations = new Map<string, Registered>();
  readonly received: Received[] = [];
  readonly unregistered: string[] = [];
  readonly log = { challenges: 0, staleChallenges: 0, forbidden: 0, keepalives: 0 };
  keepaliveMode: KeepaliveMode = 'answer';
  /** Send BYE when a MediaStatus 121 arrives in a dialog (what an upper does, docs/gb28181.md §8.2). */
  byeOnMediaStatus = true;
  readonly #o: StandInUpperOptions;
  readonly #plays = new Set<PlayHandle>();
  #staleSent = false;

  private constructor(transport: SipTransport, o: StandInUpperOptions) {
    this.#o = o;
    this.id = o.id ?? '34020000002000000001';
    this.realm = o.realm ?? '3402000000';
    this.transport = transport;
    this.ua = new SipUserAgent({
      transport,
      localId: this.id,
      domain: this.realm,
      publicHost: '127.0.0.1',
      userAgent: 'stand-in-upper',
    });
    this.digest = new DigestServer({ realm: this.realm, qop: o.qop ?? false });
    this.ua.onRequest((req, tx) => this.#onRequest(req, tx));
  }

  static async start(o: StandInUpperOptions = {}): Promise<StandInUpper> {
    const transport = await SipTransport.listen({ host: o.transportHost ?? '127.0.0.1', port: 0 });
    return new StandInUpper(transport, o);
  }

  get port(): number {
    return this.transport.port;
  }

  messagesOf<K extends ManscdpMessage['kind']>(
    kind: K,
    sn?: string,
  ): (Received & { message: Extract<ManscdpMessage, { kind: K }> })[] {
    return this.received.filter(
      (r) => r.message.kind === kind && (sn === undefined || r.message.sn === sn),
    ) as (Received & {
      message: Extract<ManscdpMessage, { kind: K }>;
    })[];
  }

  /** Send a MANSCDP MESSAGE to a registered device (GB2312, as wvp does). */
  async send(deviceId: string, message: ManscdpMessage): Promise<SipResponse> {
    const reg = this.#registered(deviceId);
    const uri = `sip:${deviceId}@${reg.remote.address}:${reg.remote.port}`;
    const req = this.ua.createRequest({
      method: 'MESSAGE',
      requestUri: uri,
      to: uri,
      contact: false,
      body: encodeManscdp(message, 'GB2312'),
      contentType: 'Application/MANSCDP+xml',
    });
    return this.ua.request(req, reg.remote);
  }

  /** INVITE a channel and receive its media. */
  async play(deviceId: string, channelId: string, o: PlayOptions): Promise<PlayHandle> {
    const reg = this.#registered(deviceId);
    const receiver = await RtpReceiver.open(o.transport);
    if (o.unreachable) {
      receiver.close();
    }
    const ssrc = o.ssrc ?? (o.kind === undefined || o.kind === 'live' ? '0200000001' : '1200000001');
    const purpose =
      o.kind === 'playback' || o.kind === 'download'
        ? {
            kind: o.kind,
            channelId,
            start: epochSecondsToGbTime(o.startSec!),
            end: epochSecondsToGbTime(o.endSec!),
            downloadSpeed: o.downloadSpeed ?? 1,
          }
        : { kind: 'live' as const };
    const offer = buildGbOffer({
      purpose,
      originId: this.id,
      address: '127.0.0.1',
      port: receiver.port,
      transport:
        o.transport === 'udp'
          ? { protocol: 'udp' }
          : { protocol: 'tcp', setup: o.transport === 'tcp-passive' ? 'passive' : 'active' },
      ssrc,
    });
    if (!offer.ok) {
      throw new Error(`offer: ${offer.detail}`);
    }
    const uri = `sip:${channelId}@${reg.remote.address}:${reg.remote.port}`;
    const invite = this.ua.createRequest({
      method: 'INVITE',
      requestUri: uri,
      to: uri,
      headers: [['Subject', playSubject(channelId, ssrc, this.id)]],
      body: offer.value,
      contentType: 'APPLICATION/SDP',
    });
    const handle = new PlayHandle(this, invite, receiver, ssrc, reg.remote);
    this.#plays.add(handle);
    if (o.cancelAfterMs !== undefined) {
      setTimeout(() => this.ua.cancel(invite), o.cancelAfterMs);
    }
    const res = await this.ua.request(invite, reg.remote, { timeoutMs: o.timeoutMs ?? 8000 });
    handle.accepted(res, o.skipAck === true);
    if (o.transport === 'tcp-active' && handle.answer) {
      await receiver.connect(handle.answer.address, handle.answer.port);
    }
    return handle;
  }

  async close(): Promise<void> {
    for (const p of this.#plays) {
      p.receiver.close();
    }
    await this.ua.close();
    await this.transport.close();
  }

  /** @internal */
  forgetPlay(p: PlayHandle): void {
    this.#plays.delete(p);
  }

  #registered(deviceId: string): Registered {
    const reg = this.registrations.get(deviceId);
    if (!reg) {
      throw new Error(`${deviceId} is not registered`);
    }
    return reg;
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (req.method === 'REGISTER') {
      return this.#register(req, tx);
    }
    if (req.method === 'MESSAGE') {
      return this.#message(req, tx);
    }
    if (req.method === 'BYE') {
      const play = [...this.#plays].find((p) => p.dialog && dialogIdOfRequest(req) === p.dialog.id);
      play?.byeReceived();
      tx.respond(play ? 200 : 481);
      return;
    }
    tx.respond(405);
  }

  #register(req: SipRequest, tx: ServerTransaction): void {
    const deviceId = /sip:([^@]+)@/.exec(req.headers.get('from') ?? '')?.[1] ?? '';
    const auth = req.headers.get('authorization');
    if (!auth) {
      this.log.challenges++;
      tx.respond(401, undefined, { headers: [['WWW-Authenticate', this.digest.challenge()]] });
      return;
    }
    const result = this.digest.verify({
      method: 'REGISTER',
      authorization: auth,
      password: this.#o.password ?? '12345678',
      identity: deviceId,
    });
    if (result.ok && this.#o.staleOnce && !this.#staleSent) {
      this.#staleSent = true;
      this.log.staleChallenges++;
      tx.respond(401, undefined, { headers: [['WWW-Authenticate', this.digest.challenge({ stale: true })]] });
      return;
    }
    if (!result.ok) {
      this.log.forbidden++;
      tx.respond(403);
      return;
    }
    const expires = Number(req.headers.get('expires') ?? '3600');
    if (expires === 0) {
      this.registrations.delete(deviceId);
      this.unregistered.push(deviceId);
      tx.respond(200, undefined, { headers: [['Expires', '0']] });
      return;
    }
    const granted = this.#o.grantExpiresSec ?? expires;
    const prev = this.registrations.get(deviceId);
    this.registrations.set(deviceId, {
      deviceId,
      remote: tx.remote,
      registers: (prev?.registers ?? 0) + 1,
      expires: granted,
      userAgent: req.headers.get('user-agent'),
    });
    tx.respond(200, undefined, {
      headers: [
        ['Contact', req.headers.get('contact') ?? ''],
        ['Expires', String(granted)],
        ['Date', sipDateHeader(Date.now())],
      ],
    });
  }

  #message(req: SipRequest, tx: ServerTransaction): void {
    const parsed = parseManscdp(req.body);
    const inDialogPlay = [...this.#plays].find((p) => p.dialog && dialogIdOfRequest(req) === p.dialog.id);
    if (parsed.ok && parsed.value.message.kind === 'Keepalive') {
      this.log.keepalives++;
      if (this.keepaliveMode === 'drop') {
        return;
      }
      if (this.keepaliveMode === 'reject') {
        tx.respond(404);
        return;
      }
    }
    tx.respond(200);
    if (!parsed.ok) {
      return;
    }
    const deviceId = /sip:([^@]+)@/.exec(req.headers.get('from') ?? '')?.[1] ?? '';
    this.received.push({
      deviceId,
      parsed: parsed.value,
      message: parsed.value.message,
      body: req.body,
      callId: req.headers.get('call-id') ?? '',
      inDialog: inDialogPlay !== undefined,
    });
    if (inDialogPlay && parsed.value.message.kind === 'MediaStatus') {
      inDialogPlay.mediaStatusReceived = true;
      if (this.byeOnMediaStatus) {
        void inDialogPlay.bye();
      }
    }
  }
}

export interface PlayOptions {
  transport: ReceiverKind;
  kind?: 'live' | 'playback' | 'download';
  startSec?: number;
  endSec?: number;
  downloadSpeed?: number;
  ssrc?: string;
  timeoutMs?: number;
  /** Do not ACK the 200 (tests media-before-ACK). */
  skipAck?: boolean;
  cancelAfterMs?: number;
  /** Offer a port nobody listens on (TCP passive: the device's dial keeps failing). */
  unreachable?: boolean;
}

type WithoutCseq<T> = T extends unknown ? Omit<T, 'cseq'> : never;

export class PlayHandle {
  response: SipResponse | undefined;
  answer: GbAnswerMedia | undefined;
  dialog: Dialog | undefined;
  byeFromDevice = false;
  mediaStatusReceived = false;
  #infoSeq = 0;

  constructor(
    private readonly upper: StandInUpper,
    readonly invite: SipRequest,
    readonly receiver: RtpReceiver,
    readonly offeredSsrc: string,
    readonly remote: SipRemote,
  ) {}

  get status(): number {
    return this.response?.status ?? 0;
  }

  accepted(res: SipResponse, skipAck: boolean): void {
    this.response = res;
    if (res.status < 200 || res.status >= 300) {
      this.receiver.close();
      this.upper.forgetPlay(this);
      return;
    }
    const sdp = parseGbSdp(Buffer.from(res.body).toString('utf8'));
    if (sdp.ok) {
      const a = readGbAnswer(sdp.value, this.offeredSsrc);
      if (a.ok) {
        this.answer = a.value;
      }
    }
    this.dialog = dialogAsUac(this.invite, res, this.remote);
    if (!skipAck) {
      this.ack();
    }
  }

  ack(): void {
    if (this.response) {
      this.upper.ua.sendAck(this.invite, this.response, this.remote);
    }
  }

  /** The Contact of the 200 (the device's in-dialog target). */
  get contactUser(): string | undefined {
    return /sip:([^@]+)@/.exec(parseNameAddr(this.response?.headers.get('contact') ?? '')?.uri ?? '')?.[1];
  }

  async info(req: WithoutCseq<MansRtspRequest>): Promise<SipResponse> {
    if (!this.dialog) {
      throw new Error('no dialog');
    }
    const body = buildMansRtsp({ ...req, cseq: ++this.#infoSeq });
    return this.upper.ua.request(
      createInDialogRequest(this.dialog, 'INFO', { body, contentType: 'Application/MANSRTSP' }),
      this.dialog.remote,
    );
  }

  async bye(): Promise<SipResponse | undefined> {
    if (!this.dialog) {
      return undefined;
    }
    const d = this.dialog;
    this.dialog = undefined;
    const res = await this.upper.ua.request(createInDialogRequest(d, 'BYE'), d.remote);
    this.upper.forgetPlay(this);
    return res;
  }

  byeReceived(): void {
    this.byeFromDevice = true;
    this.dialog = undefined;
    this.upper.forgetPlay(this);
  }

  close(): void {
    this.receiver.close();
  }
}
