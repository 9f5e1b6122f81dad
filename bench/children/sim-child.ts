// Bench-only entry: simulated GB28181 devices (simulator/) in their own process, so their CPU
// is not counted as the gateway's. Fleets are added step by step ('add'), each a
// startSimulator() with its own device-ID range. Calls: add, counts, close, metrics.*.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import { setLogLevel } from '../../gateway/log.js';
import { serveRpc } from '../lib/rpc-child.js';
import { selfMetricsHandlers } from '../lib/self-metrics.js';
import { offerAlarms } from '../lib/alarm-load.js';

export interface SimCounts {
  devices: number;
  registered: number;
  registering: number;
  failed: number;
  /** Media sessions (INVITEs answered) and what they sent. */
  sessions: number;
  startedSessions: number;
  packetsSent: number;
  accessUnitsSent: number;
  keepalivesSent: number;
}

export interface AddResult {
  deviceIds: string[];
  channelIds: string[][];
}

serveRpc(() => {
  setLogLevel(process.env.GB_LOG_LEVEL ?? 'warn');
  const fleets: Simulator[] = [];
  const handlers = {
    ...selfMetricsHandlers(),
    add: async (opts: SimulatorOptions): Promise<AddResult> => {
      const sim = await startSimulator(opts);
      fleets.push(sim);
      return {
        deviceIds: sim.devices.map((d) => d.deviceId),
        channelIds: sim.devices.map((d) => d.backend.channelIds),
      };
    },
    counts: (): SimCounts => {
      const c: SimCounts = {
        devices: 0,
        registered: 0,
        registering: 0,
        failed: 0,
        sessions: 0,
        startedSessions: 0,
        packetsSent: 0,
        accessUnitsSent: 0,
        keepalivesSent: 0,
      };
      for (const sim of fleets) {
        const f = sim.counts();
        c.devices += f.devices;
        c.registered += f.registered;
        c.registering += f.registering;
        c.failed += f.failed;
        for (const d of sim.devices) {
          c.keepalivesSent += d.platform.keepaliveStats.sent;
          for (const s of d.platform.sessions) {
            c.sessions++;
            if (s.started) {
              c.startedSessions++;
            }
            c.packetsSent += s.packets;
            c.accessUnitsSent += s.accessUnits;
          }
        }
      }
      return c;
    },
    /** Alarms at an exact rate from every registered device (suite `events`). */
    raiseAlarms: (p: { ratePerSec: number; durationSec: number }) =>
      offerAlarms(fleets, p.ratePerSec, p.durationSec),
    close: async () => {
      await Promise.all(fleets.map((f) => f.close()));
      fleets.length = 0;
    },
  };
  return { ready: { pid: process.pid }, handlers };
});
