// Composition root of --role media: no SIP. Redis → bus → device replica and event stream copy →
// stream hubs with HLS and WHEP outputs → the media agent that opens ingests for the signaling
// node → HTTP (the same API as every node, with redirects to the node serving a stream) → heartbeat.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { createApp } from '../api/app.js';
import { requireApiToken } from '../api/auth.js';
import { errorHandler } from '../api/error-handler.js';
import { MediaTokenSigner } from '../api/media-token.js';
import { viewerLimitsOf, type GatewayConfig } from '../config.js';
import { AddressList } from '../address-match.js';
import { clientAddressResolver } from '../api/client-address.js';
import { HttpConnectionGuard } from '../api/connection-guard.js';
import { connectionCaps, readOpenFileLimit } from '../open-files.js';
import { createLogger, setLogLevel } from '../log.js';
import { findInstallRoot, guessPublicIp, hasFfmpeg, VERSION } from '../install.js';
import { GatewayMetrics } from '../metrics.js';
import { EventMetrics } from '../metrics/events.js';
import { registerViewerWorkerMetrics } from '../metrics/viewer-workers.js';
import { SUBSCRIPTION_EVENTS, type SubscriptionEvent } from '../views/events.js';
import { MediaPlane } from '../media-plane/media-plane.js';
import type { StreamRegistry } from '../hub/stream-registry.js';
import { loadSecrets, type Secrets } from '../secrets.js';
import { ForwardedServices, type SignalingLocator } from './api-forwarding.js';
import { DeviceReplica } from './device-replica.js';
import { EventStreamMirror } from './event-stream-mirror.js';
import { ForwardedEvents } from './events-forwarding.js';
import { MediaAgent } from './media-agent.js';
import { NodeBus } from './node-bus.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { redirectToServingNode } from './redirect.js';
import { clusterSettings, connectRedis } from './roles.js';
import { StreamDirectory } from './stream-directory.js';

export interface MediaNode {
  config: GatewayConfig;
  secrets: Secrets;
  nodeId: string;
  agent: MediaAgent;
  streams: StreamRegistry;
  httpPort: number;
  publicIp: string;
  /** The URL browsers reach this node at. */
  http: string;
  close(): Promise<void>;
}

