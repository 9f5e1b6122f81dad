// The gateway as a GB/T 28181 upper platform: lower platforms register here, keep alive, share
// catalogs and stream on request. Wires the SIP user agent to registration, the MANSCDP inbox,
// queries, device control and play sessions, and exposes it all as GatewayServices for the API.
import type { ServerTransaction, SipRequest, SipUserAgent } from '../../sip/index.js';
import { dialogIdOfRequest } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import { GatewayError } from '../../errors.js';
import type {
  ChannelInput,
  ChannelRecord,
  DeviceStore,
  MediaTransportName,
} from '../../store/device-store.js';
import type { PortPool } from '../../media/port-pool.js';
import { Stream } from '../../media/stream.js';
import type { StreamRegistry } from '../../media/stream-registry.js';
import type {
  ChannelView,
  DeviceDetail,
  DeviceView,
  Diagnosis,
  GatewayServices,
  PlaybackControl,
  PtzRequest,
  RecordItem,
  StreamView,
} from '../../api/services.js';
import type { CatalogItem, CatalogResponse } from '../manscdp-catalog.js';
import type { ManscdpMessage } from '../manscdp.js';
import type { RecordInfoResponse, RecordItem as GbRecordItem } from '../manscdp-record.js';
import type { DeviceInfoResponse, DeviceStatusResponse } from '../manscdp-device.js';
import { buildPtzCmd, ptzMove, ptzZoom, type PtzCommand, type PtzDirection } from '../ptz.js';
import { epochSecondsToGbTime, gbTimeToEpochSeconds } from '../gb-date.js';
import { SsrcAllocator } from '../ssrc.js';
import { DeviceMessenger } from './device-messenger.js';
import { DeviceSessions, type DeviceSession } from './device-sessions.js';
import { Inbox } from './inbox.js';
import { PlaySession, type PlayKind } from './play-session.js';
import type { MediaNodeClient } from './media-node-client.js';
import { PlayDiagnosis } from './play-diagnosis.js';
import { QueryTimeoutError, QueryTracker } from './query-tracker.js';
import { Registrar, type RegisterFailure } from './registrar.js';

export interface UpperPlatformOptions {
  ua: SipUserAgent;
  store: DeviceStore;
  streams: StreamRegistry;
  portPool: PortPool;
  log: Logger;
  realm: string;
  password: string;
  publicIp: string;
  mediaBindHost: string;
  timeZone: string;
  keepaliveIntervalSec: number;
  keepaliveTimeoutCount: number;
  maxExpiresSec: number;
  /** Digest nonce lifetime; default the SIP stack's (300 s). */
  nonceTtlMs?: number;
  /** Periodic catalog refresh; 0 = only after registration and on demand. */
  catalogIntervalSec: number;
  idleStopMs: number;
  noMediaTimeoutMs: number;
  defaultMediaTransport: MediaTransportName;
  queryTimeoutMs?: number;
  firstMediaTimeoutMs?: number;
  /** Where plays receive media; default in-process on portPool (--role signaling: Redis, gateway/cluster/). */
  media?: MediaNodeClient;
  /** Called for every new stream: subscribe outputs (HLS) here. */
  onStreamCreated?(stream: Stream, view: () => StreamView): void;
  viewersOf?(streamId: string): { webrtc: number; hls: number };
  hooks?: {
    registrationFailed?(reason: RegisterFailure, deviceId?: string): void;
    keepalive?(deviceId: string, latenessSec: number): void;
    ingest?: PlaySession extends never
      ? never
      : ConstructorParameters<typeof PlaySession>[1]['onIngestStats'];
    firstKeyframe?(kind: PlayKind, seconds: number): void;
  };
}

const PTZ_DIRECTIONS: Record<string, PtzDirection> = {
  left: 'left',
  right: 'right',
  up: 'up',
  down: 'down',
  upleft: 'up-left',
  upright: 'up-right',
  downleft: 'down-left',
  downright: 'down-right',
};

