// The signaling node's device store, written through to Redis so every node's API sees devices,
// their online state and channels. SQLite stays the signaling node's own store (it survives a
// restart on its own); Redis holds a copy. Writes are coalesced: keepalives of 10,000 devices
// are a few hundred updates a second, sent as one pipeline per flush interval, and each flush
// publishes the changed records on keys.storeChanges for the replicas (device-replica.ts).
// Per-device passwords never leave this process.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type {
  ChannelInput,
  ChannelRecord,
  DevicePatch,
  DeviceRecord,
  DeviceStore,
} from '../store/device-store.js';
import type { ClusterKeys } from './keys.js';

/** One flush's worth of changes, as published on keys.storeChanges. */
export interface StoreChange {
  devices: DeviceRecord[];
  channels: { deviceId: string; channels: ChannelRecord[] }[];
  deleted: string[];
}

export function publicRecord(d: DeviceRecord): DeviceRecord {
  return { ...d, password: null };
}

export class MirroredDeviceStore implements DeviceStore {
  readonly #inner: DeviceStore;
  readonly #o: { redis: Redis; keys: ClusterKeys; log: Logger };
  readonly #devices = new Set<string>();
  readonly #channels = new Set<string>();
  readonly #deleted = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(inner: DeviceStore, o: { redis: Redis; keys: ClusterKeys; log: Logger; flushMs?: number }) {
    this.#inner = inner;
    this.#o = o;
    this.#timer = setInterval(() => void this.flush(), o.flushMs ?? 250);
    this.#timer.unref();
  }

  /** At start: Redis becomes exactly what SQLite holds (devices gone from SQLite are removed). */
  async syncAll(): Promise<void> {
    const { redis, keys } = this.#o;
    const known = new Set(this.#inner.listDevices().map((d) => d.deviceId));
    for (const id of await redis.hkeys(keys.devices)) {
      if (!known.has(id)) {
        this.#deleted.add(id);
      }
    }
    for (const id of known) {
      this.#devices.add(id);
      this.#channels.add(id);
    }
    await this.flush();
  }

  /** Sends what changed since the last flush; flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .then(() => this.#flushOnce())
      .catch((err: unknown) => {
        this.#o.log.warn({ err }, 'device store not mirrored to Redis');
      });
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#devices.size + this.#channels.size + this.#deleted.size === 0) {
      return;
    }
    const change: StoreChange = { devices: [], channels: [], deleted: [...this.#deleted] };
    const { redis, keys } = this.#o;
    const tx = redis.multi();
    for (const id of this.#deleted) {
      tx.hdel(keys.devices, id).del(keys.channels(id));
    }
    for (const id of this.#devices) {
      const d = this.#inner.getDevice(id);
      if (d) {
        const rec = publicRecord(d);
        change.devices.push(rec);
        tx.hset(keys.devices, id, JSON.stringify(rec));
      }
    }
    for (const id of this.#channels) {
      const list = this.#inner.listChannels(id);
      change.channels.push({ deviceId: id, channels: list });
      tx.del(keys.channels(id));
      if (list.length > 0) {
        tx.hset(keys.channels(id), Object.fromEntries(list.map((c) => [c.channelId, JSON.stringify(c)])));
      }
    }
    this.#devices.clear();
    this.#channels.clear();
    this.#deleted.clear();
    tx.publish(keys.storeChanges, JSON.stringify(change));
    await tx.exec();
  }

  /** Stops the flush timer after a last flush; SQLite stays open until close(). */
  async stopMirroring(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  // ---------- DeviceStore: reads go to SQLite, writes mark what to mirror ----------

  getDevice(deviceId: string): DeviceRecord | undefined {
    return this.#inner.getDevice(deviceId);
  }
  listDevices(): DeviceRecord[] {
    return this.#inner.listDevices();
  }
  upsertDevice(deviceId: string, patch: DevicePatch): DeviceRecord {
    const d = this.#inner.upsertDevice(deviceId, patch);
    this.#devices.add(deviceId);
    this.#deleted.delete(deviceId);
    return d;
  }
  deleteDevice(deviceId: string): void {
    this.#inner.deleteDevice(deviceId);
    this.#devices.delete(deviceId);
    this.#channels.delete(deviceId);
    this.#deleted.add(deviceId);
  }
  markAllOffline(): void {
    this.#inner.markAllOffline();
    for (const d of this.#inner.listDevices()) {
      this.#devices.add(d.deviceId);
    }
  }
  listChannels(deviceId: string): ChannelRecord[] {
    return this.#inner.listChannels(deviceId);
  }
  getChannel(deviceId: string, channelId: string): ChannelRecord | undefined {
    return this.#inner.getChannel(deviceId, channelId);
  }
  countChannels(deviceId: string): number {
    return this.#inner.countChannels(deviceId);
  }
  replaceChannels(deviceId: string, channels: readonly ChannelInput[]): void {
    this.#inner.replaceChannels(deviceId, channels);
    this.#channels.add(deviceId);
  }
  upsertChannels(deviceId: string, channels: readonly ChannelInput[]): void {
    this.#inner.upsertChannels(deviceId, channels);
    this.#channels.add(deviceId);
  }
  setChannelStatus(deviceId: string, channelId: string, status: 'ON' | 'OFF'): boolean {
    const changed = this.#inner.setChannelStatus(deviceId, channelId, status);
    this.#channels.add(deviceId);
    return changed;
  }
  deleteChannel(deviceId: string, channelId: string): boolean {
    const gone = this.#inner.deleteChannel(deviceId, channelId);
    this.#channels.add(deviceId);
    return gone;
  }
  close(): void {
    clearInterval(this.#timer);
    this.#inner.close();
  }
}
