// Composition root (docs/architecture.md §5 "One composition root"): config → store → SIP → GB28181 upper platform → media →
// outputs → HTTP API, built in order with dependencies passed as arguments, so every module can
// be built in a test. startGateway() is what the CLI, the demo and the integration tests call.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { cascadeEntries, viewerLimitsOf, type GatewayConfig } from './config.js';
import { AddressList } from './address-match.js';
import { clientAddressResolver } from './api/client-address.js';
import { HttpConnectionGuard } from './api/connection-guard.js';
import { connectionCaps, LOW_OPEN_FILE_LIMIT, readOpenFileLimit } from './open-files.js';
import { registerLimitMetrics } from './metrics/limits.js';
import { registerViewerWorkerMetrics } from './metrics/viewer-workers.js';
import type { LimitsView } from './views/limits.js';
import { createLogger, setLogLevel } from './log.js';
import { findInstallRoot, guessPublicIp, hasFfmpeg, VERSION } from './install.js';
import { loadSecrets, type Secrets } from './secrets.js';
import { SqliteDeviceStore } from './store/sqlite-store.js';
import { SqliteCascadeStore } from './store/cascade-store.js';
import { SecretBox } from './store/secret-box.js';
import { SqlitePlayDialogStore } from './store/dialog-store.js';
import { CascadeManager } from './gb28181/cascade/cascade-manager.js';
import { SipTransport, SipUserAgent, type SipMessage } from './sip/index.js';
import { REGISTER_FAILURES } from './gb28181/upper/registrar.js';
import { UpperPlatform } from './gb28181/upper/upper-platform.js';
import { clusterSettings } from './cluster/roles.js';
import { SignalingCluster } from './cluster/signaling-cluster.js';
import { MediaPlane, webrtcBind } from './media-plane/media-plane.js';
import { MAX_OFFER_BYTES } from './outputs/webrtc/sdp-offer.js';
import type { StreamRegistry } from './hub/stream-registry.js';
import { GatewayMetrics } from './metrics.js';
import { createApp } from './api/app.js';
import { MediaTokenSigner } from './api/media-token.js';
import { MediaAccess } from './api/media-access.js';
import { SqliteMediaRevocationStore } from './store/media-revocations.js';
import { SqliteVoiceStore } from './store/voice-store.js';
import { TalkMedia } from './talk/talk-media.js';
import { whipRouter } from './talk/whip/whip-router.js';
import { VoiceMetrics } from './metrics/voice.js';
import { openEventsDb } from './store/events-db.js';
import { SqliteAlarmStore } from './store/alarm-store.js';
import { SqlitePositionStore } from './store/position-store.js';
import { SqliteWebhookStore } from './store/webhook-store.js';
import { SqliteSubscriptionStore } from './store/subscription-store.js';
import { EventBus } from './events/event-bus.js';
import { EventsService } from './events/events-service.js';
import { RetentionSweeper } from './events/retention.js';
import { createHttpPost } from './events/webhooks/http-post.js';
import { WebhookDispatcher } from './events/webhooks/webhook-dispatcher.js';
import { EventMetrics } from './metrics/events.js';
import { SqliteRecordingStore } from './store/recording-store.js';
import { RecorderService } from './recording/recorder-service.js';
import { reconcileRecordings } from './recording/reconcile.js';
import { RecordingMetrics } from './metrics/recording.js';
import { SnapshotService } from './outputs/snapshot/snapshot-service.js';
import { DownloadLimitError, DownloadService } from './recording/downloads.js';
import { GatewayError } from './errors.js';

const log = createLogger('gateway');
const repoRoot = findInstallRoot();

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
  /** Cloud recording (docs/recording.md); absent in a cluster's signalling role. */
  recorder?: RecorderService;
  /** JPEG snapshots; absent in a cluster's signalling role. */
  snapshots?: SnapshotService;
  /** Alarms, positions, webhooks; `events.bus.on('alarm', …)` is the in-process subscription. */
  events: EventsService;
  httpPort: number;
  sipPort: number;
  publicIp: string;
  close(): Promise<void>;
}

