// What every benchmark child reports about itself: CPU time (process.cpuUsage(), all threads),
// memory, and event-loop delay from perf_hooks.monitorEventLoopDelay since the last reset.
// The histogram samples with a 5 ms timer; a p99 above 50 ms means the loop stalled.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface SelfMetrics {
  /** Wall clock of the reading, ms (performance.timeOrigin + now: comparable across processes). */
  atMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  heapUsedBytes: number;
  loop: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
}

export function selfMetricsHandlers(): { 'metrics.reset': () => null; 'metrics.read': () => SelfMetrics } {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
  return {
    'metrics.reset': () => {
      loop.reset();
      return null;
    },
    'metrics.read': () => {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      return {
        atMs: performance.timeOrigin + performance.now(),
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        loop: {
          p50Ms: ms(loop.percentile(50)),
          p99Ms: ms(loop.percentile(99)),
          maxMs: ms(loop.max),
          meanMs: ms(loop.mean),
        },
      };
    },
  };
}
