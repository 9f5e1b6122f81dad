// The gateway's upper platforms (cascade): settings and sharing relations from the database
// (seeded from the config file at start), one CascadeLink per enabled platform on the gateway's
// own SIP user agent, requests from those platforms routed to their link, catalog changes swept
// and notified, and the CascadeServices the API drives.
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { SipUserAgent } from '../../sip/user-agent.js';
import type { CascadeStore, ShareEntry, UpperPlatformRecord } from '../../store/cascade-store.js';
import type {
  CascadeServices,
  SharedItemView,
  UpperPlatformDetail,
  UpperPlatformView,
} from '../../views/cascade-services.js';
import type { LowerDeviceInfo } from '../lower/backend.js';
import type { AlarmView } from '../../views/events.js';
import { CascadeLink } from './cascade-link.js';
import type { LocalGateway } from './local-gateway.js';
import { linkFor } from './request-routing.js';
import { resolveSharedCatalog, type LocalChannels, type SharedCatalog } from './shared-catalog.js';
import {
  toRecord,
  type UpperPlatformInput,
  type UpperPlatformUpdate,
} from '../../views/upper-platform-config.js';

export interface CascadeManagerOptions {
  store: CascadeStore;
  ua: SipUserAgent;
  /** The gateway's SIP ID: what we present upward unless a platform names another. */
  gatewayId: string;
  mediaHost: string;
  mediaBindHost: string;
  timeZone: string;
  gateway: LocalGateway;
  local: LocalChannels;
  deviceInfo: LowerDeviceInfo;
  userAgent: string;
  log: Logger;
  /** Catalog changes nobody announced (a device's catalog re-synced) are found this often. Default 5000 ms. */
  sweepIntervalMs?: number;
  /** Longest wait for the unregisters at close. Default 2000 ms. */
  closeTimeoutMs?: number;
}