export async function startMediaNode(config: GatewayConfig): Promise<MediaNode> {
  setLogLevel(config['log-level']);
  const settings = clusterSettings(config);
  if (settings?.role !== 'media') {
    throw new Error('startMediaNode needs --role media');
  }
  const log = createLogger('cluster');
  const { nodeId, keys } = settings;
  const secrets = loadSecrets(config['data-dir'], {
    password: config.password,
    apiToken: config['api-token'],
    signingKey: config['signing-key'],
  });
  const publicIp = config['public-ip'] ?? guessPublicIp(config['sip-host']);
  const conn = await connectRedis(settings.redisUrl, log);
  const bus = await NodeBus.start({ nodeId, keys, pub: conn.redis, sub: conn.sub, log });
  const replica = await DeviceReplica.start({ redis: conn.redis, sub: conn.sub, keys, log });
  const directory = new StreamDirectory(conn.redis, keys);

  const clientOf = clientAddressResolver(new AddressList(config['trusted-proxies']));
  const media = new MediaPlane({
    publicIp,
    bindHost: config['sip-host'],
    mediaPorts: config['media-ports'],
    webrtcPorts: config['webrtc-ports'],
    mediaWorkers: config['media-workers'],
    hlsSegmentSec: config['hls-segment'],
    hlsOnDemand: config['hls-mode'] === 'demand' ? { idleMs: config['hls-idle'] * 1000 } : undefined,
    transcodeH265: config['transcode-h265'] === 'on' || (config['transcode-h265'] === 'auto' && hasFfmpeg()),
    viewerLimits: viewerLimitsOf(config),
    clientOf,
  });
  const streams = media.streams;
  const agent = new MediaAgent({
    bus,
    media,
    bindHost: config['sip-host'],
    mediaIp: publicIp,
    idleStopMs: config['idle-stop'] * 1000,
    noMediaTimeoutMs: config['no-media-timeout'] * 1000,
    stallTimeoutMs: config['media-stall-timeout'] * 1000,
    log,
  });

  let signalingCache: { at: number; value: Awaited<ReturnType<SignalingLocator>> } | undefined;
  const signaling: SignalingLocator = async () => {
    if (signalingCache && Date.now() - signalingCache.at < 1000) {
      return signalingCache.value;
    }
    const text = await conn.redis.get(keys.signaling);
    const value = text ? (JSON.parse(text) as { nodeId: string; http: string }) : undefined;
    signalingCache = { at: Date.now(), value };
    return value;
  };
  const services = new ForwardedServices({ bus, replica, signaling, localStreams: () => agent.views() });
  // Events (docs/events.md §10): the API is the signaling node's, the event stream this node's
  // copy of it (XREAD BLOCK holds a connection of its own).
  const streamConn = conn.redis.duplicate();
  // Read failures are logged (throttled) by the mirror; this only keeps ioredis from printing them.
  streamConn.on('error', () => undefined);
  const mirror = await EventStreamMirror.start({
    redis: streamConn,
    key: keys.events,
    capacity: config['events-backlog'],
    log: log.child({ part: 'event-stream' }),
  });
  const events = new ForwardedEvents({ bus, signaling, feed: mirror });

  const servesLocally = (id: string) => {
    const s = streams.get(id);
    return s !== undefined && !s.closed;
  };
  const redirect = redirectToServingNode({
    nodeId,
    servesLocally,
    lookup: (id) => directory.get(id),
    isAlive: async (id) => (await conn.redis.exists(keys.node(id))) === 1,
    log,
  });
  const hls = media.hlsRoutes(redirect);
  const whepWithRedirect = express.Router();
  whepWithRedirect.use('/whep/:streamId', redirect);
  whepWithRedirect.use(media.whep);

  const metrics: GatewayMetrics = new GatewayMetrics({
    devices: () => {
      const all = replica.listDevices();
      const online = all.filter((d) => d.online).length;
      return { online, offline: all.length - online };
    },
    channels: () => replica.listDevices().reduce((n, d) => n + replica.countChannels(d.deviceId), 0),
    streams: () => agent.views().map((s) => ({ kind: s.kind, transport: s.transport })),
    viewers: () =>
      agent.views().reduce((v, s) => ({ webrtc: v.webrtc + s.viewers.webrtc, hls: v.hls + s.viewers.hls }), {
        webrtc: 0,
        hls: 0,
      }),
  });

  // SSE clients and deliveries of this node; alarms, webhooks and subscriptions count on the signaling node.
  if (media.viewerWorkers) {
    registerViewerWorkerMetrics(metrics.registry, media.viewerWorkers);
  }
  const eventMetrics = new EventMetrics(metrics.registry, {
    activeSubscriptions: () =>
      Object.fromEntries(SUBSCRIPTION_EVENTS.map((e) => [e, 0])) as Record<SubscriptionEvent, number>,
  });

  let http = config['advertise-http'] ?? '';
  const root = findInstallRoot();
  const { app } = createApp({
    services,
    events,
    deviceEvents: events,
    eventStream: {
      heartbeatMs: config['sse-heartbeat'] * 1000,
      maxBufferBytes: config['sse-max-buffer-kb'] * 1024,
      observer: eventMetrics,
      log: createLogger('sse'),
    },
    apiToken: secrets.apiToken,
    signer: new MediaTokenSigner(secrets.signingKey),
    corsOrigins: config['cors-origins'],
    mediaTokenTtlSec: config['media-token-ttl'],
    version: VERSION,
    whep: whepWithRedirect,
    hls,
    mediaBase: (id) => services.mediaBase(id) ?? (servesLocally(id) ? http : undefined),
    metrics: { contentType: metrics.contentType, render: () => metrics.render() },
    webDemoDir: join(root, 'web-demo'),
    nodeModulesDir: join(root, 'node_modules'),
    rates: { api: config['rate-api'], media: config['rate-media'], static: config['rate-static'] },
    clientOf,
  });
  // Stream API requests go to the node serving the stream; the diagnosis lives with the dialog.
  const outer = express();
  outer.disable('x-powered-by');
  const apiAuth = requireApiToken(secrets.apiToken);
  outer.use('/api/streams/:streamId/diagnosis', apiAuth, (req, res, next) => {
    signaling().then((s) => {
      if (!s) {
        return next();
      }
      res
        .status(307)
        .set('Location', s.http.replace(/\/+$/, '') + req.originalUrl)
        .end();
    }, next);
  });
  outer.use('/api/streams/:streamId', apiAuth, redirect);
  outer.use(app);
  outer.use(errorHandler);

  // The same connection caps and timeouts as the single-process gateway (issue #20 point 7).
  const caps = connectionCaps(readOpenFileLimit(), { http: config['http-max-connections'] });
  const server: Server = createServer(
    {
      headersTimeout: config['http-headers-timeout'] * 1000,
      requestTimeout: Math.max(config['http-request-timeout'], config['http-headers-timeout']) * 1000,
      connectionsCheckingInterval: 1000,
    },
    outer,
  );
  new HttpConnectionGuard(server, {
    maxConnections: caps.http,
    maxPerClient: config['http-max-connections-per-client'],
    proxies: new AddressList(config['trusted-proxies']),
    log: createLogger('http'),
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config['http-port'], config['http-host'], () => resolveListen());
  });
  const httpPort = (server.address() as AddressInfo).port;
  http ||= `http://${publicIp}:${httpPort}`;
  const heartbeat = new NodeHeartbeat({
    redis: conn.redis,
    keys,
    log,
    intervalMs: settings.heartbeatMs,
    ttlMs: settings.nodeTimeoutMs,
    status: () => ({ nodeId, http, mediaIp: publicIp, ...agent.report() }),
  });
  await heartbeat.start();
  log.info({ nodeId, http, mediaIp: publicIp }, 'media node joined the cluster');

  let closing: Promise<void> | undefined;
  return {
    config,
    secrets,
    nodeId,
    agent,
    streams,
    httpPort,
    publicIp,
    http,
    close: () =>
      (closing ??= (async () => {
        // The last beat says `leaving`: the signaling node moves this node's streams elsewhere
        // and closes them here. Whatever is left after the grace ends (its devices get BYE).
        await heartbeat.close();
        const deadline = Date.now() + 3000;
        while (agent.size > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        agent.closeAll('shutdown');
        await media.close('shutdown');
        await new Promise((r) => setTimeout(r, 100));
        await replica.close();
        await mirror.close();
        await bus.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await conn.close();
      })()),
  };
}
