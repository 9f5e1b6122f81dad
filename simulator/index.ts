// The simulator's programmatic API, used by tests, the demo and the benchmarks:
// startSimulator(opts) → a running fleet of simulated lower platforms.
import { loadClip, type Clip } from './clip-loader.js';
import { SimulatorFleet, type FleetCounts, type FleetDevice } from './fleet.js';
import { resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';

export type { SimulatorOptions } from './options.js';
export type { FleetCounts, FleetDevice } from './fleet.js';
export { channelIdOf, SimulatedDevice } from './simulated-device.js';
export { deviceIdAt } from './fleet.js';

export interface Simulator {
  readonly options: ResolvedSimulatorOptions;
  readonly devices: readonly FleetDevice[];
  readonly clips: readonly Clip[];
  device(deviceId: string): FleetDevice | undefined;
  counts(): FleetCounts;
  /** Resolves true once `count` devices (default all) are registered; false after `timeoutMs`. */
  waitForRegistered(count?: number, timeoutMs?: number): Promise<boolean>;
  /** Unregister everything and close sockets. Idempotent. */
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const options = resolveSimulatorOptions(opts);
  // Clips are parsed once per file and shared by every device and stream (clip-loader cache).
  const clips = options.media.map((path) => loadClip(path, options.audio ?? undefined));
  const subClips = options.subMedia.map((path) => loadClip(path, options.audio ?? undefined));
  const fleet = new SimulatorFleet(options, clips, subClips);
  try {
    await fleet.start();
  } catch (err) {
    await fleet.close();
    throw err;
  }
  return {
    options,
    devices: fleet.devices,
    clips,
    device: (id) => fleet.device(id),
    counts: () => fleet.counts(),
    waitForRegistered: (count, timeoutMs) => fleet.waitForRegistered(count, timeoutMs),
    close: () => fleet.close(),
  };
}
