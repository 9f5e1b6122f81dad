// The gateway's protective limits as the API (/api/limits) reports them (issue #20 points 6-8):
// request budgets per client, connection caps derived from the open-file limit, and WebRTC
// viewer slots. Types only; each limit is enforced where its resource lives (api/,
// sip/transport.ts, the HTTP connection guard, outputs/webrtc/), in the terms of ../limits.ts.
import type {
  ConnectionRefusal,
  RateBudget,
  RateBudgetName,
  ViewerLimits,
  ViewerRefusal,
} from '../limits.js';

export interface ConnectionLimitsView {
  maxConnections: number;
  maxPerClient: number;
  open: number;
  refused: Record<ConnectionRefusal, number>;
}

export interface ViewerLimitsView extends ViewerLimits {
  viewers: number;
  pending: number;
  refused: Record<ViewerRefusal, number>;
}

export interface LimitsView {
  /** RLIMIT_NOFILE of the process; null where it cannot be read (not Linux). */
  openFiles: { soft: number | null; hard: number | null };
  http: ConnectionLimitsView & { headersTimeoutSec: number; requestTimeoutSec: number };
  sipTcp: ConnectionLimitsView & { idleTimeoutSec: number };
  rates: Record<RateBudgetName, RateBudget & { limited: number }>;
  /** Entries of --trusted-proxies (whose X-Forwarded-For names the client). */
  trustedProxies: number;
  webrtc: ViewerLimitsView;
}
