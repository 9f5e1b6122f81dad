// LowerPlatform: one GB/T 28181 lower-platform identity (a device/NVR, or this gateway in a
// cascade) toward one upper platform. It holds the protocol: registration with digest and
// keepalives (docs/gb28181.md §1, §2), MANSCDP answers (§3-§6), INVITE/ACK/BYE/CANCEL/INFO media
// dialogs (§7, §8, media-dialogs.ts). Everything it serves comes from a LowerBackend. Requests reach it through a
// LowerSipRouter, so many identities can share one SIP socket, and go on to its parts through
// request-dispatch.ts. Options and events: lower-platform-options.ts.
import { createLogger, type Logger } from '../../log.js';
import { TypedEmitter } from '../../events.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { DEFAULT_TIME_ZONE, epochMsOf, parseGbDateTime } from '../gb-date.js';
import type { BasicParam } from '../manscdp/config.js';
import type { BroadcastCallInfo } from './broadcast-call.js';
import { BroadcastCalls } from './broadcast-calls.js';
import type { LowerAlarm } from './backend.js';
import { CatalogNotifier, type CatalogChange } from './catalog-notifier.js';
import { EventNotifier } from './event-notifier.js';
import { KeepaliveSender } from './keepalive.js';
import type {
  LowerPlatformEvents,
  LowerPlatformOptions,
  LowerPlatformState,
} from './lower-platform-options.js';
import { MediaDialogs } from './media-dialogs.js';
import type { MediaSessionInfo } from './media-session.js';
import { QueryResponder } from './query-responder.js';
import { Registration } from './registration.js';
import { LowerRequestDispatch } from './request-dispatch.js';
import { UpperLink } from './upper-link.js';
import { vendorProfiles, type VendorProfile } from './vendor-profile.js';

export type {
  LowerPlatformEvents,
  LowerPlatformOptions,
  LowerPlatformState,
} from './lower-platform-options.js';

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
  readonly #media: MediaDialogs;
  readonly #broadcasts: BroadcastCalls;
  readonly #requests: LowerRequestDispatch;
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
    this.#media = new MediaDialogs({
      link: this.link,
      profile: this.profile,
      realm: opts.realm,
      backend: opts.backend,
      ...(opts.mediaHost !== undefined ? { mediaHost: opts.mediaHost } : {}),
      ...(opts.mediaBindHost !== undefined ? { mediaBindHost: opts.mediaBindHost } : {}),
      ...(opts.mediaFaults ? { mediaFaults: opts.mediaFaults } : {}),
      log: this.#log,
      closing: () => this.#closing !== undefined,
      hasChannel: (id) => this.#channelIds.has(id),
      onStart: (info) => this.safeEmit('sessionStart', info),
      onEnd: (info, reason) => this.safeEmit('sessionEnd', info, reason),
    });
    this.#requests = new LowerRequestDispatch({
      profile: this.profile,
      log: this.#log,
      broadcasts: this.#broadcasts,
      media: this.#media,
      catalog: this.#catalog,
      events: this.#events,
      responder: this.#responder,
      silent: () => this.#silent,
      refreshChannels: () => this.refreshChannels(),
      backend: opts.backend,
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
    return this.#media.infos;
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
    return this.#media.has(callId) || this.#broadcasts.has(callId);
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
    this.#requests.handle(req, tx);
  }

  /** The ACK for a 200 we sent. */
  handleAck(ack: SipRequest): void {
    this.#media.ack(ack);
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
    this.#media.closeAll();
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
    this.#media.dropAll();
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
      this.#media.closeAll();
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