function toChannelInput(item: CatalogItem): ChannelInput {
  return {
    channelId: item.deviceId,
    name: item.name ?? null,
    manufacturer: item.manufacturer ?? null,
    model: item.model ?? null,
    parentId: item.parentId ?? null,
    civilCode: item.civilCode ?? null,
    businessGroupId: item.businessGroupId ?? item.info?.businessGroupId ?? null,
    address: item.address ?? null,
    status: item.status === 'OFF' ? 'OFF' : 'ON',
    longitude: item.longitude ?? null,
    latitude: item.latitude ?? null,
    ptzType: item.info?.ptzType === undefined ? null : String(item.info.ptzType),
    parental: item.parental === 1,
  };
}

const channelView = (c: ChannelRecord): ChannelView => {
  const { deviceId: _d, updatedAt: _u, ...rest } = c;
  return rest;
};

interface ActivePlay {
  session: PlaySession;
  stream: Stream;
  kind: PlayKind;
  deviceId: string;
  channelId: string;
  range?: { start: Date; end: Date };
}

/** What it takes to invite a stream again under the same ID (media node failover). */
export interface PlayIdentity {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: PlayKind;
  range?: { start: string; end: string };
}

export class UpperPlatform implements GatewayServices {
  readonly sessions: DeviceSessions;
  readonly #o: UpperPlatformOptions;
  readonly #registrar: Registrar;
  readonly #inbox: Inbox;
  readonly #queries = new QueryTracker();
  readonly #messenger: DeviceMessenger;
  readonly #ssrc: SsrcAllocator;
  readonly #plays = new Map<string, ActivePlay>();
  /** Kept after a stream ends, so a failed play can still be diagnosed. */
  readonly #diagnoses = new Map<string, PlayDiagnosis>();
  readonly #deviceInfo = new Map<string, Record<string, string>>();
  readonly #deviceStatus = new Map<string, Record<string, string>>();
  #playbackSeq = 0;
  #catalogTimer: NodeJS.Timeout | undefined;

