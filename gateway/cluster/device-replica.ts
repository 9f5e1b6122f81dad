// A read-only copy of the signaling node's devices and channels on another node: loaded from
// Redis at start, then kept current from keys.storeChanges. Changes that arrive while loading
// are held and applied after the load, so a fresh record is never overwritten by an older one.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { ChannelRecord, DeviceRecord } from '../store/device-store.js';
import type { StoreChange } from './device-mirror.js';
import type { ClusterKeys } from './keys.js';

export class DeviceReplica {
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #channels = new Map<string, ChannelRecord[]>();
  readonly #o: { redis: Redis; sub: Redis; keys: ClusterKeys; log: Logger };
  #held: StoreChange[] | undefined = [];
  readonly #onMessage = (channel: string, text: string) => {
    if (channel !== this.#o.keys.storeChanges) {
      return;
    }
    let change: StoreChange;
    try {
      change = JSON.parse(text) as StoreChange;
    } catch {
      return;
    }
    if (this.#held) {
      this.#held.push(change);
    } else {
      this.#apply(change);
    }
  };

  private constructor(o: { redis: Redis; sub: Redis; keys: ClusterKeys; log: Logger }) {
    this.#o = o;
  }

  static async start(o: {
    redis: Redis;
    sub: Redis;
    keys: ClusterKeys;
    log: Logger;
  }): Promise<DeviceReplica> {
    const r = new DeviceReplica(o);
    o.sub.on('message', r.#onMessage);
    await o.sub.subscribe(o.keys.storeChanges);
    await r.#load();
    return r;
  }

  async #load(): Promise<void> {
    const { redis, keys } = this.#o;
    const devices = await redis.hgetall(keys.devices);
    const ids = Object.keys(devices);
    const tx = redis.pipeline();
    for (const id of ids) {
      tx.hgetall(keys.channels(id));
    }
    const lists = ids.length ? ((await tx.exec()) ?? []) : [];
    for (const [i, id] of ids.entries()) {
      this.#devices.set(id, JSON.parse(devices[id]) as DeviceRecord);
      const [err, hash] = lists[i] ?? [null, {}];
      if (!err) {
        this.#channels.set(
          id,
          sortChannels(
            Object.values(hash as Record<string, string>).map((t) => JSON.parse(t) as ChannelRecord),
          ),
        );
      }
    }
    for (const change of this.#held ?? []) {
      this.#apply(change);
    }
    this.#held = undefined;
    this.#o.log.info({ devices: this.#devices.size }, 'device replica loaded');
  }

  #apply(change: StoreChange): void {
    for (const id of change.deleted) {
      this.#devices.delete(id);
      this.#channels.delete(id);
    }
    for (const d of change.devices) {
      this.#devices.set(d.deviceId, d);
    }
    for (const c of change.channels) {
      this.#channels.set(c.deviceId, sortChannels(c.channels));
    }
  }

  listDevices(): DeviceRecord[] {
    return [...this.#devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  getDevice(deviceId: string): DeviceRecord | undefined {
    return this.#devices.get(deviceId);
  }

  listChannels(deviceId: string): ChannelRecord[] {
    return this.#channels.get(deviceId) ?? [];
  }

  countChannels(deviceId: string): number {
    return this.#channels.get(deviceId)?.length ?? 0;
  }

  async close(): Promise<void> {
    this.#o.sub.off('message', this.#onMessage);
    await this.#o.sub.unsubscribe(this.#o.keys.storeChanges).catch(() => undefined);
  }
}

function sortChannels(list: ChannelRecord[]): ChannelRecord[] {
  return list.sort((a, b) => a.channelId.localeCompare(b.channelId));
}
