// What a cluster node needs from the configuration, checked once: --role signaling and media
// need --redis; the node ID defaults to the host name. Also opens the two Redis connections
// every node uses (commands, and a subscriber, which ioredis cannot share).
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { clusterKeys, type ClusterKeys } from './keys.js';

export interface ClusterSettings {
  role: 'signaling' | 'media';
  redisUrl: string;
  nodeId: string;
  keys: ClusterKeys;
  heartbeatMs: number;
  nodeTimeoutMs: number;
}

export function clusterSettings(config: GatewayConfig): ClusterSettings | undefined {
  if (config.role === 'all') {
    return undefined;
  }
  if (!config.redis) {
    throw new Error(`--role ${config.role} needs --redis redis://host:port`);
  }
  const heartbeatMs = Math.round(config['heartbeat-interval'] * 1000);
  const nodeTimeoutMs = Math.round(config['node-timeout'] * 1000);
  if (nodeTimeoutMs < 2 * heartbeatMs) {
    throw new Error('--node-timeout must be at least two --heartbeat-interval');
  }
  return {
    role: config.role,
    redisUrl: config.redis,
    nodeId:
      config['node-id'] ??
      hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 64),
    keys: clusterKeys(config['cluster-prefix']),
    heartbeatMs,
    nodeTimeoutMs,
  };
}

export interface RedisPair {
  redis: Redis;
  sub: Redis;
  close(): Promise<void>;
}

/** Connects both clients before returning, so a wrong URL fails the start, not the first play. */
export async function connectRedis(url: string, log: Logger): Promise<RedisPair> {
  const options = {
    lazyConnect: true,
    // A command fails fast while Redis is unreachable instead of queueing for a long time.
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
  };
  const redis = new Redis(url, options);
  const sub = new Redis(url, options);
  for (const c of [redis, sub]) {
    c.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  }
  await Promise.all([redis.connect(), sub.connect()]);
  let closed: Promise<void> | undefined;
  return {
    redis,
    sub,
    close: () =>
      (closed ??= (async () => {
        await Promise.all([
          redis.quit().catch(() => redis.disconnect()),
          sub.quit().catch(() => sub.disconnect()),
        ]);
      })()),
  };
}
