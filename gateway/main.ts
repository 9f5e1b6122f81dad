// Composition root (style.md §8.1): config → store → SIP → GB28181 upper platform → media →
// outputs → HTTP API, built in order with dependencies passed as arguments, so every module can
// be built in a test. startGateway() is what the CLI, the demo and the integration tests call.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { cascadeEntries, type GatewayConfig } from './config.js';
import { createLogger, setLogLevel } from './log.js';
import { loadSecrets, type Secrets } from './secrets.js';
import { SqliteDeviceStore } from './store/sqlite-store.js';
import { SqliteCascadeStore } from './store/cascade-store.js';
import { CascadeManager } from './gb28181/cascade/cascade-manager.js';
import { SipTransport, SipUserAgent } from './sip/index.js';
import { UpperPlatform } from './gb28181/upper/upper-platform.js';
import { clusterSettings } from './cluster/roles.js';
import { SignalingCluster } from './cluster/signaling-cluster.js';
import { PortPool } from './ingest/port-pool.js';
import { StreamRegistry } from './hub/stream-registry.js';
import { HlsOutput } from './outputs/hls/hls-output.js';
import { hlsRouter } from './outputs/hls/hls-routes.js';
import { HlsViewers } from './outputs/hls/hls-viewers.js';
import { whepRouter } from './outputs/webrtc/whep-router.js';
import { H265Transcoder } from './outputs/webrtc/transcoder.js';
import { GatewayMetrics } from './metrics.js';
import { createApp } from './api/app.js';
import { MediaTokenSigner } from './api/media-token.js';

const log = createLogger('gateway');
/** The install directory (holds package.json and web-demo/), whether run from dist/ or from source. */
export function findInstallRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) {
      return process.cwd();
    }
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
  /** --role signaling: the media nodes, stream directory and failover (gateway/cluster/). */
  cluster?: SignalingCluster;
  /** The gateway as a lower platform of other upper platforms. */
  cascade: CascadeManager;
  streams: StreamRegistry;
  metrics: GatewayMetrics;
  httpPort: number;
  sipPort: number;
  publicIp: string;
  close(): Promise<void>;
}

/** ffmpeg on PATH (H.265 → H.264 transcoding for WebRTC viewers). */
function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** The address devices reach us at: the SIP host when it is specific, else the first external IPv4. */
export function guessPublicIp(sipHost: string): string {
  if (sipHost !== '0.0.0.0' && sipHost !== '::') {
    return sipHost;
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        return a.address;
      }
    }
  }
  return '127.0.0.1';
}

