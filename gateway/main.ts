// Composition root (style.md §8.1): config → store → SIP → GB28181 upper platform → media →
// outputs → HTTP API, built in order with dependencies passed as arguments, so every module can
// be built in a test. startGateway() is what the CLI, the demo and the integration tests call.
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { GatewayConfig } from './config.js';
import { createLogger, setLogLevel } from './log.js';
import { loadSecrets, type Secrets } from './secrets.js';
import { SqliteDeviceStore } from './store/sqlite-store.js';
import { SipTransport, SipUserAgent } from './sip/index.js';
import { UpperPlatform } from './gb28181/upper/upper-platform.js';
import { PortPool } from './media/port-pool.js';
import { StreamRegistry } from './media/stream-registry.js';
import { HlsOutput } from './hls/hls-output.js';
import { hlsRouter } from './hls/hls-routes.js';
import { whepRouter } from './webrtc/whep-router.js';
import { GatewayMetrics } from './metrics.js';
import { createApp } from './api/app.js';
import { MediaTokenSigner } from './api/media-token.js';

const log = createLogger('gateway');
/** The install directory (holds package.json and web-demo/), whether run from dist/ or from source. */
function findInstallRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}
const repoRoot = findInstallRoot();
export const VERSION = '0.1.0';

export interface Gateway {
  config: GatewayConfig;
  secrets: Secrets;
  upper: UpperPlatform;
  streams: StreamRegistry;
  metrics: GatewayMetrics;
  httpPort: number;
  sipPort: number;
  publicIp: string;
  close(): Promise<void>;
}

/** The address devices reach us at: the SIP host when it is specific, else the first external IPv4. */
export function guessPublicIp(sipHost: string): string {
  if (sipHost !== '0.0.0.0' && sipHost !== '::') return sipHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Counts HLS viewers as distinct clients seen in the last 10 s, and keeps their stream alive. */
class HlsViewers {
  readonly #seen = new Map<string, Map<string, number>>();
  touch(streamId: string, client: string): void {
    let m = this.#seen.get(streamId);
    if (!m) this.#seen.set(streamId, (m = new Map()));
    m.set(client, Date.now());
  }
  count(streamId: string): number {
    const m = this.#seen.get(streamId);
    if (!m) return 0;
    const cutoff = Date.now() - 10_000;
    for (const [k, t] of m) if (t < cutoff) m.delete(k);
    return m.size;
  }
  forget(streamId: string): void {
    this.#seen.delete(streamId);
  }
}

export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  setLogLevel(config['log-level']);
  const secrets = loadSecrets(config['data-dir'], { password: config.password, apiToken: config['api-token'], signingKey: config['signing-key'] });
  const store = new SqliteDeviceStore(join(config['data-dir'], 'gateway.db'));
  const publicIp = config['public-ip'] ?? guessPublicIp(config['sip-host']);

  const transport = await SipTransport.listen({ host: config['sip-host'], port: config['sip-port'] });
  const ua = new SipUserAgent({ transport, localId: config['sip-id'], domain: config.realm, publicHost: publicIp, userAgent: `gb28181-gateway/${VERSION}` });
  const streams = new StreamRegistry();
  const portPool = new PortPool(config['media-ports']);
  const hlsOutputs = new Map<string, HlsOutput>();
  const hlsViewers = new HlsViewers();

  // eslint-disable-next-line prefer-const -- assigned after the router that needs it exists
  let whepCount: (id: string) => number = () => 0;
  let metrics: GatewayMetrics | undefined;
  const upper = new UpperPlatform({
    ua,
    store,
    streams,
    portPool,
    log: createLogger('gb28181'),
    realm: config.realm,
    password: secrets.password,
    publicIp,
    mediaBindHost: config['sip-host'],
    timeZone: config.timezone,
    keepaliveIntervalSec: config['keepalive-interval'],
    keepaliveTimeoutCount: config['keepalive-timeout-count'],
    maxExpiresSec: config['register-expires-max'],
    nonceTtlMs: config['nonce-ttl'] * 1000,
    catalogIntervalSec: config['catalog-interval'],
    idleStopMs: config['idle-stop'] * 1000,
    noMediaTimeoutMs: config['no-media-timeout'] * 1000,
    defaultMediaTransport: config['media-transport'],
    onStreamCreated: (stream) => {
      const out = new HlsOutput({ targetDurationSec: config['hls-segment'], id: stream.id });
      hlsOutputs.set(stream.id, out);
      stream.subscribe(out.sink, { viewer: false });
      stream.onClose(() => {
        out.close();
        hlsOutputs.delete(stream.id);
        hlsViewers.forget(stream.id);
      });
    },
    viewersOf: (id) => ({ webrtc: whepCount(id), hls: hlsViewers.count(id) }),
    hooks: {
      registrationFailed: (reason, deviceId) => metrics?.registrationFailed(reason, deviceId),
      keepalive: (deviceId, lateness) => metrics?.keepalive(lateness, deviceId),
      ingest: (t, d) => metrics?.ingest(t, d),
      firstKeyframe: (kind, s) => metrics?.firstKeyframe(kind, s),
    },
  });
  metrics = new GatewayMetrics({
    devices: () => {
      const all = store.listDevices().length;
      const online = upper.sessions.onlineCount;
      return { online, offline: Math.max(0, all - online) };
    },
    channels: () => store.listDevices().reduce((n, d) => n + store.countChannels(d.deviceId), 0),
    streams: () => upper.listStreams().map((s) => ({ kind: s.kind, transport: s.transport })),
    viewers: () => upper.listStreams().reduce((v, s) => ({ webrtc: v.webrtc + s.viewers.webrtc, hls: v.hls + s.viewers.hls }), { webrtc: 0, hls: 0 }),
  });
  const m = metrics;
  transport.onMessage((msg) => {
    if (msg.kind === 'request') m.sipRequest(msg.method, 'in');
    else m.sipResponse(msg.headers.get('cseq')?.split(/\s+/)[1] ?? '?', msg.status, 'in');
  });

  const whep = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp,
    webrtc: { portRange: config['webrtc-ports'] },
  });
  whepCount = (id) => whep.sessions.countFor(id);
  const hls = express.Router();
  hls.use('/:streamId', (req, _res, next) => {
    const id = req.params.streamId;
    if (id) {
      streams.get(id)?.touch();
      hlsViewers.touch(id, req.socket.remoteAddress ?? '?');
    }
    next();
  });
  hls.use(hlsRouter((id) => hlsOutputs.get(id)));

  const { app } = createApp({
    services: upper,
    apiToken: secrets.apiToken,
    signer: new MediaTokenSigner(secrets.signingKey),
    version: VERSION,
    whep,
    hls,
    metrics: { contentType: m.contentType, render: () => m.render() },
    webDemoDir: join(repoRoot, 'web-demo'),
    nodeModulesDir: join(repoRoot, 'node_modules'),
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config['http-port'], config['http-host'], () => resolveListen());
  });
  upper.start();
  const httpPort = (server.address() as AddressInfo).port;
  log.info({ sip: `${config['sip-host']}:${transport.port}`, http: `${config['http-host']}:${httpPort}`, publicIp }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    config,
    secrets,
    upper,
    streams,
    metrics: m,
    httpPort,
    sipPort: transport.port,
    publicIp,
    close: () =>
      (closing ??= (async () => {
        streams.closeAll('shutdown');
        await upper.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await ua.close();
        await transport.close();
        store.close();
      })()),
  };
}
