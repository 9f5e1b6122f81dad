// Live registration state of lower platforms (GB/T 28181 §9.1 registration, §9.6 keepalive).
// The store keeps what survives a restart; this keeps where each device is reachable now and
// decides online/offline. One sweep timer serves every device, so 10,000 devices cost one timer.
// Online/offline and registrations reach the store at once; keepalive time and address are
// coalesced in memory and written for all devices in one transaction every flushIntervalMs
// (and on offline and close): a write per keepalive was most of a keepalive's cost at 10,000
// devices. The API reads the live value from here; after a crash the store's lastKeepaliveAt is
// at most flushIntervalMs old.
//
// A binding moves only with an authenticated REGISTER (register()): other traffic is taken from
// the registered IP address alone (boundSession), so one forged MESSAGE from elsewhere cannot send
// our INVITEs and PTZ commands to its author. A new port on the same IP (NAT rebinding, a new TCP
// connection) is followed and reported ('rebound').
//
// Registrations survive a restart of the gateway: restoreRegistrations() takes every unexpired
// one from the store as an offline session, and the device is online again at its first
// keepalive from the stored address, instead of 404s until it registers again.
//
// Offline detection uses the global keepalive interval and count, or the device's own when its
// ConfigDownload answer gave them (setHeartbeat; docs/gb28181.md §2 "Timing"): a camera that
// keeps alive every 10 s is offline 30 s after it falls silent, not 180 s.
import type { SipRemote } from '../../sip/index.js';
import type { DevicePatch, DeviceRecord, DeviceStore } from '../../store/device-store.js';
import { normalizeCharsetName, type ManscdpCharset } from '../manscdp/charset.js';
import { TypedEmitter } from '../../events.js';

export interface DeviceSession {
  readonly deviceId: string;
  /** Where the device was last seen (Via received/rport or its TCP connection): requests go here. */
  remote: SipRemote;
  callId: string;
  registeredAt: number;
  expiresAt: number;
  lastSeenAt: number;
  lastKeepaliveAt: number | undefined;
  charset: ManscdpCharset;
  /** The operator's charset for this device (PATCH), fixed both ways; undefined follows the device. */
  charsetSetting?: ManscdpCharset;
  online: boolean;
  /** Taken from the store at start-up and not yet heard from by this process. */
  restored: boolean;
}

/**
 * Why a device came online: a REGISTER; traffic after it went offline (keepalive timeout, TCP
 * closed); or the first traffic on a registration restored from the store after a restart.
 */
export type OnlineCause = 'registered' | 'returned' | 'restored';

export type OfflineReason =
  | 'keepalive-timeout'
  | 'registration-expired'
  | 'unregistered'
  | 'connection-closed'
  /** Late keepalive and no media on any stream: the device is gone (silentTimeoutIntervals). */
  | 'keepalive-and-media-silent'
  /** DELETE /api/devices/:id (forget()). */
  | 'forgotten';

/** A device's own keepalive timing (ConfigDownload BasicParam HeartBeatInterval/HeartBeatCount). */
export interface Heartbeat {
  intervalSec: number;
  count: number;
}

export type DeviceSessionEvents = {
  online: [deviceId: string, cause: OnlineCause];
  offline: [deviceId: string, reason: OfflineReason];
  keepalive: [deviceId: string, latenessSec: number];
  /**
   * A registered device registered again under a new Call-ID: a UA keeps one Call-ID for all
   * its registrations during a boot cycle (RFC 3261 §10.2.4; docs/gb28181.md §1.4), so this one
   * restarted, and the INVITE dialogs it had are gone on its side.
   */
  restarted: [deviceId: string, previousCallId: string, callId: string];
  /** Traffic from the registered IP on another port or connection: the binding followed it. */
  rebound: [deviceId: string, from: SipRemote, to: SipRemote];
};

export interface DeviceSessionsOptions {
  store: DeviceStore;
  /** Expected keepalive interval (GB default 60 s). */
  keepaliveIntervalSec: number;
  /** Missed keepalives before a device is offline (GB default 3). */
  keepaliveTimeoutCount: number;
  /**
   * Keepalive intervals of silence after which a device whose media has stopped too
   * (mediaSilent) is offline, sooner than keepaliveTimeoutCount: a camera that was switched off
   * mid-stream is offline within two intervals instead of three and more. 0 = off.
   */
  silentTimeoutIntervals?: number;
  /** Whether every stream of the device has gone silent since `lastSeenAt` (plays.ts mediaSilent). */
  mediaSilent?: (deviceId: string, lastSeenAt: number) => boolean;
  now?: () => number;
  sweepIntervalMs?: number;
  /** How often coalesced keepalive writes go to the store. Default 5000. */
  flushIntervalMs?: number;
  /** A coalesced write failed; the entries are kept and retried at the next flush. */
  onStoreError?: (err: unknown) => void;
}

