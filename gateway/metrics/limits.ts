// Prometheus series of the gateway's protective limits (issue #20 points 6-8), registered into the
// gateway's one registry. The counts live with whatever enforces each limit (the rate limiters,
// the connection guards, the viewer slots) and reach /api/limits from there; these series read the
// same report at scrape time, so both places always agree. Every label set is known up front, so
// every series exists at 0 from the first scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import { RATE_BUDGETS, VIEWER_REFUSALS, type ConnectionRefusal } from '../limits.js';
import type { LimitsView } from '../views/limits.js';

const CONNECTION_REFUSALS: readonly ConnectionRefusal[] = [
  'total',
  'per-client',
  'evicted-idle',
  'idle-timeout',
];

/** A counter whose value is kept elsewhere: each scrape adds what it grew by since the last one. */
function mirrored<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelName: L,
  labels: readonly string[],
  read: (view: LimitsView) => Record<string, number>,
  view: () => LimitsView,
): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      const now = read(view());
      for (const label of labels) {
        const value = now[label] ?? 0;
        const delta = value - (last.get(label) ?? 0);
        last.set(label, value);
        this.inc({ [labelName]: label } as Record<L, string>, Math.max(0, delta));
      }
    },
  });
}

export function registerLimitMetrics(registry: Registry, view: () => LimitsView, p = 'gb_'): void {
  const registers = [registry];
  new Gauge({
    name: `${p}open_files_limit`,
    help: 'The soft RLIMIT_NOFILE of the process (-1 where it cannot be read); connection caps derive from it',
    registers,
    collect() {
      this.set(view().openFiles.soft ?? -1);
    },
  });
  new Gauge({
    name: `${p}connections_open`,
    help: 'Open connections by protocol (http, sip_tcp)',
    labelNames: ['protocol'],
    registers,
    collect() {
      const v = view();
      this.set({ protocol: 'http' }, v.http.open);
      this.set({ protocol: 'sip_tcp' }, v.sipTcp.open);
    },
  });
  new Gauge({
    name: `${p}connections_max`,
    help: 'Connection caps by protocol and scope (total, per_client)',
    labelNames: ['protocol', 'scope'],
    registers,
    collect() {
      const v = view();
      this.set({ protocol: 'http', scope: 'total' }, v.http.maxConnections);
      this.set({ protocol: 'http', scope: 'per_client' }, v.http.maxPerClient);
      this.set({ protocol: 'sip_tcp', scope: 'total' }, v.sipTcp.maxConnections);
      this.set({ protocol: 'sip_tcp', scope: 'per_client' }, v.sipTcp.maxPerClient);
    },
  });
  mirrored(
    registry,
    `${p}http_connections_refused_total`,
    'HTTP connections refused at a cap (total, per-client) or closed to make room (evicted-idle)',
    'reason',
    CONNECTION_REFUSALS,
    (v) => v.http.refused,
    view,
  );
  mirrored(
    registry,
    `${p}sip_tcp_connections_refused_total`,
    'SIP-over-TCP connections refused at a cap, or closed without a registration (idle-timeout)',
    'reason',
    CONNECTION_REFUSALS,
    (v) => v.sipTcp.refused,
    view,
  );
  mirrored(
    registry,
    `${p}http_rate_limited_total`,
    'HTTP requests answered 429 by budget (api, media, static)',
    'budget',
    RATE_BUDGETS,
    (v) => Object.fromEntries(RATE_BUDGETS.map((b) => [b, v.rates[b].limited])),
    view,
  );
  new Gauge({
    name: `${p}webrtc_viewer_limit`,
    help: 'WebRTC viewer slots by scope (total, per_stream, pending_per_stream, pending_per_client)',
    labelNames: ['scope'],
    registers,
    collect() {
      const w = view().webrtc;
      this.set({ scope: 'total' }, w.maxViewers);
      this.set({ scope: 'per_stream' }, w.maxViewersPerStream);
      this.set({ scope: 'pending_per_stream' }, w.maxPendingPerStream);
      this.set({ scope: 'pending_per_client' }, w.maxPendingPerClient);
    },
  });
  new Gauge({
    name: `${p}webrtc_viewers_pending`,
    help: 'WebRTC viewers whose ICE/DTLS has not finished',
    registers,
    collect() {
      this.set(view().webrtc.pending);
    },
  });
  mirrored(
    registry,
    `${p}webrtc_viewers_refused_total`,
    'WHEP offers refused for want of a viewer slot, by the limit that refused them',
    'reason',
    VIEWER_REFUSALS,
    (v) => v.webrtc.refused,
    view,
  );
}
