// Viewer worker series (docs/performance.md §3), read from the pool at scrape time: threads
// running, viewers in each, and how many times a worker had to be started again. A restart
// drops that worker's viewers, so an operator alerts on the counter's rate.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ViewerWorkersView {
  /** Sessions per worker slot (0 for a slot whose thread is restarting). */
  readonly load: number[];
  readonly count: number;
  readonly restarts: number;
}

export function registerViewerWorkerMetrics(
  registry: Registry,
  pool: ViewerWorkersView,
  prefix = 'gb_',
): void {
  const registers = [registry];
  new Gauge({
    name: `${prefix}webrtc_workers`,
    help: 'WebRTC viewer worker threads running (--media-workers)',
    registers,
    collect() {
      this.set(pool.count);
    },
  });
  new Gauge({
    name: `${prefix}webrtc_worker_viewers`,
    help: 'WebRTC viewer sessions (connecting or connected) in each viewer worker',
    labelNames: ['worker'],
    registers,
    collect() {
      pool.load.forEach((n, i) => this.set({ worker: String(i) }, n));
    },
  });
  let seen = 0;
  new Counter({
    name: `${prefix}webrtc_worker_restarts_total`,
    help: 'Viewer workers started again after they died (their viewers were dropped and reconnect)',
    registers,
    collect() {
      this.inc(Math.max(0, pool.restarts - seen));
      seen = pool.restarts;
    },
  });
}