export class DeviceSessions {
  readonly events = new TypedEmitter<DeviceSessionEvents>();
  readonly #sessions = new Map<string, DeviceSession>();
  readonly #opts: DeviceSessionsOptions;
  readonly #now: () => number;
  /** Keepalive time and address not yet in the store, by device. */
  #pending = new Map<string, DevicePatch>();
  /** Devices whose own keepalive timing replaces the global one. */
  readonly #heartbeats = new Map<string, Heartbeat>();
  /** TCP connection → the device last seen on it (checked against the session on lookup). */
  readonly #byConnection = new Map<string, string>();
  #lastFlushAt: number;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: DeviceSessionsOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#lastFlushAt = this.#now();
  }

  start(): void {
    this.#closed = false;
    this.#timer ??= setInterval(() => this.sweep(), this.#opts.sweepIntervalMs ?? 1000);
    this.#timer.unref();
  }

  get(deviceId: string): DeviceSession | undefined {
    return this.#sessions.get(deviceId);
  }

  list(): DeviceSession[] {
    return [...this.#sessions.values()];
  }

  get onlineCount(): number {
    let n = 0;
    for (const s of this.#sessions.values()) {
      if (s.online) {
        n++;
      }
    }
    return n;
  }

  /** A successful REGISTER (or refresh); `patch` adds what the REGISTER said (X-GB-Ver). */
  register(
    deviceId: string,
    remote: SipRemote,
    expiresSec: number,
    callId: string,
    patch: DevicePatch = {},
  ): DeviceSession {
    const now = this.#now();
    const prev = this.#sessions.get(deviceId);
    const session: DeviceSession = {
      deviceId,
      remote,
      callId,
      registeredAt: prev && prev.callId === callId ? prev.registeredAt : now,
      expiresAt: now + expiresSec * 1000,
      lastSeenAt: now,
      lastKeepaliveAt: prev?.lastKeepaliveAt,
      charset: prev?.charset ?? 'GB2312',
      online: true,
      restored: false,
    };
    this.#sessions.set(deviceId, session);
    this.#noteConnection(session);
    const record = this.#opts.store.upsertDevice(deviceId, {
      ...this.#takePending(deviceId),
      ...patch,
      online: true,
      transport: remote.transport,
      remoteAddress: remote.address,
      remotePort: remote.port,
      registeredAt: new Date(session.registeredAt).toISOString(),
      expiresSec,
      expiresAt: new Date(session.expiresAt).toISOString(),
      callId,
    });
    this.#applySettings(session, record);
    if (!prev?.online) {
      this.events.safeEmit('online', deviceId, 'registered');
    } else if (prev.callId !== callId) {
      this.events.safeEmit('restarted', deviceId, prev.callId, callId);
    }
    return session;
  }

  unregister(deviceId: string, reason: OfflineReason): void {
    const session = this.#sessions.get(deviceId);
    if (!session) {
      return;
    }
    this.#sessions.delete(deviceId);
    this.#setOffline(session, reason, { expiresAt: null });
  }

  /**
   * Takes the unexpired registrations in the store as offline sessions (call once, at start-up,
   * before any traffic). They follow the live rules: online at the first request from the stored
   * IP (boundSession), gone at their expiry (sweep). Returns how many were restored.
   */
  restoreRegistrations(): number {
    const now = this.#now();
    let n = 0;
    for (const d of this.#opts.store.listDevices()) {
      const session = !this.#sessions.has(d.deviceId) ? restoredSession(d, now) : undefined;
      if (session) {
        this.#sessions.set(d.deviceId, session);
        this.#applySettings(session, d);
        n++;
      }
    }
    return n;
  }

  /**
   * The device's registration, when `remote` is where it is registered: the same transport and
   * IP address; the port may differ (NAT rebinding, wvp #239; a new TCP connection). Anything
   * else, and an expired registration, is undefined, exactly as for an unknown ID, so callers
   * answer both alike and a prober cannot tell registered IDs from unknown ones.
   */
  boundSession(deviceId: string, remote: SipRemote): DeviceSession | undefined {
    const session = this.#sessions.get(deviceId);
    if (
      !session ||
      session.remote.transport !== remote.transport ||
      session.remote.address !== remote.address ||
      this.#now() > session.expiresAt
    ) {
      return undefined;
    }
    return session;
  }

  /**
   * Any traffic from a registered device at its binding (boundSession): follow a new port and bring
   * it back online. Returns undefined, and changes nothing, for a device with no live
   * registration or a request from another address: only a REGISTER moves a binding.
   */
  touch(deviceId: string, remote: SipRemote, isKeepalive: boolean): DeviceSession | undefined {
    const session = this.boundSession(deviceId, remote);
    if (!session) {
      return undefined;
    }
    const now = this.#now();
    if (isKeepalive) {
      const expected =
        (session.lastKeepaliveAt ?? session.registeredAt) + this.#heartbeatOf(deviceId).intervalSec * 1000;
      this.events.safeEmit('keepalive', deviceId, Math.max(0, (now - expected) / 1000));
      session.lastKeepaliveAt = now;
    }
    session.lastSeenAt = now;
    const previous = session.remote;
    session.remote = remote;
    this.#noteConnection(session);
    if (previous.port !== remote.port || previous.connectionId !== remote.connectionId) {
      this.events.safeEmit('rebound', deviceId, previous, remote);
    }
    if (!session.online) {
      const cause: OnlineCause = session.restored ? 'restored' : 'returned';
      session.online = true;
      session.restored = false;
      this.#opts.store.upsertDevice(deviceId, { online: true });
      this.events.safeEmit('online', deviceId, cause);
    }
    if (isKeepalive) {
      const patch: DevicePatch = {
        lastKeepaliveAt: new Date(now).toISOString(),
        remoteAddress: remote.address,
        remotePort: remote.port,
      };
      if (this.#closed) {
        this.#pending.delete(deviceId);
        this.#opts.store.upsertDevice(deviceId, patch);
      } else {
        this.#pending.set(deviceId, patch);
      }
    }
    return session;
  }

  /** Writes the coalesced keepalive state of every device in one store transaction. */
  flush(): void {
    this.#lastFlushAt = this.#now();
    if (this.#pending.size === 0) {
      return;
    }
    const batch = this.#pending;
    this.#pending = new Map();
    const { store } = this.#opts;
    try {
      if (store.upsertDevices) {
        store.upsertDevices(batch);
      } else {
        for (const [deviceId, patch] of batch) {
          store.upsertDevice(deviceId, patch);
        }
      }
    } catch (err) {
      // Keep what newer keepalives have not replaced, for the next flush.
      for (const [deviceId, patch] of batch) {
        if (!this.#pending.has(deviceId)) {
          this.#pending.set(deviceId, patch);
        }
      }
      this.#opts.onStoreError?.(err);
    }
  }

  /**
   * Whether a registered device talks to us over this TCP connection: the transport closes
   * connections that carry none (issue #20 point 7).
   */
  holdsConnection(connectionId: string): boolean {
    const deviceId = this.#byConnection.get(connectionId);
    return deviceId !== undefined && this.#sessions.get(deviceId)?.remote.connectionId === connectionId;
  }

  #noteConnection(session: DeviceSession): void {
    if (session.remote.connectionId) {
      this.#byConnection.set(session.remote.connectionId, session.deviceId);
    }
  }

  /** The device's TCP connection closed: over TCP that is the end of reachability (2022 §9.1.1 f). */
  connectionClosed(connectionId: string): void {
    this.#byConnection.delete(connectionId);
    for (const session of this.#sessions.values()) {
      if (session.remote.connectionId === connectionId && session.online) {
        this.#setOffline(session, 'connection-closed');
      }
    }
  }

  /**
   * The device's own keepalive timing from now on (undefined: back to the global one). Values
   * outside 1 s..1 h and 1..100 are not timings a device meant and are ignored.
   */
  setHeartbeat(deviceId: string, heartbeat: Heartbeat | undefined): void {
    if (heartbeat && isPlausibleHeartbeat(heartbeat)) {
      this.#heartbeats.set(deviceId, { ...heartbeat });
    } else {
      this.#heartbeats.delete(deviceId);
    }
  }

  /** The keepalive timing offline detection uses for this device. */
  heartbeatOf(deviceId: string): Heartbeat {
    return this.#heartbeatOf(deviceId);
  }

  /** The operator's charset for the device (undefined: follow the device, docs/gb28181.md §0). */
  setCharset(deviceId: string, charset: ManscdpCharset | undefined): void {
    const session = this.#sessions.get(deviceId);
    if (!session) {
      return;
    }
    session.charsetSetting = charset;
    if (charset) {
      session.charset = charset;
    }
  }

  /**
   * Forgets a device (DELETE /api/devices/:id): its registration ends here without a store write,
   * so it is refused like any unknown ID until it registers again. An online device goes
   * 'offline' with reason 'forgotten', which ends its streams.
   */
  forget(deviceId: string): void {
    const session = this.#sessions.get(deviceId);
    this.#sessions.delete(deviceId);
    this.#pending.delete(deviceId);
    this.#heartbeats.delete(deviceId);
    if (session?.online) {
      session.online = false;
      this.events.safeEmit('offline', deviceId, 'forgotten');
    }
  }

  /** Keepalive deadline = last traffic + interval × count, capped by the registration's expiry. */
  sweep(): void {
    const now = this.#now();
    for (const session of [...this.#sessions.values()]) {
      // The device's own keepalive timing when it gave one, else the global one.
      const { intervalSec, count } = this.#heartbeatOf(session.deviceId);
      const mediaSilenceMs = intervalSec * (this.#opts.silentTimeoutIntervals ?? 0) * 1000;
      if (now > session.expiresAt) {
        this.#sessions.delete(session.deviceId);
        this.#setOffline(session, 'registration-expired');
      } else if (session.online && now - session.lastSeenAt > intervalSec * count * 1000) {
        this.#setOffline(session, 'keepalive-timeout');
      } else if (
        session.online &&
        mediaSilenceMs > 0 &&
        now - session.lastSeenAt > mediaSilenceMs &&
        this.#opts.mediaSilent?.(session.deviceId, session.lastSeenAt)
      ) {
        this.#setOffline(session, 'keepalive-and-media-silent');
      }
    }
    if (now - this.#lastFlushAt >= (this.#opts.flushIntervalMs ?? 5000)) {
      this.flush();
    }
  }

  /** Flushes coalesced writes; later keepalives are written through until start() again. */
  close(): void {
    if (this.#timer) {
      clearInterval(this.#timer);
    }
    this.#timer = undefined;
    this.#closed = true;
    this.flush();
  }

  #setOffline(session: DeviceSession, reason: OfflineReason, patch: DevicePatch = {}): void {
    const wasOnline = session.online;
    session.online = false;
    this.#opts.store.upsertDevice(session.deviceId, {
      ...this.#takePending(session.deviceId),
      ...patch,
      online: false,
    });
    if (wasOnline) {
      this.events.safeEmit('offline', session.deviceId, reason);
    }
  }

  #heartbeatOf(deviceId: string): Heartbeat {
    return (
      this.#heartbeats.get(deviceId) ?? {
        intervalSec: this.#opts.keepaliveIntervalSec,
        count: this.#opts.keepaliveTimeoutCount,
      }
    );
  }

  /** The stored per-device settings that act on a live session: charset and keepalive timing. */
  #applySettings(session: DeviceSession, d: DeviceRecord): void {
    const charset = d.charsetMode === 'auto' ? undefined : d.charsetMode;
    session.charsetSetting = charset;
    if (charset) {
      session.charset = charset;
    }
    this.setHeartbeat(
      session.deviceId,
      d.heartbeatIntervalSec !== null && d.heartbeatCount !== null
        ? { intervalSec: d.heartbeatIntervalSec, count: d.heartbeatCount }
        : undefined,
    );
  }

  #takePending(deviceId: string): DevicePatch | undefined {
    const patch = this.#pending.get(deviceId);
    this.#pending.delete(deviceId);
    return patch;
  }
}