export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  setLogLevel(config['log-level']);
  // Read (and validate) the cascade file before anything listens.
  const cascadeSeed = cascadeEntries(config);
  const secrets = loadSecrets(config['data-dir'], {
    password: config.password,
    apiToken: config['api-token'],
    signingKey: config['signing-key'],
  });
  // --role signaling: plays receive on media nodes found through Redis; --role media starts
  // gateway/cluster/media-node.ts instead of this function.
  const settings = clusterSettings(config);
  if (settings?.role === 'media') {
    throw new Error('--role media is started by startMediaNode (gateway/cluster/media-node.ts)');
  }
  const cluster = settings ? await SignalingCluster.connect(settings, createLogger('cluster')) : undefined;
  const sqlite = new SqliteDeviceStore(join(config['data-dir'], 'gateway.db'));
  const store = cluster ? cluster.mirrorStore(sqlite) : sqlite;
  const publicIp = config['public-ip'] ?? guessPublicIp(config['sip-host']);

  const transport = await SipTransport.listen({ host: config['sip-host'], port: config['sip-port'] });
  const ua = new SipUserAgent({
    transport,
    localId: config['sip-id'],
    domain: config.realm,
    publicHost: publicIp,
    userAgent: `gb28181-gateway/${VERSION}`,
  });
  const streams = new StreamRegistry();
  const portPool = new PortPool(config['media-ports']);
  const hlsOutputs = new Map<string, HlsOutput>();
  const hlsViewers = new HlsViewers();

  // Assigned once the WHEP router exists; the upper platform reads it lazily.
  let whepCount: (id: string) => number = () => 0;
  // Gauges read live state at scrape time, so the metrics exist before the upper platform does.
  const m: GatewayMetrics = new GatewayMetrics({
    devices: () => {
      const all = store.listDevices().length;
      const online = upper.sessions.onlineCount;
      return { online, offline: Math.max(0, all - online) };
    },
    channels: () => store.listDevices().reduce((n, d) => n + store.countChannels(d.deviceId), 0),
    streams: () => upper.listStreams().map((s) => ({ kind: s.kind, transport: s.transport })),
    viewers: () =>
      upper
        .listStreams()
        .reduce((v, s) => ({ webrtc: v.webrtc + s.viewers.webrtc, hls: v.hls + s.viewers.hls }), {
          webrtc: 0,
          hls: 0,
        }),
  });
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
    // The hub with the viewers is on the media node: it stops idle streams and reports the end.
    ...(cluster ? { media: cluster.media, idleStopMs: Infinity, noMediaTimeoutMs: 0 } : {}),
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
      registrationFailed: (reason, deviceId) => m.registrationFailed(reason, deviceId),
      keepalive: (deviceId, lateness) => m.keepalive(lateness, deviceId),
      ingest: (t, d) => m.ingest(t, d),
      firstKeyframe: (kind, s) => m.firstKeyframe(kind, s),
    },
  });

  // The cascade: this gateway as a lower platform of other upper platforms, on the same SIP
  // socket. Requests from a configured upper platform go to its link, everything else to our
  // upper role (cascade/request-routing.ts).
  const cascadeStore = new SqliteCascadeStore(join(config['data-dir'], 'gateway.db'));
  const cascade = new CascadeManager({
    store: cascadeStore,
    ua,
    gatewayId: config['sip-id'],
    mediaHost: publicIp,
    mediaBindHost: config['sip-host'],
    timeZone: config.timezone,
    gateway: {
      startLive: (d, c) => upper.startLive(d, c),
      startPlayback: (d, c, start, end) => upper.startPlayback(d, c, start, end),
      controlPlayback: (id, control) => upper.controlPlayback(id, control),
      stopStream: (id) => upper.stopStream(id),
      queryRecords: (d, c, start, end) => upper.queryRecords(d, c, start, end),
      ptzCommand: (d, c, command) => upper.ptzCommand(d, c, command),
      stream: (id) => streams.get(id),
    },
    local: {
      channelsOf: (d) => store.listChannels(d),
      channel: (d, c) => store.getChannel(d, c),
      deviceOnline: (d) => upper.sessions.get(d)?.online ?? false,
    },
    deviceInfo: {
      deviceName: 'gb28181-gateway',
      manufacturer: 'gb28181-gateway',
      model: 'cascade',
      firmware: VERSION,
    },
    userAgent: `gb28181-gateway/${VERSION}`,
    log: createLogger('cascade'),
  });
  ua.onRequest((req, tx) => {
    if (!cascade.handleRequest(req, tx)) {
      upper.handleRequest(req, tx);
    }
  });
  ua.onAck((ack) => cascade.handleAck(ack));
  upper.sessions.events.on('online', () => cascade.localChanged());
  upper.sessions.events.on('offline', () => cascade.localChanged());

  transport.onMessage((msg) => {
    if (msg.kind === 'request') {
      m.sipRequest(msg.method, 'in');
    } else {
      m.sipResponse(msg.headers.get('cseq')?.split(/\s+/)[1] ?? '?', msg.status, 'in');
    }
  });

  const transcode = config['transcode-h265'] === 'on' || (config['transcode-h265'] === 'auto' && hasFfmpeg());
  const whep = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp,
    webrtc: { portRange: config['webrtc-ports'] },
    ...(transcode ? { transcoder: new H265Transcoder() } : {}),
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
    cascade,
    apiToken: secrets.apiToken,
    signer: new MediaTokenSigner(secrets.signingKey),
    version: VERSION,
    whep: cluster ? cluster.whepRedirect() : whep,
    hls: cluster ? cluster.hlsRedirect() : hls,
    ...(cluster ? { mediaBase: (id: string) => cluster.mediaBase(id) } : {}),
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
  cascade.start(cascadeSeed);
  const httpPort = (server.address() as AddressInfo).port;
  await cluster?.attach(upper, config['advertise-http'] ?? `http://${publicIp}:${httpPort}`);
  log.info(
    { sip: `${config['sip-host']}:${transport.port}`, http: `${config['http-host']}:${httpPort}`, publicIp },
    'gateway listening',
  );

  let closing: Promise<void> | undefined;
  return {
    config,
    secrets,
    upper,
    ...(cluster ? { cluster } : {}),
    cascade,
    streams,
    metrics: m,
    httpPort,
    sipPort: transport.port,
    publicIp,
    close: () =>
      (closing ??= (async () => {
        // BYE the uppers' dialogs and unregister first, while our devices still stream.
        await cascade.close();
        streams.closeAll('shutdown');
        await upper.close();
        await cluster?.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await ua.close();
        await transport.close();
        cascadeStore.close();
        store.close();
      })()),
  };
}
