// A media node's heartbeat: every interval it stores its status under keys.node(id) with an
// expiry of a few beats, adds itself to keys.nodes, and publishes the status on keys.heartbeat,
// where the signaling node times it with its own clock (node-table.ts). The status carries the
// load the signaling node balances on, and the per-stream state its API reports.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { ClusterKeys } from './keys.js';
import type { NodeStatus } from './protocol.js';

export interface NodeHeartbeatOptions {
  redis: Redis;
  keys: ClusterKeys;
  log: Logger;
  intervalMs: number;
  /** The key expires after this long without a beat. */
  ttlMs: number;
  /** Builds the status to send; `seq` is filled in here. */
  status(): Omit<NodeStatus, 'seq'>;
}

export class NodeHeartbeat {
  readonly #o: NodeHeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;
  #nodeId = '';
  #closed = false;

  constructor(o: NodeHeartbeatOptions) {
    this.#o = o;
  }

  /** Sends the first beat now (so the node is choosable when start resolves), then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.#o.log.warn({ err }, 'heartbeat not sent'));
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    if (this.#closed) {
      return;
    }
    const status: NodeStatus = { ...this.#o.status(), seq: ++this.#seq };
    this.#nodeId = status.nodeId;
    const text = JSON.stringify(status);
    const { redis, keys } = this.#o;
    await redis
      .multi()
      .set(keys.node(status.nodeId), text, 'PX', this.#o.ttlMs)
      .sadd(keys.nodes, status.nodeId)
      .publish(keys.heartbeat, text)
      .exec();
  }

  /**
   * Idempotent: stops beating, withdraws the node, and publishes a last beat marked `leaving`,
   * on which the signaling node moves this node's streams at once (a rolling update loses none).
   */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#nodeId) {
      const { redis, keys } = this.#o;
      const last: NodeStatus = { ...this.#o.status(), seq: ++this.#seq, leaving: true };
      await redis
        .multi()
        .del(keys.node(this.#nodeId))
        .srem(keys.nodes, this.#nodeId)
        .publish(keys.heartbeat, JSON.stringify(last))
        .exec()
        .catch(() => undefined);
    }
  }
}
