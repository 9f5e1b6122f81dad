// The vocabulary of the gateway's protective limits (issue #20 points 6-8), shared by the places
// that enforce them (api/ request budgets, sip/ and the HTTP server's connection caps,
// outputs/webrtc/ viewer slots) and the report of them (views/limits.ts, /metrics).

/** Separate request budgets, so a video wall's media requests never starve the API or the reverse. */
export type RateBudgetName = 'api' | 'media' | 'static';
export const RATE_BUDGETS: readonly RateBudgetName[] = ['api', 'media', 'static'];

export interface RateBudget {
  /** Tokens refilled per second, per client address. */
  perSecond: number;
  /** Bucket size: requests a client may send at once. */
  burst: number;
}

/**
 * The defaults: the API strict; media sized for a wall of 64 low-latency HLS tiles behind one
 * address (a tile reloads its video and its audio playlist and fetches a part of each every part
 * duration, ~0.33 s: ~12 requests/s each, so 64 tiles ≈ 770/s, with headroom for WHEP and
 * segment catch-up); the demo's
 * static files a page load of ~30 files at a time.
 */
export const DEFAULT_RATE_BUDGETS: Readonly<Record<RateBudgetName, RateBudget>> = {
  api: { perSecond: 20, burst: 100 },
  media: { perSecond: 1000, burst: 2000 },
  static: { perSecond: 100, burst: 300 },
};

/** Why a connection was refused or closed by a cap. */
export type ConnectionRefusal = 'total' | 'per-client' | 'evicted-idle' | 'idle-timeout';

/** Why a WHEP offer got no viewer slot. */
export type ViewerRefusal = 'total' | 'per-stream' | 'pending-per-stream' | 'pending-per-client' | 'ports';
export const VIEWER_REFUSALS: readonly ViewerRefusal[] = [
  'total',
  'per-stream',
  'pending-per-stream',
  'pending-per-client',
  'ports',
];

export interface ViewerLimits {
  /** Viewers (connecting or connected) in the process. */
  maxViewers: number;
  maxViewersPerStream: number;
  /** Viewers whose ICE/DTLS has not finished, per stream and per client address. */
  maxPendingPerStream: number;
  maxPendingPerClient: number;
  connectTimeoutSec: number;
}
