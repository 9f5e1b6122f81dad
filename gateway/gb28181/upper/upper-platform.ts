// The gateway as a GB/T 28181 upper platform: lower platforms register here, keep alive, share
// catalogs and stream on request. Wires the SIP user agent to registration, the MANSCDP inbox,
// device queries (device-queries.ts), what follows registration changes (device-lifecycle.ts) and
// plays (plays.ts), and exposes it all as GatewayServices for the API.
import type { ServerTransaction, SipRequest } from '../../sip/index.js';
import type { LiveStream } from '../../device-settings.js';
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
} from '../../views/services.js';
import type {
  AuxRequest,
  BasicParamUpdate,
  BasicParamView,
  ControlServices,
  CruiseRequest,
  DeviceSettingsUpdate,
  DragZoomRequest,
  HomePositionRequest,
  PresetView,
  PtzPositionView,
  PtzPreciseRequest,
  ScanRequest,
} from '../../views/control.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { DeviceStatusResponse } from '../manscdp/device.js';
import type { PtzCommand } from '../ptz.js';
import type { PlayIdentity } from './active-play.js';
import { channelView } from './catalog-channels.js';
import { DeviceAdmin } from './device-admin.js';
import { DeviceLifecycle } from './device-lifecycle.js';
import { DeviceCommands } from './device-commands.js';
import { DeviceQueries } from './device-queries.js';
import { DeviceSessions, type DeviceSession } from './device-sessions.js';
import { deviceView } from './device-views.js';
import { Inbox, type InboxAnswer } from './inbox.js';
import { Plays } from './plays.js';
import { OrphanDialogs } from './orphan-dialogs.js';
import { Registrar } from './registrar.js';
import { Broadcasts } from './broadcast/broadcasts.js';
import { VoiceService } from './broadcast/voice-service.js';
import { DeviceMessenger } from './device-messenger.js';
import type { DeviceEventControl } from '../../views/events.js';
import type { DeviceSubscriptions } from './subscriptions/device-subscriptions.js';
import { UpperEvents } from './upper-events.js';
import type { UpperPlatformOptions } from './upper-platform-options.js';

export type { PlayIdentity } from './active-play.js';
export type { UpperPlatformOptions } from './upper-platform-options.js';

export class UpperPlatform implements GatewayServices, ControlServices {
  readonly sessions: DeviceSessions;
  /** Voice broadcast and talk; undefined when not configured. */
  readonly voice: VoiceService | undefined;
  readonly #broadcasts: Broadcasts;
  /** Subscriptions, guard and alarm reset, for the events API. */
  readonly deviceEvents: DeviceEventControl;
  readonly subscriptions: DeviceSubscriptions;
  readonly #events: UpperEvents;
  readonly #o: UpperPlatformOptions;
  readonly #registrar: Registrar;
  readonly #inbox: Inbox;
  readonly #devices: DeviceQueries;
  readonly #commands: DeviceCommands;
  readonly #admin: DeviceAdmin;
  readonly #plays: Plays;
  readonly #orphans: OrphanDialogs | undefined;
  readonly #lifecycle: DeviceLifecycle;
  #catalogTimer: NodeJS.Timeout | undefined;

