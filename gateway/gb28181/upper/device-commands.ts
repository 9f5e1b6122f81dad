// Operator commands to a device beyond moves and presets (docs/gb28181.md §4, §5): the preset list,
// cruise, scan, auxiliary switches, drag-zoom, home position, device recording, keyframe, reboot,
// configuration, and the 2022 precise PTZ. Each becomes one MANSCDP MESSAGE; the ones the
// standard answers with a <Response> wait for it (matched by SN, docs/gb28181.md §0).
import type { Logger } from '../../log.js';
import { GatewayError } from '../../errors.js';
import type { DeviceStore } from '../../store/device-store.js';
import type {
  AuxRequest,
  BasicParamUpdate,
  BasicParamView,
  CruiseRequest,
  DragZoomRequest,
  HomePositionRequest,
  PresetView,
  PtzPositionView,
  PtzPreciseRequest,
  ScanRequest,
} from '../../views/control.js';
import type { BasicParam, ConfigDownloadResponse, DeviceConfigResponse } from '../manscdp/config.js';
import type { DeviceControlCommand } from '../manscdp/control.js';
import type { PresetItem, PresetQueryResponse } from '../manscdp/device.js';
import type { PtzPositionResponse } from '../manscdp/ptz-position.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSessions } from './device-sessions.js';
import { auxCommandOf, cruiseCommandOf, scanCommandOf } from './ptz-request.js';
import { QueryTimeoutError } from './query-tracker.js';

export interface DeviceCommandsOptions {
  queries: DeviceQueries;
  sessions: DeviceSessions;
  store: DeviceStore;
  log: Logger;
  /** Wait for a <Response>. Default 10 000 ms. */
  answerTimeoutMs?: number;
  /** Quiet time that ends a preset list sent in pages without a total. Default 1 000 ms. */
  presetQuietMs?: number;
}

export class DeviceCommands {
  readonly #o: DeviceCommandsOptions;

  constructor(opts: DeviceCommandsOptions) {
    this.#o = opts;
  }

