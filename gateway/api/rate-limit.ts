// A token bucket per client address: bursts up to `burst`, refills at `perSecond`. The gateway
// keeps one limiter per budget (views/limits.ts), so media requests and API calls never spend each
// other's tokens. Memory stays bounded: idle buckets are swept once the table grows past `maxClients`.
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';
import type { RateBudget, RateBudgetName } from '../limits.js';
import type { ClientAddressOf } from './client-address.js';

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiter {
  (req: Request, res: Response, next: NextFunction): void;
  readonly budget: RateBudget;
  /** Requests refused so far. */
  readonly limited: number;
}

export function rateLimit(opts: {
  name: RateBudgetName;
  budget: RateBudget;
  clientOf: ClientAddressOf;
  maxClients?: number;
  now?: () => number;
  onLimited?(name: RateBudgetName, client: string): void;
}): RateLimiter {
  const { perSecond, burst } = opts.budget;
  const buckets = new Map<string, Bucket>();
  const maxClients = opts.maxClients ?? 10_000;
  const now = opts.now ?? Date.now;
  let limited = 0;
  const limiter = (req: Request, res: Response, next: NextFunction): void => {
    const key = opts.clientOf(req);
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
      bucket = { tokens: burst, at: t };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
    bucket.at = t;
    if (bucket.tokens < 1) {
      limited++;
      opts.onLimited?.(opts.name, key);
      // RFC 6585 §4: say when to come back; one token takes 1/perSecond seconds.
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))));
      return next(
        new GatewayError('GW_ERR_RATE_LIMITED', `too many ${opts.name} requests from ${key}; slow down`),
      );
    }
    bucket.tokens -= 1;
    next();
  };
  Object.defineProperties(limiter, {
    budget: { value: opts.budget },
    limited: { get: () => limited },
  });
  return limiter as RateLimiter;
}
