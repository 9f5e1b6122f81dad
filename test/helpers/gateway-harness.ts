// Starts a real gateway (ephemeral SIP and HTTP ports, a temp data dir) and a simulated lower
// platform against it, for integration and browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ConfigInput } from '../../gateway/config.js';
import { startGateway, type Gateway } from '../../gateway/main.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import { waitFor } from './wait.js';

let portBase = 32000 + (process.pid % 40) * 100;

export interface Harness {
  gw: Gateway;
  sim: Simulator;
  base: string;
  token: string;
  dataDir: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** Waits until the API lists `count` channels of the device (its catalog sync is done). */
  waitForChannels(deviceId: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { gateway?: Partial<ConfigInput>; simulator?: Partial<SimulatorOptions>; dataDir?: string } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gb-gw-'));
  const media = portBase;
  portBase += 100;
  const config = resolveConfig({
    'sip-host': '127.0.0.1',
    'sip-port': 0,
    'http-port': 0,
    'public-ip': '127.0.0.1',
    'data-dir': dataDir,
    'media-ports': `${media}-${media + 49}`,
    'webrtc-ports': `${media + 50}-${media + 99}`,
    'log-level': (process.env.GB_LOG_LEVEL as 'info' | undefined) ?? 'silent',
    'catalog-interval': 0,
    ...opts.gateway,
  });
  const gw = await startGateway(config);
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: gw.sipPort },
    password: gw.secrets.password,
    devices: 1,
    channels: 4,
    ...opts.simulator,
  });
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const token = gw.secrets.apiToken;
  async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(base + path, {
      ...init,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: body as T };
  }
  return {
    gw,
    sim,
    base,
    token,
    dataDir,
    api,
    async waitForChannels(deviceId, count, timeoutMs = 10_000) {
      await waitFor(
        async () => (await api<unknown[]>(`/api/devices/${deviceId}/channels`)).body.length === count,
        timeoutMs,
        `the catalog of ${count} channel(s) of ${deviceId}`,
      );
    },
    async close() {
      await sim.close();
      await gw.close();
      if (!opts.dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
