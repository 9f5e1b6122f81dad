// The gateway as a GB/T 28181 upper platform: lower platforms register here, keep alive, share
// catalogs and stream on request. Its parts (upper-parts.ts: registration, device queries, what
// follows registration changes, plays, voice, events) take requests from the SIP user agent
// through request-dispatch.ts; this class starts and closes them and exposes them as
// GatewayServices for the API.
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
import type { DeviceAdmin } from './device-admin.js';
import type { DeviceLifecycle } from './device-lifecycle.js';
import type { DeviceCommands } from './device-commands.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSessions } from './device-sessions.js';
import { deviceView } from './device-views.js';
import type { Plays } from './plays.js';
import type { OrphanDialogs } from './orphan-dialogs.js';
import type { VoiceService } from './broadcast/voice-service.js';
import type { DeviceEventControl } from '../../views/events.js';
import type { DeviceSubscriptions } from './subscriptions/device-subscriptions.js';
import type { UpperEvents } from './upper-events.js';
import type { UpperPlatformOptions } from './upper-platform-options.js';
import { buildUpperParts } from './upper-parts.js';
import type { UpperRequestDispatch } from './request-dispatch.js';

export type { PlayIdentity } from './active-play.js';
export type { UpperPlatformOptions } from './upper-platform-options.js';

export class UpperPlatform implements GatewayServices, ControlServices {
  readonly sessions: DeviceSessions;
  /** Voice broadcast and talk; undefined when not configured. */
  readonly voice: VoiceService | undefined;
  /** Subscriptions, guard and alarm reset, for the events API. */
  readonly deviceEvents: DeviceEventControl;
  readonly subscriptions: DeviceSubscriptions;
  readonly #events: UpperEvents;
  readonly #o: UpperPlatformOptions;
  readonly #requests: UpperRequestDispatch;
  readonly #devices: DeviceQueries;
  readonly #commands: DeviceCommands;
  readonly #admin: DeviceAdmin;
  readonly #plays: Plays;
  readonly #orphans: OrphanDialogs | undefined;
  readonly #lifecycle: DeviceLifecycle;
  #catalogTimer: NodeJS.Timeout | undefined;

  constructor(opts: UpperPlatformOptions) {
    this.#o = opts;
    const parts = buildUpperParts(opts, {
      syncCatalog: (deviceId) => this.syncCatalog(deviceId),
      startLive: (deviceId, channelId) => this.startLive(deviceId, channelId),
    });
    this.sessions = parts.sessions;
    this.voice = parts.voice;
    this.#events = parts.events;
    this.subscriptions = parts.events.subscriptions;
    this.deviceEvents = parts.events.control;
    this.#requests = parts.requests;
    this.#devices = parts.devices;
    this.#commands = parts.commands;
    this.#admin = parts.admin;
    this.#plays = parts.plays;
    this.#orphans = parts.orphans;
    this.#lifecycle = parts.lifecycle;
    opts.ua.onRequest((req, tx) => this.#requests.handle(req, tx));
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
    this.#requests.handle(req, tx);
  }

  /** An ACK (for a 200 we sent to a device's broadcast INVITE). */
  handleAck(ack: SipRequest): void {
    this.#requests.ack(ack);
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
      inbox: this.#requests.inboxStats,
      pendingQueries: this.#devices.pendingCount,
      plays: this.#plays.size,
      events: this.#events.stats,
    };
  }
}