  constructor(opts: UpperPlatformOptions) {
    this.#o = opts;
    this.sessions = new DeviceSessions({
      store: opts.store,
      keepaliveIntervalSec: opts.keepaliveIntervalSec,
      keepaliveTimeoutCount: opts.keepaliveTimeoutCount,
      silentTimeoutIntervals: opts.silentTimeoutIntervals ?? 0,
      mediaSilent: (deviceId, lastSeenAt) => this.#plays.mediaSilent(deviceId, lastSeenAt),
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
    this.#devices = new DeviceQueries({
      ua: opts.ua,
      store: opts.store,
      sessions: this.sessions,
      log: opts.log,
      timeZone: opts.timeZone,
      ...(opts.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: opts.queryTimeoutMs }),
      onChannelChange: (deviceId, channelId, status, event) =>
        opts.events?.channel({ deviceId, channelId, status, event }),
    });
    this.#commands = new DeviceCommands({
      queries: this.#devices,
      sessions: this.sessions,
      store: opts.store,
      log: opts.log.child({ part: 'control' }),
      ...(opts.queryTimeoutMs === undefined ? {} : { answerTimeoutMs: opts.queryTimeoutMs }),
    });
    this.#admin = new DeviceAdmin({
      store: opts.store,
      sessions: this.sessions,
      queries: this.#devices,
      log: opts.log.child({ part: 'admin' }),
      closeStreams: (deviceId, cause) => this.#plays.closeDevice(deviceId, cause),
    });
    this.#events = new UpperEvents({
      ua: opts.ua,
      store: opts.store,
      sessions: this.sessions,
      devices: this.#devices,
      intake: opts.events,
      ...(opts.subscriptions ? { subscriptions: opts.subscriptions } : {}),
      ...(opts.subscriptionStore ? { subscriptionStore: opts.subscriptionStore } : {}),
      timeZone: opts.timeZone,
      hooks: {
        active: (e) => opts.hooks?.subscriptionActive?.(e),
        failed: (e) => opts.hooks?.subscriptionFailed?.(e),
      },
      log: opts.log,
    });
    this.subscriptions = this.#events.subscriptions;
    this.deviceEvents = this.#events.control;
    this.#plays = new Plays({
      ua: opts.ua,
      store: opts.store,
      sessions: this.sessions,
      streams: opts.streams,
      log: opts.log,
      realm: opts.realm,
      timeZone: opts.timeZone,
      idleStopMs: opts.idleStopMs,
      noMediaTimeoutMs: opts.noMediaTimeoutMs,
      stallTimeoutMs: opts.stallTimeoutMs ?? 0,
      defaultMediaTransport: opts.defaultMediaTransport,
      ...(opts.firstMediaTimeoutMs === undefined ? {} : { firstMediaTimeoutMs: opts.firstMediaTimeoutMs }),
      media: opts.media,
      onStreamCreated: (stream, view) => opts.onStreamCreated?.(stream, view),
      viewersOf: (streamId) => opts.viewersOf?.(streamId),
      onIngestStats: opts.hooks?.ingest,
      onFirstKeyframe: (kind, seconds) => opts.hooks?.firstKeyframe?.(kind, seconds),
      checkChannel: (deviceId, channelId) => void this.#devices.channelOrThrow(deviceId, channelId),
      ...(opts.dialogs ? { dialogs: opts.dialogs } : {}),
      orphansSettled: (deviceId, channelId) =>
        this.#orphans?.settled(deviceId, channelId) ?? Promise.resolve(),
      requestKeyframe: (deviceId, channelId) => this.#devices.forceKeyframe(deviceId, channelId),
    });
    this.#broadcasts = new Broadcasts({
      sessions: this.sessions,
      gatewayId: opts.ua.localId,
      log: opts.log.child({ part: 'broadcast' }),
    });
    this.voice =
      opts.voice &&
      new VoiceService({
        ...opts.voice,
        ua: opts.ua,
        messenger: new DeviceMessenger(opts.ua),
        sessions: this.sessions,
        store: opts.store,
        broadcasts: this.#broadcasts,
        gatewayId: opts.ua.localId,
        log: opts.log.child({ part: 'voice' }),
        checkChannel: (deviceId, channelId) => void this.#devices.channelOrThrow(deviceId, channelId),
        startLive: (deviceId, channelId) => this.startLive(deviceId, channelId),
      });
    this.#orphans = opts.dialogs
      ? new OrphanDialogs({
          ua: opts.ua,
          store: opts.dialogs,
          sessions: this.sessions,
          log: opts.log.child({ part: 'orphans' }),
          ...(opts.quarantineMediaPort ? { quarantinePort: opts.quarantineMediaPort } : {}),
        })
      : undefined;
    this.#inbox = new Inbox(
      this.sessions,
      {
        onMessage: (m, session, _req, answer) => this.#onManscdp(m, session, answer),
        storesBeforeAnswer: (m) => this.#events.storesBeforeAnswer(m),
        afterPending: (answer) => this.#events.afterPending(answer),
        isDialog: (callId) => this.#plays.hasDialog(callId),
        onDialogMessage: (callId, m) => this.#plays.handleDialogMessage(callId, m),
      },
      opts.log.child({ part: 'inbox' }),
    );
    this.#lifecycle = new DeviceLifecycle({
      sessions: this.sessions,
      store: opts.store,
      devices: this.#devices,
      commands: this.#commands,
      plays: this.#plays,
      broadcasts: this.#broadcasts,
      log: opts.log,
      syncCatalog: (deviceId) => this.syncCatalog(deviceId),
      keepalive: (deviceId, lateness) => opts.hooks?.keepalive?.(deviceId, lateness),
    });
    opts.ua.onRequest((req, tx) => this.#onRequest(req, tx));
    opts.ua.transport.onConnectionClose((info) => this.sessions.connectionClosed(info.connectionId));
    opts.ua.transport.keepConnection((id) => this.sessions.holdsConnection(id));
  }

  start(): void {
    this.#o.store.markAllOffline();
    const restored = this.sessions.restoreRegistrations();
    if (restored > 0) {
      this.#o.log.info(
        { restored },
        'registrations kept from before the restart; online at their next keepalive',
      );
    }
    this.sessions.start();
    this.#orphans?.endAll();
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
    this.#lifecycle.close();
    clearInterval(this.#catalogTimer);
    this.voice?.closeAll('shutdown');
    await this.#events.close();
    this.#plays.closeAll('shutdown');
    this.sessions.close();
    this.#devices.close();
    // Let the BYEs leave before the transport closes.
    await new Promise((r) => setTimeout(r, 50));
  }

  // ---------- SIP ----------

  /** The user agent's request handler, for a composition root that puts a dispatcher in front (cascade). */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    this.#onRequest(req, tx);
  }

  /** An ACK (for a 200 we sent to a device's broadcast INVITE). */
  handleAck(ack: SipRequest): void {
    this.#broadcasts.handleAck(ack);
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    switch (req.method) {
      case 'REGISTER':
        return this.#registrar.handle(req, tx);
      case 'NOTIFY': {
        // Our subscription's state first; the inbox answers 200 and applies the body as for a
        // MESSAGE (catalog changes, alarms, positions). A NOTIFY without a body (RFC 6665's
        // immediate one, or a terminated one) has nothing to apply.
        const sub = this.#events.noteNotify(req);
        if (sub && req.body.length === 0) {
          tx.respond(200);
          return;
        }
        return this.#inbox.handle(req, tx);
      }
      case 'MESSAGE':
        return this.#inbox.handle(req, tx);
      case 'BYE':
        if (this.#broadcasts.handleBye(req, tx)) {
          return;
        }
        return this.#plays.handleBye(req, tx);
      case 'INVITE':
        // Devices INVITE us only for voice broadcast audio (docs/gb28181.md §0, §9).
        if (this.voice) {
          return this.#broadcasts.handleInvite(req, tx);
        }
        tx.respond(488);
        return;
      case 'OPTIONS':
        tx.respond(200);
        return;
      case 'INFO':
        tx.respond(200);
        return;
      default:
        tx.respond(req.method === 'SUBSCRIBE' ? 488 : 405);
    }
  }

  #onManscdp(m: ManscdpMessage, session: DeviceSession, answer: InboxAnswer): void {
    if (this.#devices.deliver(m, session)) {
      answer();
      return;
    }
    switch (m.kind) {
      case 'Keepalive':
      case 'MediaStatus':
        return;
      case 'AlarmNotify':
        this.#events.alarm(m, session, answer);
        return;
      case 'MobilePositionNotify':
        this.#events.position(m, session, answer);
        return;
      case 'BroadcastResponse':
        this.#broadcasts.deliverResponse(m, session);
        return;
      default:
        this.#o.log.debug({ deviceId: session.deviceId, kind: m.kind }, 'MANSCDP message not handled');
    }
  }

  // ---------- devices ----------

  queryDeviceStatus(deviceId: string): Promise<DeviceStatusResponse> {
    return this.#devices.queryDeviceStatus(deviceId);
  }

  listDevices(): DeviceView[] {
    return this.#o.store.listDevices().map((d) => deviceView(this.#o.store, this.sessions, d.deviceId)!);
  }

  getDevice(deviceId: string): DeviceDetail | undefined {
    const view = deviceView(this.#o.store, this.sessions, deviceId);
    if (!view) {
      return undefined;
    }
    const info = this.#devices.infoOf(deviceId);
    const status = this.#devices.statusOf(deviceId);
    return { ...view, ...(info ? { info } : {}), ...(status ? { status } : {}) };
  }

  listChannels(deviceId: string): ChannelView[] | undefined {
    if (!this.#o.store.getDevice(deviceId)) {
      return undefined;
    }
    return this.#o.store.listChannels(deviceId).map(channelView);
  }

  syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }> {
    return this.#devices.syncCatalog(deviceId);
  }

  ptz(deviceId: string, channelId: string, request: PtzRequest): Promise<void> {
    return this.#devices.ptz(deviceId, channelId, request);
  }

  /** A PTZCmd as it is (a cascade forwards its upper's, docs/gb28181.md §5.2). */
  ptzCommand(deviceId: string, channelId: string, command: PtzCommand): Promise<void> {
    return this.#devices.ptzCommand(deviceId, channelId, command);
  }

  queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]> {
    return this.#devices.queryRecords(deviceId, channelId, start, end);
  }

  // ---------- control (ControlServices, device-commands.ts and device-admin.ts) ----------

  presets(deviceId: string, channelId: string): Promise<PresetView[]> {
    return this.#commands.presets(deviceId, channelId);
  }

  cruise(deviceId: string, channelId: string, request: CruiseRequest): Promise<void> {
    return this.#commands.cruise(deviceId, channelId, request);
  }

  scan(deviceId: string, channelId: string, request: ScanRequest): Promise<void> {
    return this.#commands.scan(deviceId, channelId, request);
  }

  aux(deviceId: string, channelId: string, request: AuxRequest): Promise<void> {
    return this.#commands.aux(deviceId, channelId, request);
  }

  dragZoom(deviceId: string, channelId: string, request: DragZoomRequest): Promise<void> {
    return this.#commands.dragZoom(deviceId, channelId, request);
  }

  homePosition(deviceId: string, channelId: string, request: HomePositionRequest): Promise<void> {
    return this.#commands.homePosition(deviceId, channelId, request);
  }

  deviceRecording(deviceId: string, channelId: string, action: 'start' | 'stop'): Promise<void> {
    return this.#commands.deviceRecording(deviceId, channelId, action);
  }

  keyframe(deviceId: string, channelId: string): Promise<void> {
    return this.#commands.keyframe(deviceId, channelId);
  }

  ptzPrecise(deviceId: string, channelId: string, request: PtzPreciseRequest): Promise<void> {
    return this.#commands.ptzPrecise(deviceId, channelId, request);
  }

  ptzPosition(deviceId: string, channelId: string): Promise<PtzPositionView> {
    return this.#commands.ptzPosition(deviceId, channelId);
  }

  reboot(deviceId: string): Promise<void> {
    return this.#commands.reboot(deviceId);
  }

  readConfig(deviceId: string, _type: 'BasicParam'): Promise<BasicParamView> {
    return this.#commands.readConfig(deviceId);
  }

  writeConfig(deviceId: string, update: BasicParamUpdate): Promise<void> {
    return this.#commands.writeConfig(deviceId, update);
  }

  updateDevice(deviceId: string, update: DeviceSettingsUpdate): Promise<DeviceDetail> {
    this.#admin.update(deviceId, update);
    return Promise.resolve(this.getDevice(deviceId)!);
  }

  forgetDevice(deviceId: string): Promise<void> {
    this.#admin.forget(deviceId);
    return Promise.resolve();
  }

  /** GuardCmd/AlarmCmd as given (a cascade forwards its upper's, docs/gb28181.md §5.3). */
  deviceControl(
    deviceId: string,
    targetId: string,
    command: Extract<ManscdpMessage, { kind: 'DeviceControl' }>['command'],
  ): Promise<'OK' | null> {
    return this.#devices.controlWithResult(deviceId, targetId, command);
  }

  // ---------- plays ----------

  /** The identity of an active play, to invite it again elsewhere. */
  playIdentity(streamId: string): PlayIdentity | undefined {
    return this.#plays.playIdentity(streamId);
  }

  /**
   * Ends the current dialog of `id.streamId` (BYE) if one is up, and invites the stream again
   * under the same ID, so URLs handed out stay valid (failover of a lost media node, a device
   * that restarted).
   */
  replay(id: PlayIdentity, cause: string): Promise<StreamView> {
    return this.#plays.replay(id, cause);
  }

  startLive(deviceId: string, channelId: string, stream?: LiveStream): Promise<StreamView> {
    return this.#plays.startLive(deviceId, channelId, stream);
  }

  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView> {
    return this.#plays.startPlayback(deviceId, channelId, start, end);
  }

  startDownload(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    speed: number,
  ): Promise<StreamView> {
    return this.#plays.startDownload(deviceId, channelId, start, end, speed);
  }

  listStreams(): StreamView[] {
    return this.#plays.listStreams();
  }

  getStream(streamId: string): StreamView | undefined {
    return this.#plays.getStream(streamId);
  }

  diagnosis(streamId: string): Diagnosis | undefined {
    return this.#plays.diagnosis(streamId);
  }

  controlPlayback(streamId: string, control: PlaybackControl): Promise<void> {
    return this.#plays.controlPlayback(streamId, control);
  }

  stopStream(streamId: string): Promise<void> {
    return this.#plays.stopStream(streamId);
  }

  get stats() {
    return {
      inbox: this.#inbox.stats,
      pendingQueries: this.#devices.pendingCount,
      plays: this.#plays.size,
      events: this.#events.stats,
    };
  }
}