function isPlausibleHeartbeat(h: Heartbeat): boolean {
  return (
    Number.isInteger(h.intervalSec) &&
    h.intervalSec >= 1 &&
    h.intervalSec <= 3600 &&
    Number.isInteger(h.count) &&
    h.count >= 1 &&
    h.count <= 100
  );
}

/** A stored registration as an offline session; undefined when there is none or it has expired. */
function restoredSession(d: DeviceRecord, now: number): DeviceSession | undefined {
  const expiresAt = d.expiresAt === null ? NaN : Date.parse(d.expiresAt);
  if (!(expiresAt > now) || d.remoteAddress === null || d.remotePort === null || d.callId === null) {
    return undefined;
  }
  const registeredAt = d.registeredAt === null ? NaN : Date.parse(d.registeredAt);
  const lastKeepaliveAt = d.lastKeepaliveAt === null ? undefined : Date.parse(d.lastKeepaliveAt);
  return {
    deviceId: d.deviceId,
    remote: { transport: d.transport, address: d.remoteAddress, port: d.remotePort },
    callId: d.callId,
    registeredAt: Number.isFinite(registeredAt) ? registeredAt : now,
    expiresAt,
    lastSeenAt: now,
    lastKeepaliveAt: Number.isFinite(lastKeepaliveAt) ? lastKeepaliveAt : undefined,
    charset: normalizeCharsetName(d.charset) ?? 'GB2312',
    online: false,
    restored: true,
  };
}
