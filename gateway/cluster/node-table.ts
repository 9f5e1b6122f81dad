// The signaling node's view of the media nodes: bootstrapped from keys.nodes at start, then kept
// from the heartbeats published on keys.heartbeat. A node is lost when no beat arrived for
// `timeoutMs` by this process's clock (no cross-host clock comparison), and is then withdrawn
// from Redis so no other node redirects to it.
import type { Redis } from 'ioredis';
import { TypedEmitter } from '../events.js';
import type { Logger } from '../log.js';
import type { ClusterKeys } from './keys.js';
import type { NodeStatus } from './protocol.js';

export interface NodeTableEvents {
  up: [status: NodeStatus];
  lost: [nodeId: string, silentMs: number];
}

interface Entry {
  status: NodeStatus;
  seenAt: number;
}

export interface NodeTableOptions {
  redis: Redis;
  /** The subscriber connection (shared with the bus: one connection, several channels). */
  sub: Redis;
  keys: ClusterKeys;
  log: Logger;
  timeoutMs: number;
  /** How often silence is checked. Default timeoutMs / 8. */
  sweepMs?: number;
  now?: () => number;
}

export class NodeTable {
  readonly events = new TypedEmitter<NodeTableEvents>();
  readonly #o: NodeTableOptions;
  readonly #nodes = new Map<string, Entry>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onMessage = (channel: string, text: string) => {
    if (channel === this.#o.keys.heartbeat) {
      this.#onBeat(text);
    }
  };

  constructor(o: NodeTableOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { redis, sub, keys } = this.#o;
    sub.on('message', this.#onMessage);
    await sub.subscribe(keys.heartbeat);
    const ids = await redis.smembers(keys.nodes);
    const texts = ids.length ? await redis.mget(ids.map((id) => keys.node(id))) : [];
    texts.forEach((text, i) => {
      if (text) {
        this.#onBeat(text);
      } else {
        void redis.srem(keys.nodes, ids[i]);
      }
    });
    const sweep = this.#o.sweepMs ?? Math.max(100, Math.floor(this.#o.timeoutMs / 8));
    this.#timer = setInterval(() => this.sweep(), sweep);
    this.#timer.unref();
  }

  /** Nodes heard from within the timeout. */
  alive(): NodeStatus[] {
    return [...this.#nodes.values()].map((e) => e.status);
  }

  get(nodeId: string): NodeStatus | undefined {
    return this.#nodes.get(nodeId)?.status;
  }

  /** Declares silent nodes lost; called by the timer, and by tests. */
  sweep(): void {
    const now = this.#now();
    for (const [id, e] of this.#nodes) {
      const silent = now - e.seenAt;
      if (silent >= this.#o.timeoutMs) {
        this.#nodes.delete(id);
        this.#o.log.warn({ nodeId: id, silentMs: silent }, 'media node lost');
        const { redis, keys } = this.#o;
        redis
          .multi()
          .del(keys.node(id))
          .srem(keys.nodes, id)
          .exec()
          .catch(() => undefined);
        this.events.safeEmit('lost', id, silent);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    this.#o.sub.off('message', this.#onMessage);
    await this.#o.sub.unsubscribe(this.#o.keys.heartbeat).catch(() => undefined);
  }

  #onBeat(text: string): void {
    let status: NodeStatus;
    try {
      status = JSON.parse(text) as NodeStatus;
    } catch {
      return;
    }
    if (typeof status.nodeId !== 'string' || typeof status.http !== 'string') {
      return;
    }
    const known = this.#nodes.get(status.nodeId);
    if (status.leaving) {
      if (known) {
        this.#nodes.delete(status.nodeId);
        this.#o.log.info({ nodeId: status.nodeId }, 'media node leaving');
        this.events.safeEmit('lost', status.nodeId, this.#now() - known.seenAt);
      }
      return;
    }
    this.#nodes.set(status.nodeId, { status, seenAt: this.#now() });
    if (!known) {
      this.#o.log.info({ nodeId: status.nodeId, http: status.http }, 'media node up');
      this.events.safeEmit('up', status);
    }
  }
}