/** --tls-cert and --tls-key: both or neither, read now so a bad path fails the start. */
function tlsFiles(config: GatewayConfig): { cert: Buffer; key: Buffer } | undefined {
  const certPath = config['tls-cert'];
  const keyPath = config['tls-key'];
  if (certPath === undefined && keyPath === undefined) {
    return undefined;
  }
  if (certPath === undefined || keyPath === undefined) {
    throw new Error('--tls-cert and --tls-key go together: give both PEM files, or neither for plain HTTP');
  }
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`--${flag} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read('tls-cert', certPath), key: read('tls-key', keyPath) };
}

export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  setLogLevel(config['log-level']);
  const tls = tlsFiles(config);
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
  if (secrets.dataDirOpenToOthers) {
    log.warn(
      { dataDir: config['data-dir'] },
      'the data dir is open to other local users (group/other permission bits); its files are 0600, but consider chmod 700',
    );
  }
  const box = new SecretBox(secrets.storageKey);
  const sqlite = new SqliteDeviceStore(join(config['data-dir'], 'gateway.db'), { secrets: box });
  const store = cluster ? cluster.mirrorStore(sqlite) : sqlite;
  const dialogs = new SqlitePlayDialogStore(join(config['data-dir'], 'gateway.db'));
  const publicIp = config['public-ip'] ?? guessPublicIp(config['sip-host']);

  // Connection caps below the open-file limit (issue #20 point 7).
  const openFiles = readOpenFileLimit();
  const caps = connectionCaps(openFiles, {
    http: config['http-max-connections'],
    sipTcp: config['sip-tcp-max-connections'],
  });
  if (openFiles.soft !== null && openFiles.soft < LOW_OPEN_FILE_LIMIT) {
    log.warn(
      {
        openFiles: openFiles.soft,
        hardLimit: openFiles.hard,
        httpMaxConnections: caps.http,
        sipTcpMaxConnections: caps.sipTcp,
      },
      `the open-file limit is low (${openFiles.soft}): HTTP is capped at ${caps.http} connections and SIP over TCP at ${caps.sipTcp}; raise it (ulimit -n 65536, LimitNOFILE= in systemd, --ulimit nofile= in Docker)`,
    );
  }
  const transport = await SipTransport.listen({
    host: config['sip-host'],
    port: config['sip-port'],
    maxConnections: caps.sipTcp,
    maxConnectionsPerClient: config['sip-tcp-max-per-client'],
    unclaimedTimeoutMs: config['sip-tcp-idle-timeout'] * 1000,
  });
  const ua = new SipUserAgent({
    transport,
    localId: config['sip-id'],
    domain: config.realm,
    publicHost: publicIp,
    userAgent: config['sip-user-agent'],
  });
  const transcode = config['transcode-h265'] === 'on' || (config['transcode-h265'] === 'auto' && hasFfmpeg());
  // Who a client is, for every per-client limit (issue #20 points 6-8).
  const clientOf = clientAddressResolver(new AddressList(config['trusted-proxies']));
  const media = new MediaPlane({
    publicIp,
    bindHost: config['sip-host'],
    mediaPorts: config['media-ports'],
    webrtcPorts: config['webrtc-ports'],
    mediaWorkers: config['media-workers'],
    hlsSegmentSec: config['hls-segment'],
    hlsOnDemand: config['hls-mode'] === 'demand' ? { idleMs: config['hls-idle'] * 1000 } : undefined,
    transcodeH265: transcode,
    viewerLimits: viewerLimitsOf(config),
    clientOf,
  });
  const streams = media.streams;
  // Gauges read live state at scrape time, so the metrics exist before the upper platform does.
  const m: GatewayMetrics = new GatewayMetrics(
    {
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
    },
    { registrationFailureReasons: REGISTER_FAILURES },
  );
  // Voice (docs/voice.md): device legs on the media port range; what each device asked for is
  // remembered in the same database file.
  const voiceStore = new SqliteVoiceStore(join(config['data-dir'], 'gateway.db'));
  const voiceMetrics = new VoiceMetrics(
    m.registry,
    () => upper.voice?.activeCount ?? { broadcast: 0, talk: 0 },
  );
  const talkMedia = new TalkMedia({
    bindHost: config['sip-host'],
    publicIp,
    ports: media.portPool,
    onPacket: (form, bytes) => voiceMetrics.packet(form, bytes),
  });
  // Events (docs/events.md): alarms, positions, webhooks and subscriptions share one connection
  // to the database file; the bus feeds SSE clients, webhooks, the cascade and metrics.
  const eventsDb = openEventsDb(join(config['data-dir'], 'gateway.db'));
  const eventMetrics: EventMetrics = new EventMetrics(m.registry, {
    activeSubscriptions: () => upper.subscriptions.activeCounts(),
  });
  const bus = new EventBus({ backlog: config['events-backlog'], log: createLogger('events') });
  const webhookPost = createHttpPost();
  const webhooks = new WebhookDispatcher({
    store: new SqliteWebhookStore(eventsDb, box),
    post: webhookPost.post,
    policy: {
      timeoutMs: config['webhook-timeout'] * 1000,
      baseDelayMs: config['webhook-retry-base'] * 1000,
      maxRetryMs: config['webhook-retry-max'] * 1000,
      maxQueue: config['webhook-queue'],
    },
    observer: eventMetrics,
    userAgent: `gb28181-gateway/${VERSION}`,
    log: createLogger('webhooks'),
  });
  const alarms = new SqliteAlarmStore(eventsDb);
  const positions = new SqlitePositionStore(eventsDb);
  // One commit per batch of alarms and positions (docs/events.md §2): better-sqlite3 runs the
  // batch's inserts inside BEGIN … COMMIT, and rolls back if one throws.
  const inTransaction = eventsDb.transaction((work: () => unknown) => work());
  const events = new EventsService({
    bus,
    alarms,
    positions,
    webhooks,
    transaction: <T>(work: () => T) => inTransaction(work) as T,
    dedupWindowMs: config['alarm-dedup-window'] * 1000,
    observer: eventMetrics,
    log: createLogger('events'),
  });
  const retention = new RetentionSweeper({
    tables: [
      {
        name: 'alarms',
        maxAgeDays: config['alarm-retention-days'],
        maxRows: config['alarm-retention-rows'],
        sweepBatch: (o) => alarms.sweepBatch(o),
      },
      {
        name: 'positions',
        maxAgeDays: config['position-retention-days'],
        maxRows: config['position-retention-rows'],
        sweepBatch: (o) => positions.sweepBatch(o),
      },
    ],
    log: createLogger('retention'),
  });

  const upper: UpperPlatform = new UpperPlatform({
    ua,
    store,
    streams,
    voice: {
      media: talkMedia,
      voiceStore,
      timeouts: { inviteMs: config['talk-invite-timeout'] * 1000 },
      hooks: {
        talkStarted: (mode) => voiceMetrics.talkStarted(mode),
        failure: (reason) => voiceMetrics.failure(reason),
      },
    },
    media: cluster ? cluster.media : media.local,
    log: createLogger('gb28181'),
    realm: config.realm,
    password: secrets.password,
    timeZone: config.timezone,
    keepaliveIntervalSec: config['keepalive-interval'],
    keepaliveTimeoutCount: config['keepalive-timeout-count'],
    maxExpiresSec: config['register-expires-max'],
    nonceTtlMs: config['nonce-ttl'] * 1000,
    catalogIntervalSec: config['catalog-interval'],
    idleStopMs: config['idle-stop'] * 1000,
    noMediaTimeoutMs: config['no-media-timeout'] * 1000,
    stallTimeoutMs: config['media-stall-timeout'] * 1000,
    silentTimeoutIntervals: config['keepalive-timeout-silent'],
    defaultMediaTransport: config['media-transport'],
    dialogs,
    // Long enough for the orphan's BYE and its last packets in flight.
    quarantineMediaPort: (port) => media.portPool.quarantine(port, 30_000),
    // The hub with the viewers is on the media node: it stops idle streams and reports the end.
    ...(cluster ? { idleStopMs: Infinity, noMediaTimeoutMs: 0, stallTimeoutMs: 0 } : {}),
    onStreamCreated: (stream, view) => {
      media.attach(stream);
      // The stream events (docs/events.md §1): start now, stop with the hub's close cause.
      const v = view();
      const id = { streamId: v.streamId, deviceId: v.deviceId, channelId: v.channelId, kind: v.kind };
      events.stream({ ...id, state: 'start', cause: null });
      // A camera lost mid-stream is told at once (issue #20 point 5), long before the stream closes.
      stream.onMedia((e) => {
        if (e.type === 'stalled' || e.type === 'resumed') {
          const seconds = (e.silentMs / 1000).toFixed(1);
          events.stream({
            ...id,
            state: e.type === 'stalled' ? 'lost' : 'resumed',
            cause: e.type === 'stalled' ? `no media for ${seconds} s` : `media again after ${seconds} s`,
          });
        }
      });
      stream.onClose((cause) => events.stream({ ...id, state: 'stop', cause }));
    },
    viewersOf: (id) => media.viewersOf(id),
    events,
    subscriptions: {
      autoSubscribe: config['subscribe-on-register'],
      expiresSec: config['subscription-expires'],
      positionIntervalSec: config['position-interval'],
    },
    subscriptionStore: new SqliteSubscriptionStore(eventsDb),
    hooks: {
      subscriptionFailed: (event) => eventMetrics.subscriptionFailed(event),
      registrationFailed: (reason, deviceId) => m.registrationFailed(reason, deviceId),
      keepalive: (deviceId, lateness) => m.keepalive(lateness, deviceId),
      ingest: (t, d) => m.ingest(t, d),
      firstKeyframe: (kind, s) => m.firstKeyframe(kind, s),
    },
  });

  // The cascade: this gateway as a lower platform of other upper platforms, on the same SIP
  // socket. Requests from a configured upper platform go to its link, everything else to our
  // upper role (cascade/request-routing.ts).
  const cascadeStore = new SqliteCascadeStore(join(config['data-dir'], 'gateway.db'), { secrets: box });
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
      relayTalk: (d, c) => upper.voice!.relay(d, c),
      latestPosition: (d, c) => {
        const p = events.latestPosition(d, c);
        if (!p || p.longitude === null || p.latitude === null) {
          return undefined;
        }
        return {
          timeMs: Date.parse(p.time ?? p.receivedAt),
          longitude: p.longitude,
          latitude: p.latitude,
          ...(p.speed !== null ? { speed: p.speed } : {}),
          ...(p.direction !== null ? { direction: p.direction } : {}),
          ...(p.altitude !== null ? { altitude: p.altitude } : {}),
        };
      },
      deviceControl: (d, target, command) => upper.deviceControl(d, target, command),
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
    userAgent: config['sip-user-agent'],
    log: createLogger('cascade'),
  });
  ua.onRequest((req, tx) => {
    if (!cascade.handleRequest(req, tx)) {
      upper.handleRequest(req, tx);
    }
  });
  ua.onAck((ack) => {
    cascade.handleAck(ack);
    upper.handleAck(ack);
  });
  upper.sessions.events.on('online', () => cascade.localChanged());
  upper.sessions.events.on('offline', () => cascade.localChanged());

  const countSip = (direction: 'in' | 'out') => (msg: SipMessage) => {
    if (msg.kind === 'request') {
      m.sipRequest(msg.method, direction);
    } else {
      m.sipResponse(msg.headers.get('cseq')?.split(/\s+/)[1] ?? '?', msg.status, direction);
    }
  };
  transport.onMessage(countSip('in'));
  transport.onSend(countSip('out'));

  // Our devices' alarms and positions go up to the upper platforms that share their channels.
  bus.on('alarm', (e) => {
    if (!e.data.acknowledged) {
      cascade.forwardAlarm(e.data);
    }
  });
  // Positions go up at each upper's subscribed interval, from the stored latest ones (gateway-backend.ts).

  // Cloud recording (docs/recording.md): the index and the files agree again (a crash may have
  // cut the last fragment) before anything records. In a cluster the streams live on the media
  // nodes, so this signalling process records nothing.
  const recordingStore = new SqliteRecordingStore(join(config['data-dir'], 'gateway.db'));
  const recordingsDir = join(config['data-dir'], 'recordings');
  let recorder: RecorderService | undefined;
  let snapshots: SnapshotService | undefined;
  let downloads: DownloadService | undefined;
  const pullLive = async (deviceId: string, channelId: string) => {
    const view = await upper.startLive(deviceId, channelId);
    const stream = streams.get(view.streamId);
    if (!stream) {
      throw new Error(`stream ${view.streamId} ended before it could be joined`);
    }
    return stream;
  };
  if (!cluster) {
    snapshots = new SnapshotService({ pull: pullLive, ffmpeg: hasFfmpeg() });
    downloads = new DownloadService({
      dir: join(config['data-dir'], 'downloads'),
      startDownload: async (deviceId, channelId, start, end, speed) => {
        const view = await upper.startDownload(deviceId, channelId, start, end, speed);
        const stream = streams.get(view.streamId);
        if (!stream) {
          throw new Error(`download stream ${view.streamId} ended before it could be joined`);
        }
        return stream;
      },
      maxRunning: config['download-max'],
      log: createLogger('downloads'),
    });
    const recLog = createLogger('recording');
    const report = await reconcileRecordings(recordingsDir, recordingStore, recLog);
    if (report.checked > 0) {
      recLog.info(report, 'recordings reconciled with their index');
    }
    const rec: RecorderService = new RecorderService({
      dir: recordingsDir,
      store: recordingStore,
      pull: pullLive,
      sliceSec: config['record-slice'],
      quotaBytes: config['record-quota'],
      minFreeBytes: config['record-min-free'],
      sweepIntervalMs: config['record-sweep'] * 1000,
      timeZone: config.timezone,
      observer: new RecordingMetrics(m.registry, () => ({ bytes: rec.bytesStored, files: rec.files })),
      diskFailed: (e) =>
        events.recording({ level: 'alarm', state: 'stopped', code: e.code, error: e.message }),
      log: recLog,
    });
    recorder = rec;
    bus.on('alarm', (e) => rec.alarm(e.data.deviceId, e.data.channelId));
  }

  const revocations = new SqliteMediaRevocationStore(join(config['data-dir'], 'gateway.db'));
  const signer = new MediaTokenSigner(secrets.signingKey);
  const whip = whipRouter({
    resolveTalk: (talkId) => upper.voice?.whipTalk(talkId),
    net: { publicIp, portRange: media.mainThreadWebrtcPorts, ...webrtcBind(config['sip-host']) },
    // WHEP (without viewer workers) and WHIP peers share these ports: one gathering lane for both.
    serialize: (fn) => media.whep.sessions.serialize(fn),
    locationToken: (talkId) => signer.sign(`talk:${talkId}`, config['media-token-ttl']),
  });
  const trustedProxies = new AddressList(config['trusted-proxies']);
  let limitsView: () => LimitsView = () => {
    throw new Error('limits read before the HTTP server exists');
  };
  const {
    app,
    rates,
    stop: stopApp,
  } = createApp({
    services: upper,
    cascade,
    control: upper,
    ...(upper.voice ? { voice: upper.voice } : {}),
    ...(recorder ? { recording: recorder } : {}),
    ...(snapshots ? { snapshots } : {}),
    ...(downloads
      ? {
          downloads: {
            start: (d: string, c: string, s: Date, e: Date, speed: number) =>
              downloads.start(d, c, s, e, speed).catch((err: unknown) => {
                throw err instanceof DownloadLimitError
                  ? new GatewayError('GW_ERR_DOWNLOAD_LIMIT', err.message)
                  : err;
              }),
            get: (id: string) => downloads.get(id),
            filePath: (id: string) => downloads.filePath(id),
          },
        }
      : {}),
    whip,
    events,
    deviceEvents: upper.deviceEvents,
    eventStream: {
      heartbeatMs: config['sse-heartbeat'] * 1000,
      maxBufferBytes: config['sse-max-buffer-kb'] * 1024,
      observer: eventMetrics,
      log: createLogger('sse'),
    },
    demoConfig: { mapTiles: config['map-tiles'] },
    apiToken: secrets.apiToken,
    signer,
    access: new MediaAccess(signer, { store: revocations, graceMs: config['media-token-grace'] * 1000 }),
    mediaTokenTtlSec: config['media-token-ttl'],
    corsOrigins: config['cors-origins'],
    onDemand: {
      active: (id) => upper.getStream(id) !== undefined,
      startLive: (deviceId, channelId, variant) => upper.startLive(deviceId, channelId, variant),
      maxBodyBytes: MAX_OFFER_BYTES,
    },
    ...(cluster ? {} : { whepSessions: media.whep.sessions }),
    version: VERSION,
    whep: cluster ? cluster.whepRedirect() : media.whep,
    hls: cluster ? cluster.hlsRedirect() : media.hlsRoutes(),
    ...(cluster ? { mediaBase: (id: string) => cluster.mediaBase(id) } : {}),
    metrics: { contentType: m.contentType, render: () => m.render() },
    rates: { api: config['rate-api'], media: config['rate-media'], static: config['rate-static'] },
    clientOf,
    limits: () => limitsView(),
    webDemoDir: join(repoRoot, 'web-demo'),
    nodeModulesDir: join(repoRoot, 'node_modules'),
  });
  // Node's checks of these timeouts run every connectionsCheckingInterval (30 s by default).
  const serverOptions = {
    headersTimeout: config['http-headers-timeout'] * 1000,
    requestTimeout: Math.max(config['http-request-timeout'], config['http-headers-timeout']) * 1000,
    connectionsCheckingInterval: 1000,
  };
  const server: Server = tls
    ? createHttpsServer({ ...tls, ...serverOptions }, app)
    : createServer(serverOptions, app);
  const httpGuard = new HttpConnectionGuard(server, {
    maxConnections: caps.http,
    maxPerClient: config['http-max-connections-per-client'],
    proxies: trustedProxies,
    log: createLogger('http'),
  });
  limitsView = () => ({
    openFiles,
    http: {
      ...httpGuard.view(),
      headersTimeoutSec: config['http-headers-timeout'],
      requestTimeoutSec: config['http-request-timeout'],
    },
    sipTcp: { ...transport.inboundLimits, refused: { ...transport.stats.refused } },
    rates: {
      api: { ...rates.api.budget, limited: rates.api.limited },
      media: { ...rates.media.budget, limited: rates.media.limited },
      static: { ...rates.static.budget, limited: rates.static.limited },
    },
    trustedProxies: trustedProxies.size,
    webrtc: {
      ...media.whep.slots.limits,
      viewers: media.whep.slots.viewers,
      pending: media.whep.slots.pending,
      refused: { ...media.whep.slots.refused },
    },
  });
  registerLimitMetrics(m.registry, () => limitsView());
  if (media.viewerWorkers) {
    registerViewerWorkerMetrics(m.registry, media.viewerWorkers);
  }
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config['http-port'], config['http-host'], () => resolveListen());
  });
  upper.start();
  cascade.start(cascadeSeed);
  retention.start();
  recorder?.start();
  const httpPort = (server.address() as AddressInfo).port;
  cluster?.shareEvents(events, upper.deviceEvents, bus, config['events-backlog']);
  await cluster?.attach(upper, config['advertise-http'] ?? `http://${publicIp}:${httpPort}`);
  log.info(
    { sip: `${config['sip-host']}:${transport.port}`, http: `${config['http-host']}:${httpPort}`, publicIp },
    'gateway listening',
  );
  if (tls) {
    log.info({ https: `${config['http-host']}:${httpPort}` }, 'HTTPS on: pages may ask for the microphone');
  }

  let closing: Promise<void> | undefined;
  return {
    config,
    secrets,
    upper,
    ...(cluster ? { cluster } : {}),
    cascade,
    streams,
    metrics: m,
    ...(recorder ? { recorder } : {}),
    ...(snapshots ? { snapshots } : {}),
    events,
    httpPort,
    sipPort: transport.port,
    publicIp,
    close: () =>
      (closing ??= (async () => {
        // BYE the uppers' dialogs and unregister first, while our devices still stream.
        await cascade.close();
        await recorder?.close();
        downloads?.close();
        stopApp();
        await media.close('shutdown');
        retention.close();
        webhooks.close();
        webhookPost.close();
        await upper.close();
        await cluster?.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await ua.close();
        await transport.close();
        cascadeStore.close();
        revocations.close();
        voiceStore.close();
        recordingStore.close();
        dialogs.close();
        store.close();
        eventsDb.close();
      })()),
  };
}
