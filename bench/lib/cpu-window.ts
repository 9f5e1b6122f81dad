// A measurement window over one child process: CPU as a share of one core (user + system
// CPU-seconds per wall second × 100, all threads), the main thread's part of it from /proc,
// event-loop delay percentiles over the window, and memory at its end.
import type { ChildRpc } from './rpc-parent.js';
import { readMachineCpu, readProcCpu } from './proc-cpu.js';
import type { SelfMetrics } from './self-metrics.js';
import { round } from './stats.js';

export interface WindowResult {
  seconds: number;
  /** % of one core: 100 = one core fully busy. */
  cpuPct: number;
  userPct: number;
  systemPct: number;
  /** The JS main thread's share of cpuPct (Linux only). */
  mainThreadPct?: number;
  rssMb: number;
  heapMb: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** The whole machine's busy share over the window (all cores, Linux): other work on a shared box shows here. */
  machineBusyPct?: number;
}

export interface OpenWindow {
  close(): Promise<WindowResult>;
}

export async function openWindow(child: ChildRpc): Promise<OpenWindow> {
  await child.call('metrics.reset');
  const start = await child.call<SelfMetrics>('metrics.read');
  const procStart = readProcCpu(child.pid);
  const machineStart = readMachineCpu();
  return {
    async close() {
      const end = await child.call<SelfMetrics>('metrics.read');
      const procEnd = readProcCpu(child.pid);
      const machineEnd = readMachineCpu();
      const seconds = (end.atMs - start.atMs) / 1000;
      const pct = (us: number) => round((us / 1e6 / seconds) * 100, 2);
      const user = end.cpuUserUs - start.cpuUserUs;
      const system = end.cpuSystemUs - start.cpuSystemUs;
      const result: WindowResult = {
        seconds: round(seconds, 2),
        cpuPct: pct(user + system),
        userPct: pct(user),
        systemPct: pct(system),
        rssMb: round(end.rssBytes / 2 ** 20, 1),
        heapMb: round(end.heapUsedBytes / 2 ** 20, 1),
        loopP50Ms: round(end.loop.p50Ms, 2),
        loopP99Ms: round(end.loop.p99Ms, 2),
        loopMaxMs: round(end.loop.maxMs, 2),
      };
      if (procStart && procEnd) {
        result.mainThreadPct = round(((procEnd.mainThreadSec - procStart.mainThreadSec) / seconds) * 100, 2);
      }
      if (machineStart && machineEnd && machineEnd.total > machineStart.total) {
        result.machineBusyPct = round(
          ((machineEnd.busy - machineStart.busy) / (machineEnd.total - machineStart.total)) * 100,
          1,
        );
      }
      return result;
    },
  };
}
