// The stream directory: keys.streams maps a stream ID to the node serving it (DirectoryEntry).
// The signaling node writes it when an ingest opens and removes it when that ingest ends; every
// node reads it to redirect WHEP and HLS requests. Removal is compare-and-delete on the ingest
// ID, so the end of an old attempt never erases the entry of the attempt that replaced it.
import type { Redis } from 'ioredis';
import type { ClusterKeys } from './keys.js';
import type { DirectoryEntry } from './protocol.js';

// KEYS[1] = directory hash, ARGV[1] = stream ID, ARGV[2] = ingest ID that must still own it.
const REMOVE_IF_OWNED = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v).ingestId == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

export class StreamDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  async put(entry: DirectoryEntry): Promise<void> {
    await this.redis.hset(this.keys.streams, entry.streamId, JSON.stringify(entry));
  }

  async get(streamId: string): Promise<DirectoryEntry | undefined> {
    const text = await this.redis.hget(this.keys.streams, streamId);
    return text ? (JSON.parse(text) as DirectoryEntry) : undefined;
  }

  async list(): Promise<DirectoryEntry[]> {
    const all = await this.redis.hgetall(this.keys.streams);
    return Object.values(all).map((t) => JSON.parse(t) as DirectoryEntry);
  }

  async listOnNode(nodeId: string): Promise<DirectoryEntry[]> {
    return (await this.list()).filter((e) => e.nodeId === nodeId);
  }

  /** True when the entry was still this ingest's and is gone now. */
  async removeIfOwned(streamId: string, ingestId: string): Promise<boolean> {
    const n = await this.redis.eval(REMOVE_IF_OWNED, 1, this.keys.streams, streamId, ingestId);
    return n === 1;
  }
}
