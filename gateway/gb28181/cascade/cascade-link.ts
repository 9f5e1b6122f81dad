// One upper platform we are a lower platform of: the shared LowerPlatform (register, keepalive,
// queries, media dialogs) over a GatewayBackend, the catalog the upper was last told about, and
// the state the API shows. Catalog changes (our devices going on- or offline, shares edited) are
// found by diffing and sent as ON/OFF/ADD/DEL/UPDATE notifications (docs/gb28181.md §3.5).
import type { Logger } from '../../log.js';
import type { SipUserAgent } from '../../sip/user-agent.js';
import type { ShareEntry, UpperPlatformRecord } from '../../store/cascade-store.js';
import type { LowerChannel, LowerDeviceInfo } from '../lower/backend.js';
import { LowerPlatform, type LowerPlatformState } from '../lower/lower-platform.js';
import { vendorProfile } from '../lower/vendor-profile.js';
import type { AlarmView } from '../../views/events.js';
import { diffCatalog } from './catalog-diff.js';
import { GatewayBackend } from './gateway-backend.js';
import type { LocalGateway } from './local-gateway.js';
import { resolveSharedCatalog, type LocalChannels, type SharedCatalog } from './shared-catalog.js';

export interface CascadeLinkOptions {
  record: UpperPlatformRecord;
  shares: readonly ShareEntry[];
  ua: SipUserAgent;
  /** The ID presented when the record names none: the gateway's own SIP ID. */
  defaultLocalId: string;
  /** Address written in our SDP answers, and the one media sockets bind to. */
  mediaHost: string;
  mediaBindHost: string;
  timeZone: string;
  gateway: LocalGateway;
  local: LocalChannels;
  deviceInfo: LowerDeviceInfo;
  userAgent: string;
  log: Logger;
}

export interface LinkStatus {
  state: LowerPlatformState;
  online: boolean;
  lastError: string | null;
  registeredAt: string | null;
  lastKeepaliveAt: string | null;
  keepalive: { sent: number; answered: number; missed: number };
  /** Media dialogs the upper holds with us. */
  streams: number;
  catalogSubscriptions: number;
  notifications: { sent: number; failed: number };
}

export class CascadeLink {
  readonly record: UpperPlatformRecord;
  readonly localId: string;
  readonly platform: LowerPlatform;
  readonly backend: GatewayBackend;
  readonly #o: CascadeLinkOptions;
  #shares: readonly ShareEntry[];
  /** What the upper was last told (its catalog query or our notifications); undefined before registering. */
  #announced: readonly LowerChannel[] | undefined;
  /** Registered, counting refreshes in flight as still registered. */
  #online = false;
  #registeredAt: string | null = null;
  #lastKeepaliveAt: string | null = null;
  #sweep: Promise<void> | undefined;
  #sweepAgain = false;
  readonly #notifications = { sent: 0, failed: 0 };
  #reverse: { at: number; map: Map<string, string[]> } | undefined;

  constructor(opts: CascadeLinkOptions) {
    const r = opts.record;
    this.#o = opts;
    this.record = r;
    this.#shares = opts.shares;
    this.localId = r.localId ?? opts.defaultLocalId;
    const log = opts.log.child({ upperId: r.id });
    this.backend = new GatewayBackend({
      gateway: opts.gateway,
      catalog: () => this.catalog(),
      deviceInfo: opts.deviceInfo,
      localId: this.localId,
      label: `cascade:${r.id}`,
      log,
    });
    this.platform = new LowerPlatform({
      ua: opts.ua,
      localId: this.localId,
      realm: r.realm,
      upper: { id: r.id, host: r.host, port: r.port, transport: r.transport },
      password: r.password,
      expiresSec: r.expiresSec,
      keepaliveIntervalSec: r.keepaliveIntervalSec,
      keepaliveMaxMisses: r.keepaliveMaxMisses,
      registerTimeoutMs: r.registerTimeoutSec * 1000,
      charset: r.charset,
      profile: vendorProfile('generic', {
        userAgent: opts.userAgent,
        manufacturer: opts.deviceInfo.manufacturer,
        model: opts.deviceInfo.model,
        firmware: opts.deviceInfo.firmware,
      }),
      backend: this.backend,
      timeZone: opts.timeZone,
      mediaHost: opts.mediaHost,
      mediaBindHost: opts.mediaBindHost,
      log,
    });
    // A refresh passes through 'registering' too; only a registration after none (or after a
    // lost one) is new to the upper.
    this.platform.on('state', (state, detail) => {
      if (state === 'registered' && !this.#online) {
        // The upper asks for the whole catalog after a new registration (docs/gb28181.md §3.1), so
        // that is the baseline later changes are measured against.
        this.#online = true;
        this.#registeredAt = new Date().toISOString();
        this.#announced = this.catalog().channels;
        log.info({ host: r.host, port: r.port }, 'registered with the upper platform');
      } else if (state === 'failed' || state === 'closed' || state === 'idle') {
        if (this.#online && state === 'failed') {
          log.warn(
            { error: detail.error, status: detail.status },
            'upper platform link lost; registering again',
          );
        }
        this.#online = false;
      }
    });
    this.platform.on('keepalive', ({ ok }) => {
      if (ok) {
        this.#lastKeepaliveAt = new Date().toISOString();
      }
    });
  }

