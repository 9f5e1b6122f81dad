// Bench-only entry: the real gateway (startGateway, HLS on every stream as in production) in
// its own process, so its CPU, memory and event-loop delay are measured apart from the
// simulated devices. argv[2] is a JSON object of config flags (flag names, docs/api.md §4).
// Calls: metrics.reset / metrics.read (self-metrics.ts), prom (the /metrics text), close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ConfigInput } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { serveRpc } from '../lib/rpc-child.js';
import { selfMetricsHandlers } from '../lib/self-metrics.js';

export interface GatewayReady {
  httpPort: number;
  sipPort: number;
  password: string;
  apiToken: string;
  sipId: string;
  realm: string;
}

serveRpc(async () => {
  const overrides = JSON.parse(process.argv[2] ?? '{}') as Partial<ConfigInput>;
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-bench-'));
  const config = resolveConfig({
    'sip-host': '127.0.0.1',
    'sip-port': 0,
    'http-port': 0,
    'public-ip': '127.0.0.1',
    'data-dir': dataDir,
    'log-level': 'warn',
    'catalog-interval': 0,
    // A stream with no viewer would close after 30 s; the load suites hold streams longer.
    'idle-stop': 3600,
    ...overrides,
  });
  const gw = await startGateway(config);
  const ready: GatewayReady = {
    httpPort: gw.httpPort,
    sipPort: gw.sipPort,
    password: gw.secrets.password,
    apiToken: gw.secrets.apiToken,
    sipId: config['sip-id'],
    realm: config.realm,
  };
  return {
    ready,
    handlers: {
      ...selfMetricsHandlers(),
      prom: () => gw.metrics.render(),
      close: async () => {
        await gw.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
  };
});