export class CascadeManager implements CascadeServices {
  readonly #o: CascadeManagerOptions;
  readonly #links = new Map<string, CascadeLink>();
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: CascadeManagerOptions) {
    this.#o = opts;
  }

  /**
   * Write the config file's platforms into the database (the file wins for the IDs it names;
   * shares only when it lists them), then register with every enabled platform.
   */
  start(seed: readonly UpperPlatformInput[] = []): void {
    const { store } = this.#o;
    for (const { id, shares, ...settings } of seed) {
      store.putUpper(toRecord(id, settings));
      if (shares !== undefined) {
        store.replaceShares(id, shares);
      }
    }
    for (const record of store.listUppers()) {
      if (record.enabled) {
        this.#open(record);
      }
    }
    this.#timer = setInterval(() => this.#sweepAll(), this.#o.sweepIntervalMs ?? 5000);
    this.#timer.unref();
  }

  /** Routes `req` to its link; false when no upper platform of ours sent it (request-routing.ts). */
  handleRequest(req: SipRequest, tx: ServerTransaction): boolean {
    const link = linkFor(req, this.#links.values(), tx.remote.address);
    if (!link) {
      return false;
    }
    link.platform.handleRequest(req, tx);
    return true;
  }

  /** An ACK for a 200 one of our links sent (looked up there by Call-ID). */
  handleAck(ack: SipRequest): void {
    for (const link of this.#links.values()) {
      link.platform.handleAck(ack);
    }
  }

  /** Something about our devices or channels changed: tell the uppers soon (coalesced). */
  localChanged(): void {
    if (this.#closed || this.#soon) {
      return;
    }
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#sweepAll();
    }, 200);
    this.#soon.unref();
  }

  /** Our device's alarm, to every upper that shares its channel (never to others). Returns at once. */
  forwardAlarm(alarm: AlarmView): void {
    for (const link of this.#links.values()) {
      link
        .forwardAlarm(alarm)
        .catch((err: unknown) => this.#o.log.warn({ err, upperId: link.upperId }, 'alarm not forwarded'));
    }
  }

  link(id: string): CascadeLink | undefined {
    return this.#links.get(id);
  }

  /**
   * BYE the uppers' dialogs and unregister. Waits at most `closeTimeoutMs` for the unregisters
   * (an upper that is down would hold a shutdown for a whole REGISTER timeout). Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    const links = [...this.#links.values()];
    this.#links.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(links.map((l) => l.close())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#o.closeTimeoutMs ?? 2000);
      }),
    ]);
    clearTimeout(timer);
  }

  // ---------- CascadeServices ----------

  listUpperPlatforms(): UpperPlatformView[] {
    return this.#o.store.listUppers().map((r) => this.#view(r));
  }

  getUpperPlatform(id: string): UpperPlatformDetail | undefined {
    const record = this.#o.store.getUpper(id);
    return record && this.#detail(record);
  }

  async createUpperPlatform(input: UpperPlatformInput): Promise<UpperPlatformDetail> {
    const { id, shares, ...settings } = input;
    if (this.#o.store.getUpper(id)) {
      throw new GatewayError('GW_ERR_UPPER_PLATFORM_EXISTS', `upper platform ${id} is already configured`);
    }
    this.#o.store.putUpper(toRecord(id, settings));
    this.#o.store.replaceShares(id, shares ?? []);
    return this.#restart(id);
  }

  async updateUpperPlatform(id: string, update: UpperPlatformUpdate): Promise<UpperPlatformDetail> {
    const current = this.#require(id);
    const { shares, password, ...settings } = update;
    this.#o.store.putUpper(toRecord(id, { ...settings, password: password ?? current.password }));
    if (shares !== undefined) {
      this.#o.store.replaceShares(id, shares);
    }
    return this.#restart(id);
  }

  async deleteUpperPlatform(id: string): Promise<void> {
    this.#require(id);
    await this.#shut(id);
    this.#o.store.deleteUpper(id);
  }

  async setShares(id: string, shares: ShareEntry[]): Promise<UpperPlatformDetail> {
    const record = this.#require(id);
    this.#o.store.replaceShares(id, shares);
    // A change of shares alone keeps the registration: the upper hears ADD/DEL/UPDATE.
    await this.#links.get(id)?.setShares(shares);
    return this.#detail(record);
  }

  // ---------- internals ----------

  #require(id: string): UpperPlatformRecord {
    const record = this.#o.store.getUpper(id);
    if (!record) {
      throw new GatewayError('GW_ERR_UPPER_PLATFORM_NOT_FOUND', `no upper platform ${id}`);
    }
    return record;
  }

  /** New settings: unregister the old link (if any) and register afresh. */
  async #restart(id: string): Promise<UpperPlatformDetail> {
    await this.#shut(id);
    const record = this.#require(id);
    if (record.enabled && !this.#closed) {
      this.#open(record);
    }
    return this.#detail(record);
  }

  #open(record: UpperPlatformRecord): void {
    const o = this.#o;
    const link = new CascadeLink({
      record,
      shares: o.store.listShares(record.id),
      ua: o.ua,
      defaultLocalId: o.gatewayId,
      mediaHost: o.mediaHost,
      mediaBindHost: o.mediaBindHost,
      timeZone: o.timeZone,
      gateway: o.gateway,
      local: o.local,
      deviceInfo: o.deviceInfo,
      userAgent: o.userAgent,
      log: o.log,
    });
    this.#links.set(record.id, link);
    link
      .start()
      .catch((err: unknown) => o.log.error({ err, upperId: record.id }, 'cascade link failed to start'));
  }

  async #shut(id: string): Promise<void> {
    const link = this.#links.get(id);
    if (link) {
      this.#links.delete(id);
      await link.close();
    }
  }

  #sweepAll(): void {
    for (const link of this.#links.values()) {
      link
        .sweep()
        .catch((err: unknown) => this.#o.log.warn({ err, upperId: link.upperId }, 'catalog sweep failed'));
    }
  }

  /** The shares of a platform and what they resolve to now (also for a disabled one). */
  #shared(r: UpperPlatformRecord): { shares: ShareEntry[]; catalog: SharedCatalog } {
    const link = this.#links.get(r.id);
    const shares = link ? [...link.shares] : this.#o.store.listShares(r.id);
    const catalog =
      link?.catalog() ?? resolveSharedCatalog(shares, r.localId ?? this.#o.gatewayId, this.#o.local);
    return { shares, catalog };
  }

  #view(r: UpperPlatformRecord, shared = this.#shared(r)): UpperPlatformView {
    const link = this.#links.get(r.id);
    return {
      id: r.id,
      name: r.name,
      realm: r.realm,
      host: r.host,
      port: r.port,
      transport: r.transport,
      localId: r.localId ?? this.#o.gatewayId,
      keepaliveIntervalSec: r.keepaliveIntervalSec,
      keepaliveMaxMisses: r.keepaliveMaxMisses,
      expiresSec: r.expiresSec,
      registerTimeoutSec: r.registerTimeoutSec,
      charset: r.charset,
      enabled: r.enabled,
      shareCount: shared.shares.length,
      channelCount: shared.catalog.sources.size,
      status: link?.status() ?? {
        state: 'disabled',
        online: false,
        lastError: null,
        registeredAt: null,
        lastKeepaliveAt: null,
        keepalive: { sent: 0, answered: 0, missed: 0 },
        streams: 0,
        catalogSubscriptions: 0,
        notifications: { sent: 0, failed: 0 },
      },
    };
  }

  #detail(r: UpperPlatformRecord): UpperPlatformDetail {
    const shared = this.#shared(r);
    const { catalog } = shared;
    const items: SharedItemView[] = catalog.channels.map((c) => ({
      channelId: c.channelId,
      name: c.name,
      parentId: c.parentId ?? null,
      businessGroupId: c.businessGroupId ?? null,
      directory: c.parental === true,
      online: c.online,
      source: catalog.sources.get(c.channelId) ?? null,
    }));
    return { ...this.#view(r, shared), shares: shared.shares, catalog: items };
  }
}