  get upperId(): string {
    return this.record.id;
  }

  get upperHost(): string {
    return this.record.host;
  }

  get shares(): readonly ShareEntry[] {
    return this.#shares;
  }

  ownsDialog(callId: string): boolean {
    return this.platform.ownsDialog(callId);
  }

  ownsId(id: string): boolean {
    return this.platform.ownsId(id);
  }

  /** The catalog as the upper should see it now. */
  catalog(): SharedCatalog {
    return resolveSharedCatalog(this.#shares, this.localId, this.#o.local);
  }

  start(): Promise<void> {
    return this.platform.start();
  }

  /**
   * One of our devices raised an alarm: when its channel is shared with this upper, report it
   * under the presented ID (NOTIFY in the upper's alarm subscription, else MESSAGE). Channels not
   * shared stay private. Resolves with how many were sent.
   */
  async forwardAlarm(alarm: AlarmView): Promise<number> {
    if (this.platform.state !== 'registered') {
      return 0;
    }
    let sent = 0;
    for (const presented of this.#presentedIds(alarm.deviceId, alarm.channelId)) {
      const ok = await this.platform.raiseAlarm({
        sourceId: presented,
        priority: alarm.priority ?? 4,
        method: alarm.method ?? 7,
        ...(alarm.type !== null ? { type: alarm.type } : {}),
        timeMs: Date.parse(alarm.time ?? alarm.receivedAt),
        ...(alarm.description !== null ? { description: alarm.description } : {}),
        ...(alarm.longitude !== null ? { longitude: alarm.longitude } : {}),
        ...(alarm.latitude !== null ? { latitude: alarm.latitude } : {}),
      });
      if (ok) {
        sent++;
      }
    }
    return sent;
  }

  /** The IDs our (device, channel) is shared under with this upper; a short-lived cache, alarms come in bursts. */
  #presentedIds(deviceId: string, channelId: string): string[] {
    const now = Date.now();
    if (!this.#reverse || now - this.#reverse.at > 1000) {
      const map = new Map<string, string[]>();
      for (const [presented, source] of this.catalog().sources) {
        const key = `${source.deviceId}/${source.channelId}`;
        map.set(key, [...(map.get(key) ?? []), presented]);
      }
      this.#reverse = { at: now, map };
    }
    return this.#reverse.map.get(`${deviceId}/${channelId}`) ?? [];
  }

  /** BYE the upper's streams, unregister (Expires: 0). */
  close(): Promise<void> {
    return this.platform.close();
  }

  /** New sharing relations: the upper hears the difference at once. */
  setShares(shares: readonly ShareEntry[]): Promise<void> {
    this.#shares = shares;
    return this.sweep();
  }

  /**
   * Notify the upper of whatever changed since it was last told. Runs one at a time; a call
   * during a run schedules one more run after it. Failures keep the old baseline, so the next
   * sweep tries again.
   */
  sweep(): Promise<void> {
    if (this.#sweep) {
      this.#sweepAgain = true;
      return this.#sweep;
    }
    this.#sweep = (async () => {
      do {
        this.#sweepAgain = false;
        await this.#sweepOnce();
      } while (this.#sweepAgain);
    })().finally(() => {
      this.#sweep = undefined;
    });
    return this.#sweep;
  }

  status(): LinkStatus {
    const state = this.platform.state;
    const ka = this.platform.keepaliveStats;
    return {
      state,
      online: this.#online,
      lastError: this.platform.lastError ?? null,
      registeredAt: this.#registeredAt,
      lastKeepaliveAt: this.#lastKeepaliveAt,
      keepalive: { sent: ka.sent, answered: ka.answered, missed: ka.missed },
      streams: this.platform.sessions.length,
      catalogSubscriptions: this.platform.catalogStats.subscriptions,
      notifications: { ...this.#notifications },
    };
  }

  async #sweepOnce(): Promise<void> {
    const before = this.#announced;
    if (before === undefined || this.platform.state !== 'registered') {
      return;
    }
    const after = this.catalog().channels;
    const changes = diffCatalog(before, after);
    if (changes.length === 0) {
      return;
    }
    const ok = await this.platform.notifyCatalog(changes);
    if (ok) {
      this.#notifications.sent += changes.length;
      // Only move the baseline if no re-registration reset it meanwhile.
      if (this.#announced === before) {
        this.#announced = after;
      }
    } else {
      this.#notifications.failed += changes.length;
    }
  }
}