  constructor(opts: UpperPlatformOptions) {
    this.#o = opts;
    this.sessions = new DeviceSessions({
      store: opts.store,
      keepaliveIntervalSec: opts.keepaliveIntervalSec,
      keepaliveTimeoutCount: opts.keepaliveTimeoutCount,
    });
    this.#registrar = new Registrar({
      realm: opts.realm,
      password: opts.password,
      store: opts.store,
      sessions: this.sessions,
      log: opts.log.child({ part: 'registrar' }),
      timeZone: opts.timeZone,
      maxExpiresSec: opts.maxExpiresSec,
      nonceTtlMs: opts.nonceTtlMs,
      onFailure: (reason, deviceId) => opts.hooks?.registrationFailed?.(reason, deviceId),
    });
    this.#messenger = new DeviceMessenger(opts.ua);
    this.#ssrc = new SsrcAllocator(opts.realm);
    this.#inbox = new Inbox(
      this.sessions,
      {
        onMessage: (m, session) => this.#onManscdp(m, session),
        onDialogMessage: (callId, m) => this.#onDialogMessage(callId, m),
      },
      opts.log.child({ part: 'inbox' }),
    );
    this.sessions.events.on('online', (deviceId) => {
      opts.log.info({ deviceId }, 'device online');
      // A fresh registration: learn what the device shares, then what it is.
      setTimeout(() => void this.#afterRegistration(deviceId), 50).unref();
    });
    this.sessions.events.on('offline', (deviceId, reason) => {
      opts.log.warn({ deviceId, reason }, 'device offline');
      for (const [id, play] of this.#plays) {
        if (play.deviceId === deviceId) {
          play.stream.close(`device offline: ${reason}`);
          this.#plays.delete(id);
        }
      }
    });
    this.sessions.events.on('keepalive', (deviceId, lateness) => opts.hooks?.keepalive?.(deviceId, lateness));
    opts.ua.onRequest((req, tx) => this.#onRequest(req, tx));
    opts.ua.transport.onConnectionClose((info) => this.sessions.connectionClosed(info.connectionId));
  }

  start(): void {
    this.#o.store.markAllOffline();
    this.sessions.start();
    if (this.#o.catalogIntervalSec > 0) {
      this.#catalogTimer = setInterval(() => {
        for (const s of this.sessions.list()) {
          if (s.online) {
            this.syncCatalog(s.deviceId).catch(() => undefined);
          }
        }
      }, this.#o.catalogIntervalSec * 1000);
      this.#catalogTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#catalogTimer);
    for (const play of this.#plays.values()) {
      play.stream.close('shutdown');
    }
    this.#plays.clear();
    this.sessions.close();
    this.#queries.close();
    // Let the BYEs leave before the transport closes.
    await new Promise((r) => setTimeout(r, 50));
  }

  // ---------- SIP ----------

  /** The user agent's request handler, for a composition root that puts a dispatcher in front (cascade). */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    this.#onRequest(req, tx);
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    switch (req.method) {
      case 'REGISTER':
        return this.#registrar.handle(req, tx);
      case 'MESSAGE':
      case 'NOTIFY':
        return this.#inbox.handle(req, tx);
      case 'BYE':
        return this.#onBye(req, tx);
      case 'OPTIONS':
        tx.respond(200);
        return;
      case 'INFO':
        tx.respond(200);
        return;
      default:
        // Voice broadcast INVITEs are not supported yet: say so clearly.
        tx.respond(req.method === 'INVITE' || req.method === 'SUBSCRIBE' ? 488 : 405);
    }
  }

  /**
   * Catalog, then DeviceInfo, one after the other: small devices (and sipp scenarios) handle one
   * query at a time, and the catalog is what the API needs first. Failures are logged only.
   */
  async #afterRegistration(deviceId: string): Promise<void> {
    const log = this.#o.log;
    try {
      await this.syncCatalog(deviceId);
    } catch (err) {
      log.info({ deviceId, err: String(err) }, 'catalog after registration failed');
    }
    try {
      await this.#queryDeviceInfo(deviceId);
    } catch (err) {
      log.info({ deviceId, err: String(err) }, 'DeviceInfo after registration failed');
    }
  }

  #onBye(req: SipRequest, tx: ServerTransaction): void {
    const id = dialogIdOfRequest(req);
    const play = [...this.#plays.values()].find((p) => p.session.dialogId === id);
    tx.respond(play ? 200 : 481);
    if (play) {
      play.session.remoteEnded('device sent BYE');
      play.stream.close('device-bye');
    }
  }

  #onDialogMessage(callId: string, message: ManscdpMessage): boolean {
    const play = [...this.#plays.values()].find((p) => p.session.callId === callId);
    if (!play) {
      return false;
    }
    if (message.kind === 'MediaStatus') {
      // NotifyType 121: the file was sent to the end (reference §8.2): BYE and release.
      play.session.diagnosis.add('media-status', `NotifyType ${message.notifyType}`);
      play.stream.close('end-of-file');
    }
    return true;
  }

  #onManscdp(m: ManscdpMessage, session: DeviceSession): void {
    switch (m.kind) {
      case 'Keepalive':
        return;
      case 'CatalogResponse':
        if (!this.#queries.deliver(session.deviceId, 'Catalog', m.sn, m)) {
          // Unsolicited or late: add and update, never delete (Tiandy, wvp #1425).
          this.#o.store.upsertChannels(session.deviceId, m.items.map(toChannelInput));
        }
        return;
      case 'CatalogNotify':
        return this.#applyCatalogEvents(session.deviceId, m);
      case 'DeviceInfoResponse':
      case 'DeviceStatusResponse':
      case 'RecordInfoResponse':
      case 'PresetQueryResponse':
      case 'DeviceControlResponse': {
        const cmdType = {
          DeviceInfoResponse: 'DeviceInfo',
          DeviceStatusResponse: 'DeviceStatus',
          RecordInfoResponse: 'RecordInfo',
          PresetQueryResponse: 'PresetQuery',
          DeviceControlResponse: 'DeviceControl',
        }[m.kind];
        this.#queries.deliver(session.deviceId, cmdType, m.sn, m);
        if (m.kind === 'DeviceInfoResponse') {
          this.#recordDeviceInfo(session.deviceId, m);
        }
        return;
      }
      case 'MediaStatus':
        return;
      case 'AlarmNotify':
        this.#o.log.info({ deviceId: session.deviceId, alarm: m }, 'alarm');
        return;
      default:
        this.#o.log.debug({ deviceId: session.deviceId, kind: m.kind }, 'MANSCDP message not handled');
    }
  }

  #applyCatalogEvents(deviceId: string, m: Extract<ManscdpMessage, { kind: 'CatalogNotify' }>): void {
    const store = this.#o.store;
    for (const item of m.items) {
      switch (item.event) {
        case 'ON':
          store.setChannelStatus(deviceId, item.deviceId, 'ON');
          break;
        case 'OFF':
        case 'VLOST':
        case 'DEFECT':
          store.setChannelStatus(deviceId, item.deviceId, 'OFF');
          break;
        case 'ADD':
        case 'UPDATE':
          store.upsertChannels(deviceId, [toChannelInput(item)]);
          break;
        case 'DEL':
          store.deleteChannel(deviceId, item.deviceId);
          break;
      }
    }
  }

  #recordDeviceInfo(deviceId: string, m: DeviceInfoResponse): void {
    const info: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string' || typeof v === 'number') {
        info[k] = String(v);
      }
    }
    this.#deviceInfo.set(deviceId, info);
    this.#o.store.upsertDevice(deviceId, {
      name: m.deviceName ?? undefined,
      manufacturer: m.manufacturer ?? undefined,
      model: m.model ?? undefined,
      firmware: m.firmware ?? undefined,
    });
  }

  #online(deviceId: string): DeviceSession {
    const session = this.sessions.get(deviceId);
    if (!this.#o.store.getDevice(deviceId) && !session) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    if (!session?.online) {
      throw new GatewayError('GW_ERR_DEVICE_OFFLINE', `device ${deviceId} is offline`);
    }
    return session;
  }

  async #ask(session: DeviceSession, message: ManscdpMessage, targetId?: string): Promise<void> {
    const res = await this.#messenger.send(session, message, targetId);
    if (res.status === 408) {
      throw new GatewayError(
        'GW_ERR_DEVICE_TIMEOUT',
        `device ${session.deviceId} did not answer the ${message.kind} MESSAGE`,
      );
    }
    if (res.status >= 300) {
      throw new GatewayError(
        'GW_ERR_DEVICE_REJECTED',
        `device answered ${res.status} ${res.reason} to ${message.kind}`,
      );
    }
  }

  /**
   * Sends a query whose answer is already pending in the tracker, then waits for that answer.
   * The pending promise is created first (a fast device answers before our MESSAGE's 200
   * arrives), so it must never be left unobserved: when the MESSAGE itself fails (no 200 within
   * 64·T1, longer than the answer timeout), its rejection would otherwise be unhandled and end
   * the process. A failed MESSAGE also cancels the pending answer.
   */
  async #askAndAwait<T>(
    session: DeviceSession,
    message: ManscdpMessage & { sn: string },
    cmdType: string,
    answer: Promise<T>,
    targetId?: string,
  ): Promise<T> {
    answer.catch(() => undefined);
    try {
      await this.#ask(session, message, targetId);
    } catch (err) {
      this.#queries.cancel(session.deviceId, cmdType, message.sn, err as Error);
      throw err;
    }
    return answer;
  }

  async #queryDeviceInfo(deviceId: string): Promise<DeviceInfoResponse> {
    const session = this.#online(deviceId);
    const sn = this.#queries.nextSn();
    const answer = this.#queries.single<DeviceInfoResponse>(
      deviceId,
      'DeviceInfo',
      sn,
      this.#o.queryTimeoutMs ?? 10_000,
    );
    return this.#askAndAwait(session, { kind: 'DeviceInfoQuery', sn, deviceId }, 'DeviceInfo', answer);
  }

  async queryDeviceStatus(deviceId: string): Promise<DeviceStatusResponse> {
    const session = this.#online(deviceId);
    const sn = this.#queries.nextSn();
    const answer = this.#queries.single<DeviceStatusResponse>(
      deviceId,
      'DeviceStatus',
      sn,
      this.#o.queryTimeoutMs ?? 10_000,
    );
    const status = await this.#askAndAwait(
      session,
      { kind: 'DeviceStatusQuery', sn, deviceId },
      'DeviceStatus',
      answer,
    );
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(status)) {
      if (typeof v === 'string') {
        flat[k] = v;
      }
    }
    this.#deviceStatus.set(deviceId, flat);
    return status;
  }

  // ---------- GatewayServices ----------

  listDevices(): DeviceView[] {
    return this.#o.store.listDevices().map((d) => this.#deviceView(d.deviceId)!);
  }

  #deviceView(deviceId: string): DeviceDetail | undefined {
    const d = this.#o.store.getDevice(deviceId);
    if (!d) {
      return undefined;
    }
    const live = this.sessions.get(deviceId);
    return {
      deviceId: d.deviceId,
      name: d.name,
      manufacturer: d.manufacturer,
      model: d.model,
      firmware: d.firmware,
      transport: d.transport,
      remoteAddress: live
        ? `${live.remote.address}:${live.remote.port}`
        : d.remoteAddress
          ? `${d.remoteAddress}:${d.remotePort ?? ''}`
          : null,
      online: live?.online ?? false,
      registeredAt: d.registeredAt,
      // The live value: the store's copy is written in batches (device-sessions.ts).
      lastKeepaliveAt:
        live?.lastKeepaliveAt !== undefined
          ? new Date(live.lastKeepaliveAt).toISOString()
          : d.lastKeepaliveAt,
      channelCount: this.#o.store.countChannels(deviceId),
      mediaTransport: d.mediaTransport,
    };
  }

  getDevice(deviceId: string): DeviceDetail | undefined {
    const view = this.#deviceView(deviceId);
    if (!view) {
      return undefined;
    }
    const info = this.#deviceInfo.get(deviceId);
    const status = this.#deviceStatus.get(deviceId);
    return { ...view, ...(info ? { info } : {}), ...(status ? { status } : {}) };
  }

  listChannels(deviceId: string): ChannelView[] | undefined {
    if (!this.#o.store.getDevice(deviceId)) {
      return undefined;
    }
    return this.#o.store.listChannels(deviceId).map(channelView);
  }

  async syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }> {
    const session = this.#online(deviceId);
    const sn = this.#queries.nextSn();
    const pages = this.#queries.paged<CatalogResponse, CatalogItem>(deviceId, 'Catalog', sn, {
      pageOf: (m) => ({ sumNum: m.sumNum, items: m.items }),
      itemKey: (item) => item.deviceId,
      timeoutMs: this.#o.queryTimeoutMs ?? 30_000,
      quietMs: 5_000,
    });
    let result;
    try {
      result = await this.#askAndAwait(session, { kind: 'CatalogQuery', sn, deviceId }, 'Catalog', pages);
    } catch (err) {
      if (err instanceof QueryTimeoutError) {
        throw new GatewayError('GW_ERR_DEVICE_TIMEOUT', `device ${deviceId} sent no catalog`);
      }
      throw err;
    }
    // Only a complete answer to our own query replaces the channel set (reference §3.2).
    const channels = result.items.map(toChannelInput);
    if (result.complete) {
      this.#o.store.replaceChannels(deviceId, channels);
    } else {
      this.#o.store.upsertChannels(deviceId, channels);
    }
    this.#o.log.info(
      { deviceId, channels: channels.length, sumNum: result.sumNum, complete: result.complete },
      'catalog synced',
    );
    return { channelCount: this.#o.store.countChannels(deviceId), complete: result.complete };
  }

  #channelOrThrow(deviceId: string, channelId: string): DeviceSession {
    const session = this.#online(deviceId);
    if (!this.#o.store.getChannel(deviceId, channelId)) {
      throw new GatewayError('GW_ERR_CHANNEL_NOT_FOUND', `device ${deviceId} has no channel ${channelId}`);
    }
    return session;
  }

  #transportsFor(deviceId: string): MediaTransportName[] {
    const remembered = this.#o.store.getDevice(deviceId)?.mediaTransport;
    const order: MediaTransportName[] = ['udp', 'tcp-passive', 'tcp-active'];
    const first = remembered ?? this.#o.defaultMediaTransport;
    return [first, ...order.filter((t) => t !== first)];
  }

  async #play(
    streamId: string,
    deviceId: string,
    channelId: string,
    kind: PlayKind,
    range?: { start: Date; end: Date },
  ): Promise<StreamView> {
    this.#channelOrThrow(deviceId, channelId);
    const existing = this.#plays.get(streamId);
    if (existing && !existing.stream.closed) {
      await existing.stream.start();
      return this.#streamView(streamId)!;
    }
    const tz = this.#o.timeZone;
    const session = new PlaySession(
      {
        streamId,
        deviceId,
        channelId,
        kind,
        transports: this.#transportsFor(deviceId),
        ...(range
          ? {
              range: {
                start: epochSecondsToGbTime(Math.floor(range.start.getTime() / 1000), tz),
                end: epochSecondsToGbTime(Math.floor(range.end.getTime() / 1000), tz),
              },
            }
          : {}),
      },
      {
        ua: this.#o.ua,
        sessions: this.sessions,
        ssrc: this.#ssrc,
        portPool: this.#o.portPool,
        bindHost: this.#o.mediaBindHost,
        publicIp: this.#o.publicIp,
        ...(this.#o.media ? { media: this.#o.media } : {}),
        timeZone: tz,
        log: this.#o.log.child({ streamId }),
        firstMediaTimeoutMs: this.#o.firstMediaTimeoutMs ?? 5_000,
        inviteTimeoutMs: 10_000,
        rememberTransport: (id, transport) => this.#o.store.upsertDevice(id, { mediaTransport: transport }),
        requestKeyframe: (id, ch) => this.#forceKeyframe(id, ch),
        onIngestStats: this.#o.hooks?.ingest,
        onFirstKeyframe: (kind, seconds) => this.#o.hooks?.firstKeyframe?.(kind, seconds),
      },
    );
    this.#diagnoses.set(streamId, session.diagnosis);
    if (this.#diagnoses.size > 500) {
      this.#diagnoses.delete(this.#diagnoses.keys().next().value!);
    }
    const stream = this.#o.streams.getOrCreate(
      streamId,
      () =>
        new Stream({
          id: streamId,
          source: session,
          idleStopMs: this.#o.idleStopMs,
          noMediaTimeoutMs: this.#o.noMediaTimeoutMs,
        }),
    );
    const play: ActivePlay = { session, stream, kind, deviceId, channelId, ...(range ? { range } : {}) };
    this.#plays.set(streamId, play);
    stream.onClose((cause) => {
      if (this.#plays.get(streamId) === play) {
        this.#plays.delete(streamId);
      }
      if (cause === 'no-media') {
        session.diagnosis.fail('the device stopped sending media (no packets for the no-media timeout)');
      } else if (!session.diagnosis.cause && cause !== 'idle' && cause !== 'shutdown') {
        session.diagnosis.add('closed', cause);
      }
      this.#o.log.info({ streamId, cause }, 'stream closed');
    });
    this.#o.onStreamCreated?.(stream, () => this.#streamView(streamId)!);
    try {
      await stream.start();
    } catch (err) {
      throw new GatewayError('GW_ERR_PLAY_FAILED', (err as Error).message);
    }
    return this.#streamView(streamId)!;
  }

  /** The identity of an active play, to invite it again elsewhere. */
  playIdentity(streamId: string): PlayIdentity | undefined {
    const p = this.#plays.get(streamId);
    if (!p) {
      return undefined;
    }
    const range = p.range
      ? { start: p.range.start.toISOString(), end: p.range.end.toISOString() }
      : undefined;
    return {
      streamId,
      deviceId: p.deviceId,
      channelId: p.channelId,
      kind: p.kind,
      ...(range ? { range } : {}),
    };
  }

  /**
   * Ends the current dialog of `id.streamId` (BYE) if one is up, and invites the stream again
   * under the same ID, so URLs handed out stay valid (failover of a lost media node).
   */
  replay(id: PlayIdentity, cause: string): Promise<StreamView> {
    const current = this.#plays.get(id.streamId);
    if (current) {
      current.stream.close(cause);
    }
    const range = id.range ? { start: new Date(id.range.start), end: new Date(id.range.end) } : undefined;
    return this.#play(id.streamId, id.deviceId, id.channelId, id.kind, range);
  }

  startLive(deviceId: string, channelId: string): Promise<StreamView> {
    return this.#play(`${deviceId}_${channelId}`, deviceId, channelId, 'live');
  }

  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView> {
    this.#playbackSeq = (this.#playbackSeq + 1) % 100_000;
    return this.#play(`${deviceId}_${channelId}_pb${this.#playbackSeq}`, deviceId, channelId, 'playback', {
      start,
      end,
    });
  }

  async ptz(deviceId: string, channelId: string, request: PtzRequest): Promise<void> {
    let command: PtzCommand;
    if ('preset' in request) {
      command = { type: 'preset', action: request.preset, index: request.index };
    } else if (request.command === 'stop') {
      command = { type: 'stop' };
    } else if (request.command === 'zoomin' || request.command === 'zoomout') {
      command = ptzZoom(request.command === 'zoomin' ? 'in' : 'out', Math.min(15, request.speed));
    } else {
      command = ptzMove(PTZ_DIRECTIONS[request.command], request.speed);
    }
    await this.ptzCommand(deviceId, channelId, command);
  }

  /** A PTZCmd as it is (a cascade forwards its upper's, reference §5.2). */
  async ptzCommand(deviceId: string, channelId: string, command: PtzCommand): Promise<void> {
    const session = this.#channelOrThrow(deviceId, channelId);
    const cmd = buildPtzCmd(command);
    if (!cmd.ok) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', cmd.detail);
    }
    await this.#ask(
      session,
      {
        kind: 'DeviceControl',
        sn: this.#queries.nextSn(),
        deviceId: channelId,
        command: { type: 'PTZCmd', ptz: command },
        controlPriority: 5,
      },
      channelId,
    );
  }

  #forceKeyframe(deviceId: string, channelId: string): void {
    const session = this.sessions.get(deviceId);
    if (!session?.online) {
      return;
    }
    this.#messenger
      .send(
        session,
        {
          kind: 'DeviceControl',
          sn: this.#queries.nextSn(),
          deviceId: channelId,
          command: { type: 'IFameCmd' },
        },
        channelId,
      )
      .catch(() => undefined);
  }

  async queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]> {
    const session = this.#channelOrThrow(deviceId, channelId);
    const tz = this.#o.timeZone;
    const sn = this.#queries.nextSn();
    const pages = this.#queries.paged<RecordInfoResponse, GbRecordItem>(deviceId, 'RecordInfo', sn, {
      pageOf: (m) => ({ sumNum: m.sumNum, items: m.items }),
      itemKey: (r) => `${r.startTime}|${r.endTime}|${r.filePath ?? ''}`,
      timeoutMs: this.#o.queryTimeoutMs ?? 30_000,
      quietMs: 5_000,
    });
    const request: ManscdpMessage & { sn: string } = {
      kind: 'RecordInfoQuery',
      sn,
      deviceId: channelId,
      startTime: epochSecondsToGbTime(Math.floor(start.getTime() / 1000), tz),
      endTime: epochSecondsToGbTime(Math.floor(end.getTime() / 1000), tz),
      secrecy: 0,
      type: 'all',
    };
    let result;
    try {
      result = await this.#askAndAwait(session, request, 'RecordInfo', pages, channelId);
    } catch (err) {
      if (err instanceof QueryTimeoutError) {
        throw new GatewayError('GW_ERR_DEVICE_TIMEOUT', `device ${deviceId} did not answer the record query`);
      }
      throw err;
    }
    const iso = (gb: string) => {
      const s = gbTimeToEpochSeconds(gb, tz);
      return s.ok ? new Date(s.value * 1000).toISOString() : gb;
    };
    return result.items
      .map((r) => ({
        start: iso(r.startTime),
        end: iso(r.endTime),
        name: r.name ?? null,
        filePath: r.filePath ?? null,
        type: r.type ?? null,
        secrecy: r.secrecy === undefined ? null : String(r.secrecy),
      }))
      .sort((a, b) => a.start.localeCompare(b.start));
  }

  #streamView(streamId: string): StreamView | undefined {
    const play = this.#plays.get(streamId);
    if (!play) {
      return undefined;
    }
    const info = play.stream.info;
    const local = {
      codec: { video: info.videoCodec ?? null, audio: info.audioCodec ?? null },
      width: info.width ?? null,
      height: info.height ?? null,
      fps: info.fps ?? null,
      bitrateKbps: info.bitrateKbps ?? null,
      packetsLost: play.session.stats?.lost ?? 0,
      viewers: this.#o.viewersOf?.(streamId) ?? { webrtc: 0, hls: 0 },
      state: info.state,
    };
    // A remote media node's hub holds the media; this process only holds the dialog.
    const remote = play.session.remoteView;
    return {
      streamId,
      deviceId: play.deviceId,
      channelId: play.channelId,
      kind: play.kind,
      transport: play.session.transport,
      ...local,
      ...(remote && info.state !== 'closed' ? remote : {}),
      startedAt: info.startedAt?.toISOString() ?? null,
    };
  }

  listStreams(): StreamView[] {
    return [...this.#plays.keys()].map((id) => this.#streamView(id)!).filter(Boolean);
  }

  getStream(streamId: string): StreamView | undefined {
    return this.#streamView(streamId);
  }

  diagnosis(streamId: string): Diagnosis | undefined {
    return this.#diagnoses.get(streamId)?.toJSON();
  }

  async controlPlayback(streamId: string, control: PlaybackControl): Promise<void> {
    const play = this.#plays.get(streamId);
    if (!play) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
    }
    if (play.kind === 'live') {
      throw new GatewayError('GW_ERR_BAD_REQUEST', 'playback control applies to playback streams only');
    }
    try {
      switch (control.action) {
        case 'pause':
          return await play.session.control({ method: 'PAUSE' });
        case 'resume':
          return await play.session.control({ method: 'PLAY' });
        case 'scale':
          return await play.session.control({ method: 'PLAY', scale: control.scale });
        case 'seek':
          return await play.session.control({ method: 'PLAY', rangeStart: control.position });
      }
    } catch (err) {
      throw new GatewayError('GW_ERR_DEVICE_REJECTED', (err as Error).message);
    }
  }

  stopStream(streamId: string): Promise<void> {
    const play = this.#plays.get(streamId);
    if (!play) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
    }
    play.stream.close('stopped-by-api');
    return Promise.resolve();
  }

  get stats() {
    return { inbox: this.#inbox.stats, pendingQueries: this.#queries.pendingCount, plays: this.#plays.size };
  }
}