  get #timeoutMs(): number {
    return this.#o.answerTimeoutMs ?? 10_000;
  }

  /** PresetQuery to the channel; the list may come in several MESSAGEs (multi-response, quirk 24). */
  async presets(deviceId: string, channelId: string): Promise<PresetView[]> {
    const q = this.#o.queries;
    const session = q.channelOrThrow(deviceId, channelId);
    const sn = q.queries.nextSn();
    const pages = q.queries.paged<PresetQueryResponse, PresetItem>(deviceId, 'PresetQuery', sn, {
      pageOf: (m) => ({ sumNum: m.sumNum ?? m.presets.length, items: m.presets }),
      itemKey: (p) => String(p.presetId),
      timeoutMs: this.#timeoutMs,
      quietMs: this.#o.presetQuietMs ?? 1000,
    });
    const result = await this.#answer(
      q.askAndAwait(
        session,
        { kind: 'PresetQuery', sn, deviceId: channelId },
        'PresetQuery',
        pages,
        channelId,
      ),
      deviceId,
      'PresetQuery',
    );
    return result.items
      .map((p) => ({ index: p.presetId, name: p.presetName ?? null }))
      .sort((a, b) => a.index - b.index);
  }

  cruise(deviceId: string, channelId: string, request: CruiseRequest): Promise<void> {
    return this.#o.queries.ptzCommand(deviceId, channelId, cruiseCommandOf(request));
  }

  scan(deviceId: string, channelId: string, request: ScanRequest): Promise<void> {
    return this.#o.queries.ptzCommand(deviceId, channelId, scanCommandOf(request));
  }

  aux(deviceId: string, channelId: string, request: AuxRequest): Promise<void> {
    return this.#o.queries.ptzCommand(deviceId, channelId, auxCommandOf(request));
  }

  /** DragZoomIn/Out: the SIP 200 is the only answer (docs/gb28181.md §5.1). */
  dragZoom(deviceId: string, channelId: string, r: DragZoomRequest): Promise<void> {
    const { direction, ...box } = r;
    return this.#control(deviceId, channelId, { type: 'DragZoom', zoom: direction, ...box });
  }

  /** HomePosition: answered with a <Result>. */
  homePosition(deviceId: string, channelId: string, r: HomePositionRequest): Promise<void> {
    return this.#controlWithResult(deviceId, channelId, {
      type: 'HomePosition',
      enabled: r.enabled,
      resetTime: r.resetTimeSec,
      presetIndex: r.presetIndex,
    });
  }

  /** RecordCmd to the channel: answered with a <Result>. */
  deviceRecording(deviceId: string, channelId: string, action: 'start' | 'stop'): Promise<void> {
    return this.#controlWithResult(deviceId, channelId, {
      type: 'RecordCmd',
      action: action === 'start' ? 'Record' : 'StopRecord',
    });
  }

  /** IFameCmd to the channel, waiting for its SIP 200. */
  keyframe(deviceId: string, channelId: string): Promise<void> {
    return this.#control(deviceId, channelId, { type: 'IFameCmd' });
  }

  /** TeleBoot goes to the device ID (docs/gb28181.md §5.3); only the SIP 200 comes back. */
  async reboot(deviceId: string): Promise<void> {
    const q = this.#o.queries;
    const session = q.online(deviceId);
    await q.ask(session, {
      kind: 'DeviceControl',
      sn: q.queries.nextSn(),
      deviceId,
      command: { type: 'TeleBoot' },
    });
    this.#o.log.info({ deviceId }, 'TeleBoot sent');
  }

  /** 2022 PTZPreciseCtrl (docs/gb28181.md §5.4): SIP 200 only. */
  ptzPrecise(deviceId: string, channelId: string, r: PtzPreciseRequest): Promise<void> {
    this.#require2022(deviceId, 'PTZPreciseCtrl');
    return this.#control(deviceId, channelId, { type: 'PTZPrecise', ...r });
  }

  /** 2022 PTZPosition query. */
  async ptzPosition(deviceId: string, channelId: string): Promise<PtzPositionView> {
    this.#require2022(deviceId, 'PTZPosition');
    const q = this.#o.queries;
    const session = q.channelOrThrow(deviceId, channelId);
    const sn = q.queries.nextSn();
    const answer = q.queries.single<PtzPositionResponse>(deviceId, 'PTZPosition', sn, this.#timeoutMs);
    const m = await this.#answer(
      q.askAndAwait(
        session,
        { kind: 'PtzPositionQuery', sn, deviceId: channelId },
        'PTZPosition',
        answer,
        channelId,
      ),
      deviceId,
      'PTZPosition',
    );
    return {
      pan: m.pan ?? null,
      tilt: m.tilt ?? null,
      zoom: m.zoom ?? null,
      horizontalFieldAngle: m.horizontalFieldAngle ?? null,
      verticalFieldAngle: m.verticalFieldAngle ?? null,
      maxViewDistance: m.maxViewDistance ?? null,
    };
  }

  /**
   * ConfigDownload BasicParam to the device ID. The keepalive interval and count it reports
   * replace the global ones for this device's offline detection (docs/gb28181.md §2 "Timing").
   */
  async readConfig(deviceId: string): Promise<BasicParamView> {
    const q = this.#o.queries;
    const session = q.online(deviceId);
    const sn = q.queries.nextSn();
    const answer = q.queries.single<ConfigDownloadResponse>(deviceId, 'ConfigDownload', sn, this.#timeoutMs);
    const m = await this.#answer(
      q.askAndAwait(
        session,
        { kind: 'ConfigDownloadQuery', sn, deviceId, configType: 'BasicParam' },
        'ConfigDownload',
        answer,
      ),
      deviceId,
      'ConfigDownload',
    );
    if (m.result === 'ERROR' || !m.basicParam) {
      throw new GatewayError('GW_ERR_DEVICE_REJECTED', `device ${deviceId} sent no BasicParam`);
    }
    const p = m.basicParam;
    this.#useHeartbeat(deviceId, p);
    return {
      type: 'BasicParam',
      name: p.name ?? null,
      expiration: p.expiration ?? null,
      heartbeatInterval: p.heartBeatInterval ?? null,
      heartbeatCount: p.heartBeatCount ?? null,
      sipServerId: p.sipServerId ?? null,
      sipServerIp: p.sipServerIp ?? null,
      sipServerPort: p.sipServerPort ?? null,
      domainName: p.domainName ?? null,
    };
  }

  /** DeviceConfig BasicParam to the device ID (quirk 17), answered with a <Result>. */
  async writeConfig(deviceId: string, u: BasicParamUpdate): Promise<void> {
    const q = this.#o.queries;
    const session = q.online(deviceId);
    const sn = q.queries.nextSn();
    const basicParam: BasicParam = {
      ...(u.name === undefined ? {} : { name: u.name }),
      ...(u.expiration === undefined ? {} : { expiration: u.expiration }),
      ...(u.heartbeatInterval === undefined ? {} : { heartBeatInterval: u.heartbeatInterval }),
      ...(u.heartbeatCount === undefined ? {} : { heartBeatCount: u.heartbeatCount }),
    };
    const answer = q.queries.single<DeviceConfigResponse>(deviceId, 'DeviceConfig', sn, this.#timeoutMs);
    const m = await this.#answer(
      q.askAndAwait(session, { kind: 'DeviceConfig', sn, deviceId, basicParam }, 'DeviceConfig', answer),
      deviceId,
      'DeviceConfig',
    );
    if (m.result !== 'OK') {
      throw new GatewayError('GW_ERR_DEVICE_REJECTED', `device ${deviceId} answered DeviceConfig with ERROR`);
    }
    // The device keeps alive at its new pace from now on: detect silence at that pace too.
    const stored = this.#o.store.getDevice(deviceId);
    this.#useHeartbeat(deviceId, {
      heartBeatInterval: u.heartbeatInterval ?? stored?.heartbeatIntervalSec ?? undefined,
      heartBeatCount: u.heartbeatCount ?? stored?.heartbeatCount ?? undefined,
    });
  }

  #useHeartbeat(deviceId: string, p: Pick<BasicParam, 'heartBeatInterval' | 'heartBeatCount'>): void {
    const { heartBeatInterval: intervalSec, heartBeatCount: count } = p;
    if (intervalSec === undefined || count === undefined) {
      return;
    }
    const sessions = this.#o.sessions;
    sessions.setHeartbeat(deviceId, { intervalSec, count });
    const used = sessions.heartbeatOf(deviceId);
    if (used.intervalSec === intervalSec && used.count === count) {
      this.#o.store.upsertDevice(deviceId, { heartbeatIntervalSec: intervalSec, heartbeatCount: count });
      this.#o.log.info(
        { deviceId, intervalSec, count },
        "offline detection follows the device's keepalive timing",
      );
    } else {
      this.#o.log.warn(
        { deviceId, intervalSec, count },
        'implausible keepalive timing from the device ignored',
      );
    }
  }

  #require2022(deviceId: string, what: string): void {
    const edition = this.#o.store.getDevice(deviceId)?.gbVersion;
    if (edition !== '2022') {
      throw new GatewayError(
        'GW_ERR_DEVICE_UNSUPPORTED',
        `${what} is a GB/T 28181-2022 command; device ${deviceId} reports ${edition ? `the ${edition}` : 'no'} edition ` +
          '(set gbVersion with PATCH /api/devices/:deviceId if it is a 2022 device that sends no X-GB-Ver)',
      );
    }
  }

  /** A control whose only answer is the SIP 200. */
  async #control(deviceId: string, channelId: string, command: DeviceControlCommand): Promise<void> {
    const q = this.#o.queries;
    const session = q.channelOrThrow(deviceId, channelId);
    await q.ask(
      session,
      { kind: 'DeviceControl', sn: q.queries.nextSn(), deviceId: channelId, command },
      channelId,
    );
  }

  /**
   * A control the standard answers with a DeviceControl <Response> (docs/gb28181.md §5.1): ERROR
   * is GW_ERR_DEVICE_REJECTED (device-queries.ts), no Response in time GW_ERR_DEVICE_TIMEOUT.
   */
  async #controlWithResult(
    deviceId: string,
    channelId: string,
    command: DeviceControlCommand,
  ): Promise<void> {
    const q = this.#o.queries;
    q.channelOrThrow(deviceId, channelId);
    if ((await q.controlWithResult(deviceId, channelId, command, this.#timeoutMs)) === null) {
      throw new GatewayError('GW_ERR_DEVICE_TIMEOUT', `device ${deviceId} did not answer ${command.type}`);
    }
  }

  /** A missing <Response> is the device's timeout, not an internal error. */
  async #answer<T>(pending: Promise<T>, deviceId: string, what: string): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (err instanceof QueryTimeoutError) {
        throw new GatewayError('GW_ERR_DEVICE_TIMEOUT', `device ${deviceId} did not answer ${what}`);
      }
      throw err;
    }
  }
}
