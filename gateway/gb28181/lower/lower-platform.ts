// LowerPlatform: one GB/T 28181 lower-platform identity (a device/NVR, or this gateway in a
// cascade) toward one upper platform. It holds the protocol: registration with digest and
// keepalives (docs/gb28181.md §1, §2), MANSCDP answers (§3-§6), INVITE/ACK/BYE/CANCEL/INFO media
// dialogs (§7, §8). Everything it serves comes from a LowerBackend. Requests reach it through a
// LowerSipRouter, so many identities can share one SIP socket.
import { Buffer } from 'node:buffer';
import { createLogger, type Logger } from '../../log.js';
import { TypedEmitter } from '../../events.js';
import type { FaultOptions } from '../../outbound/ps-rtp-sender.js';
import { dialogIdOfRequest } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { SipUserAgent } from '../../sip/user-agent.js';
import { DEFAULT_TIME_ZONE, epochMsOf, parseGbDateTime } from '../gb-date.js';
import type { ManscdpCharset } from '../manscdp/charset.js';
import { parseManscdp } from '../manscdp/codec.js';
import type { BasicParam } from '../manscdp/config.js';
import type { PtzCommand } from '../ptz.js';
import type { BroadcastCallInfo, BroadcastEnd } from './broadcast-call.js';
import { BroadcastCalls } from './broadcast-calls.js';
import { isMediaRefusal, type LowerAlarm, type LowerBackend } from './backend.js';
import { CatalogNotifier, type CatalogChange } from './catalog-notifier.js';
import { EventNotifier } from './event-notifier.js';
import type { BackoffOptions } from './backoff.js';
import { planInvite } from './invite-plan.js';
import { KeepaliveSender } from './keepalive.js';
import { MediaSession, type MediaSessionInfo, type SessionEndReason } from './media-session.js';
import type { PagingFaults } from './paged-sender.js';
import { QueryResponder } from './query-responder.js';
import { Registration, type RegistrationState } from './registration.js';
import { UpperLink, type UpperPlatformAddress } from './upper-link.js';
import { vendorProfiles, type VendorName, type VendorProfile } from './vendor-profile.js';

export interface LowerPlatformOptions {
  /** The user agent to send with; share one across identities with a LowerSipRouter. Create it without `userAgent` (each platform writes its profile's). */
  ua: SipUserAgent;
  /** Our 20-digit SIP ID. */
  localId: string;
  /** SIP domain and digest realm, e.g. '3402000000'. */
  realm: string;
  upper: UpperPlatformAddress;
  password: string;
  /** Digest username when it differs from localId (docs/gb28181.md §1.3). */
  authUsername?: string;
  /** Default 3600. */
  expiresSec?: number;
  /** Default 60. */
  keepaliveIntervalSec?: number;
  /** Unanswered keepalives before re-registering. Default 3. */
  keepaliveMaxMisses?: number;
  /** Charset of our MANSCDP bodies. Default 'GB2312'. */
  charset?: ManscdpCharset;
  /** Vendor behaviour (vendor-profile.ts). Default 'generic'. */
  profile?: VendorName | VendorProfile;
  backend: LowerBackend;
  /** Device time zone (RecordInfo times, DeviceTime). Default Asia/Shanghai. */
  timeZone?: string;
  /** Address in SDP answers. Default the user agent's publicHost. */
  mediaHost?: string;
  /** Address media sockets bind to. Default '0.0.0.0'. */
  mediaBindHost?: string;
  /** Network faults for every media stream (PsRtpSender faults). */
  mediaFaults?: FaultOptions;
  /** Catalog/RecordInfo page order and duplication (docs/gb28181.md §3.2). */
  pagingFaults?: PagingFaults;
  backoff?: BackoffOptions;
  /** Minimum wait after a 403. Default 60 000 ms. */
  forbiddenRetryMs?: number;
  /**
   * TeleBoot: restart as a device does (media dialogs end, a new registration under a new Call-ID
   * after `rebootMs`). Off by default: a cascade's lower link is not a device to reboot.
   */
  rebootOnTeleBoot?: { rebootMs: number };
  /** Wait for one REGISTER transaction. Default 64·T1. */
  registerTimeoutMs?: number;
  log?: Logger;
}

