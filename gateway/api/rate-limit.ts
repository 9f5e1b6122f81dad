// A token bucket per client address: bursts up to `burst`, refills at `perSecond`.
// Memory stays bounded: idle buckets are swept once the table grows past `maxClients`.
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

export function rateLimit(opts: {
  perSecond: number;
  burst: number;
  maxClients?: number;
  now?: () => number;
}) {
  const buckets = new Map<string, Bucket>();
  const maxClients = opts.maxClients ?? 10_000;
  const now = opts.now ?? Date.now;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = req.socket.remoteAddress ?? 'unknown';
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxClients) {
        for (const [k, b] of buckets) {
          if (t - b.at > 60_000) {
            buckets.delete(k);
          }
        }
        if (buckets.size >= maxClients) {
          buckets.clear();
        }
      }
      bucket = { tokens: opts.burst, at: t };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(opts.burst, bucket.tokens + ((t - bucket.at) / 1000) * opts.perSecond);
    bucket.at = t;
    if (bucket.tokens < 1) {
      return next(new GatewayError('GW_ERR_RATE_LIMITED'));
    }
    bucket.tokens -= 1;
    next();
  };
}
