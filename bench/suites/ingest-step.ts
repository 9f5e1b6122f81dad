// One measurement window of the ingest suite: gateway CPU, memory and event-loop delay
// (cpu-window.ts), RTP packets received and lost by the gateway (its own counters, which see
// sequence gaps, so socket-buffer drops count), and what the simulator sent and cost.
import { openWindow, type WindowResult } from '../lib/cpu-window.js';
import { promSum } from '../lib/gateway-client.js';
import type { GatewayRig } from '../lib/gateway-rig.js';
import { round, sleep } from '../lib/stats.js';

export interface IngestStep {
  streams: number;
  gateway: WindowResult;
  simulator: WindowResult;
  cpuPerStreamPct: number;
  packetsReceived: number;
  packetsLost: number;
  lossPct: number;
  mbpsIn: number;
  /** Mbit/s per stream that arrived; compare with the clip's rate. */
  mbpsPerStream: number;
  packetsSent: number;
}

/** Loss < 0.1 % and event-loop p99 < 50 ms: the definition of "carried". */
export const LOSS_LIMIT_PCT = 0.1;
export const LOOP_P99_LIMIT_MS = 50;

export function passes(s: IngestStep): boolean {
  return s.lossPct < LOSS_LIMIT_PCT && s.gateway.loopP99Ms < LOOP_P99_LIMIT_MS;
}

export async function measureIngest(rig: GatewayRig, windowSec: number): Promise<IngestStep> {
  const prom0 = await rig.gw.call<string>('prom');
  const sim0 = await rig.simCounts();
  const gwWin = await openWindow(rig.gw);
  const simWin = await openWindow(rig.sim);
  await sleep(windowSec * 1000);
  const gateway = await gwWin.close();
  const simulator = await simWin.close();
  const prom1 = await rig.gw.call<string>('prom');
  const sim1 = await rig.simCounts();
  const delta = (name: string) => promSum(prom1, name) - promSum(prom0, name);
  const received = delta('gb_media_packets_received_total');
  const lost = delta('gb_media_packets_lost_total');
  const bytes = delta('gb_media_bytes_received_total');
  const streams = rig.liveCount;
  const mbpsIn = (bytes * 8) / gateway.seconds / 1e6;
  return {
    streams,
    gateway,
    simulator,
    cpuPerStreamPct: streams > 0 ? round(gateway.cpuPct / streams, 3) : 0,
    packetsReceived: received,
    packetsLost: lost,
    lossPct: received + lost > 0 ? round((lost / (received + lost)) * 100, 4) : 0,
    mbpsIn: round(mbpsIn, 2),
    mbpsPerStream: streams > 0 ? round(mbpsIn / streams, 3) : 0,
    packetsSent: sim1.packetsSent - sim0.packetsSent,
  };
}