export type LowerPlatformState = RegistrationState;

export interface LowerPlatformEvents {
  state: [state: LowerPlatformState, detail: { error?: string; status?: number }];
  registered: [info: { expiresSec: number }];
  timeSync: [info: { date: string; offsetMs: number }];
  keepalive: [info: { ok: boolean; status: number }];
  query: [info: { cmdType: string; sn: string }];
  ptz: [info: { channelId: string; command: PtzCommand }];
  sessionStart: [info: MediaSessionInfo];
  sessionEnd: [info: MediaSessionInfo, reason: SessionEndReason];
  /** A Broadcast notify was answered (docs/voice.md §2); `result` is what we told the upper. */
  broadcastNotify: [info: { targetId: string; sourceId: string; result: 'OK' | 'ERROR' }];
  broadcastStart: [info: BroadcastCallInfo];
  broadcastEnd: [info: BroadcastCallInfo, reason: BroadcastEnd];
  /** The upper acknowledged an alarm with its <Response> CmdType=Alarm (2016 §9.4.2). */
  alarmAcknowledged: [info: { sn: string; deviceId: string; result: string }];
  control: [info: { targetId: string; command: string }];
}

export class LowerPlatform extends TypedEmitter<LowerPlatformEvents> {
  readonly localId: string;
  readonly profile: VendorProfile;
  readonly link: UpperLink;
  readonly #o: LowerPlatformOptions;
  readonly #log: Logger;
  readonly #registration: Registration;
  readonly #keepalive: KeepaliveSender;
  readonly #responder: QueryResponder;
  readonly #catalog: CatalogNotifier;
  readonly #events: EventNotifier;
  readonly #sessions = new Map<string, MediaSession>();
  readonly #broadcasts: BroadcastCalls;
  #channelIds = new Set<string>();
  #clockOffsetMs = 0;
  /** Name set by DeviceConfig; the backend's device name until then. */
  #configName: string | undefined;
  /** fallSilent(): powered off as far as the network can tell. */
  #silent = false;
  #unsubscribeTransport: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(opts: LowerPlatformOptions) {
    super();
    this.#o = opts;
    this.localId = opts.localId;
    this.profile =
      typeof opts.profile === 'object' ? opts.profile : vendorProfiles[opts.profile ?? 'generic'];
    this.#log = (opts.log ?? createLogger('gb-lower')).child({ deviceId: opts.localId });
    this.link = new UpperLink({
      ua: opts.ua,
      localId: opts.localId,
      realm: opts.realm,
      upper: opts.upper,
      profile: this.profile,
      charset: opts.charset ?? 'GB2312',
    });
    this.#registration = new Registration(
      {
        link: this.link,
        password: opts.password,
        ...(opts.authUsername !== undefined ? { authUsername: opts.authUsername } : {}),
        expiresSec: opts.expiresSec ?? 3600,
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
        ...(opts.forbiddenRetryMs !== undefined ? { forbiddenRetryMs: opts.forbiddenRetryMs } : {}),
        ...(opts.registerTimeoutMs !== undefined ? { requestTimeoutMs: opts.registerTimeoutMs } : {}),
      },
      {
        onState: (state, detail) => {
          if (state !== 'registered') {
            this.#keepalive.stop();
          }
          this.safeEmit('state', state, detail);
        },
        onRegistered: ({ expiresSec, date }) => {
          if (date !== undefined) {
            this.#timeSync(date);
          }
          this.#keepalive.start();
          this.safeEmit('registered', { expiresSec });
        },
      },
    );
    this.#keepalive = new KeepaliveSender({
      link: this.link,
      intervalSec: opts.keepaliveIntervalSec ?? 60,
      maxMisses: opts.keepaliveMaxMisses ?? 3,
      emptyInfo: this.profile.keepaliveEmptyInfo,
      onLost: (reason) => this.#registration.lost(reason),
      onResult: (ok, status) => this.safeEmit('keepalive', { ok, status }),
    });
    this.#responder = new QueryResponder({
      link: this.link,
      backend: opts.backend,
      timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE,
      now: () => this.now(),
      ...(opts.pagingFaults ? { paging: opts.pagingFaults } : {}),
      log: this.#log,
      onQuery: (cmdType, sn) => this.safeEmit('query', { cmdType, sn }),
      onPtz: (channelId, command) => this.safeEmit('ptz', { channelId, command }),
      basicParam: () => this.#basicParam(),
      applyBasicParam: (p) => this.#applyBasicParam(p),
      onTeleBoot: () => {
        if (opts.rebootOnTeleBoot) {
          this.reboot(opts.rebootOnTeleBoot.rebootMs);
        }
      },
      onControl: (targetId, command) => this.safeEmit('control', { targetId, command }),
      onAlarmResponse: (info) => this.safeEmit('alarmAcknowledged', info),
    });
    this.#catalog = new CatalogNotifier({ link: this.link, log: this.#log });
    this.#broadcasts = new BroadcastCalls({
      link: this.link,
      backend: opts.backend,
      mediaHost: () => opts.mediaHost ?? this.link.ua.publicHost,
      mediaBindHost: opts.mediaBindHost ?? '0.0.0.0',
      log: this.#log,
      ownsId: (id) => this.ownsId(id),
      closing: () => this.#closing !== undefined,
      onNotify: (info) => this.safeEmit('broadcastNotify', info),
      onStart: (info) => this.safeEmit('broadcastStart', info),
      onEnd: (info, reason) => this.safeEmit('broadcastEnd', info, reason),
    });
    this.#events = new EventNotifier({
      link: this.link,
      log: this.#log,
      timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE,
      now: () => this.now(),
      ...(opts.backend.positions ? { positions: () => opts.backend.positions!() } : {}),
    });
  }

  get state(): LowerPlatformState {
    return this.#registration.state;
  }

  get lastError(): string | undefined {
    return this.#registration.lastError;
  }

  get keepaliveStats(): Readonly<KeepaliveSender['stats']> {
    return this.#keepalive.stats;
  }

  /** The keepalive interval and count in force (DeviceConfig may change them). */
  get keepaliveTiming(): { intervalSec: number; maxMisses: number } {
    return this.#keepalive.timing;
  }

  get catalogStats(): Readonly<CatalogNotifier['stats']> & { subscriptions: number } {
    return { ...this.#catalog.stats, subscriptions: this.#catalog.subscriptionCount };
  }

  get eventStats(): Readonly<EventNotifier['stats']> & {
    alarmSubscriptions: number;
    positionSubscriptions: number;
  } {
    return {
      ...this.#events.stats,
      alarmSubscriptions: this.#events.subscriptionCount('alarm'),
      positionSubscriptions: this.#events.subscriptionCount('mobile-position'),
    };
  }

  get sessions(): MediaSessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info);
  }

  /** Voice broadcasts in progress (the audio INVITEs we sent). */
  get broadcasts(): BroadcastCallInfo[] {
    return this.#broadcasts.infos;
  }

  /** The device hangs up (BYE) the broadcasts to `targetId`, or all of them. Returns how many. */
  hangUpBroadcasts(targetId?: string): number {
    return this.#broadcasts.hangUp(targetId);
  }

  /** The device clock: host time shifted by the last REGISTER 200 Date (time sync, docs/gb28181.md §1.4). */
  now(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  /** Whether the Call-ID is one of our media or broadcast dialogs. */
  ownsDialog(callId: string): boolean {
    return this.#sessions.has(callId) || this.#broadcasts.has(callId);
  }

  /** True when requests for `id` (our ID or one of our channels) belong here. */
  ownsId(id: string): boolean {
    return id === this.localId || this.#channelIds.has(id);
  }

  /** Learn the channel IDs (for routing INVITEs), then register. */
  async start(): Promise<void> {
    await this.refreshChannels();
    if (this.#closing) {
      return;
    }
    if (this.link.upper.transport === 'tcp') {
      // Over TCP the connection is the registration (2022 §9.1.1 f): a closed one means register again.
      this.#unsubscribeTransport = this.link.ua.transport.onConnectionClose((info) => {
        const up = this.link.upper;
        if (info.remote.address === up.host && info.remote.port === up.port && this.state === 'registered') {
          this.#registration.lost('TCP connection to the upper platform closed');
        }
      });
    }
    this.#registration.start();
  }

  /** REGISTER again now, as a refresh; `newCallId` under a fresh Call-ID (see Registration.start). */
  registerAgain(opts: { newCallId?: boolean } = {}): void {
    this.#registration.start(opts);
  }

  async refreshChannels(): Promise<void> {
    try {
      this.#channelIds = new Set((await this.#o.backend.channels()).map((c) => c.channelId));
    } catch (err) {
      this.#log.warn({ err }, 'backend channels() failed');
    }
  }

  /** A request routed to this identity. Answers everything (unless fallen silent); never throws. */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    if (this.#silent || this.#broadcasts.handleRequest(req, tx)) {
      return;
    }
    const session = this.#sessionOf(req);
    if (session) {
      session.handleRequest(req, tx);
      return;
    }
    if (this.#catalog.handleInDialog(req, tx) || this.#events.handleInDialog(req, tx)) {
      return;
    }
    switch (req.method) {
      case 'MESSAGE':
        this.#message(req, tx);
        return;
      case 'INVITE':
        void this.#invite(req, tx);
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
          this.#events.handleSubscribe(req, tx, query);
          return;
        }
        this.#catalog.handleSubscribe(req, tx, async () => {
          await this.refreshChannels();
          return this.#o.backend.channels();
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

  /** The ACK for a 200 we sent. */
  handleAck(ack: SipRequest): void {
    this.#sessions.get(ack.headers.get('call-id') ?? '')?.ack();
  }

  /**
   * Tell the upper about catalog changes (docs/gb28181.md §3.5): NOTIFY in its Catalog subscription, or
   * a MESSAGE when it holds none. Learns the new channel IDs first, so an added channel can be
   * played at once. Resolves false when not registered or the upper did not take every page.
   */
  async notifyCatalog(changes: readonly CatalogChange[]): Promise<boolean> {
    await this.refreshChannels();
    if (this.state !== 'registered' || this.#closing) {
      return false;
    }
    return this.#catalog.notify(changes);
  }

  /**
   * Restart as a rebooting device does: media dialogs end (no BYE reaches anyone from a device that
   * is rebooting, but ours says goodbye), keepalives stop, and after `afterMs` a new registration
   * goes out under a new Call-ID (RFC 3261 §10.2.4: a new boot, a new Call-ID).
   */
  reboot(afterMs = 1000): void {
    if (this.#closing) {
      return;
    }
    for (const s of [...this.#sessions.values()]) {
      s.close();
    }
    this.#keepalive.stop();
    const timer = setTimeout(() => {
      if (!this.#closing) {
        this.#registration.start({ newCallId: true });
      }
    }, afterMs);
    timer.unref();
  }

  /**
   * Fall silent as a device losing power does, as the upper sees it: no more keepalives,
   * refreshes or BYEs, and no unregister; media stops. The upper must notice by itself (its
   * keepalive deadline, docs/gb28181.md §2). Requests still reaching us are not answered.
   */
  fallSilent(): void {
    this.#silent = true;
    this.#keepalive.stop();
    this.#registration.halt();
    for (const s of [...this.#sessions.values()]) {
      s.drop();
    }
  }

  /** ConfigDownload BasicParam: what this platform uses (docs/gb28181.md §4). */
  async #basicParam(): Promise<BasicParam> {
    const { intervalSec, maxMisses } = this.#keepalive.timing;
    const up = this.link.upper;
    return {
      name: this.#configName ?? (await this.#o.backend.deviceInfo()).deviceName,
      deviceId: this.localId,
      sipServerId: up.id,
      sipServerIp: up.host,
      sipServerPort: up.port,
      domainName: this.#o.realm,
      expiration: this.#registration.expiresSec,
      heartBeatInterval: intervalSec,
      heartBeatCount: maxMisses,
    };
  }

  /** DeviceConfig BasicParam: name, registration lifetime and keepalive timing take effect. */
  #applyBasicParam(p: BasicParam): boolean {
    const { intervalSec, maxMisses } = this.#keepalive.timing;
    const interval = p.heartBeatInterval ?? intervalSec;
    const count = p.heartBeatCount ?? maxMisses;
    if (interval < 1 || count < 1 || (p.expiration !== undefined && p.expiration < 60)) {
      return false;
    }
    if (p.name !== undefined) {
      this.#configName = p.name;
    }
    if (p.expiration !== undefined) {
      this.#registration.setExpires(p.expiration);
    }
    this.#keepalive.setTiming(interval, count);
    return true;
  }

  /**
   * Report an alarm (docs/gb28181.md §9): NOTIFY in the upper's alarm subscriptions, or a MESSAGE
   * when it holds none. Resolves false when not registered or the upper did not answer 2xx.
   */
  async raiseAlarm(alarm: LowerAlarm): Promise<boolean> {
    if (this.state !== 'registered' || this.#closing) {
      return false;
    }
    return this.#events.raiseAlarm(alarm);
  }

  /** End every media dialog (BYE), stop keepalives, unregister (Expires: 0). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of [...this.#sessions.values()]) {
        s.close();
      }
      this.#broadcasts.closeAll();
      this.#catalog.close();
      this.#events.close();
      this.#keepalive.stop();
      this.#unsubscribeTransport?.();
      await this.#registration.close();
      this.removeAll();
    })();
    return this.#closing;
  }

  #message(req: SipRequest, tx: ServerTransaction): void {
    // 200 at once, before parsing (docs/gb28181.md §0 "Two-step answers"); the answer follows separately.
    tx.respond(200, 'OK', { headers: [['User-Agent', this.profile.userAgent]] });
    const parsed = parseManscdp(req.body);
    if (!parsed.ok) {
      this.#log.debug({ error: parsed.error, detail: parsed.detail }, 'unreadable MANSCDP body ignored');
      return;
    }
    const message = parsed.value.message;
    if (message.kind === 'CatalogQuery') {
      void this.refreshChannels();
    }
    if (message.kind === 'BroadcastNotify') {
      void this.#broadcasts.notify(message);
      return;
    }
    void this.#responder.handle(message);
  }

  async #invite(req: SipRequest, tx: ServerTransaction): Promise<void> {
    if (this.#closing) {
      tx.respond(503);
      return;
    }
    const channelId = /^sips?:([^@;>]+)@/i.exec(req.uri)?.[1] ?? '';
    const plan = planInvite(Buffer.from(req.body).toString('utf8'), this.profile, this.#o.realm);
    if (!plan.ok) {
      this.#log.debug({ channelId, reason: plan.reason }, 'INVITE refused');
      tx.respond(plan.status);
      return;
    }
    if (!this.#channelIds.has(channelId)) {
      tx.respond(404);
      return;
    }
    let source;
    try {
      source = await this.#o.backend.openMedia(channelId, plan.plan.request);
    } catch (err) {
      this.#log.warn({ err, channelId }, 'backend openMedia failed');
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
      link: this.link,
      channelId,
      plan: plan.plan,
      source,
      mediaHost: this.#o.mediaHost ?? this.link.ua.publicHost,
      ...(this.#o.mediaBindHost !== undefined ? { mediaBindHost: this.#o.mediaBindHost } : {}),
      ...(this.#o.mediaFaults ? { faults: this.#o.mediaFaults } : {}),
      log: this.#log,
      onEnd: (s, reason) => {
        this.#sessions.delete(s.callId);
        this.safeEmit('sessionEnd', s.info, reason);
      },
    });
    if (!session) {
      return;
    }
    this.#sessions.set(session.callId, session);
    this.safeEmit('sessionStart', session.info);
  }

  /** The media dialog an in-dialog request belongs to (Call-ID and our To tag). */
  #sessionOf(req: SipRequest): MediaSession | undefined {
    const session = this.#sessions.get(req.headers.get('call-id') ?? '');
    if (!session?.dialog) {
      return undefined;
    }
    return dialogIdOfRequest(req) === session.dialog.id ? session : undefined;
  }

  #timeSync(date: string): void {
    const parsed = parseGbDateTime(date);
    if (!parsed.ok) {
      return;
    }
    const offsetMs = epochMsOf(parsed.value, this.#o.timeZone ?? DEFAULT_TIME_ZONE) - Date.now();
    if (this.profile.timeSyncFromDate) {
      this.#clockOffsetMs = offsetMs;
    }
    this.safeEmit('timeSync', { date, offsetMs });
  }
}
