// Upper → device queries and control (docs/gb28181.md §3, §4, §5): DeviceInfo, DeviceStatus, the
// catalog sync, record searches, PTZ and keyframe requests; and the device's answers, matched
// to the pending query by device, CmdType and SN. Keeps the last DeviceInfo/DeviceStatus for
// the device view.
import type { SipUserAgent } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import { GatewayError } from '../../errors.js';
import type { DeviceStore } from '../../store/device-store.js';
import type { PtzRequest, RecordItem } from '../../views/services.js';
import type { CatalogItem, CatalogResponse } from '../manscdp/catalog.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { RecordInfoResponse, RecordItem as GbRecordItem } from '../manscdp/record.js';
import type { DeviceInfoResponse, DeviceStatusResponse } from '../manscdp/device.js';
import type { DeviceControlResponse } from '../manscdp/control.js';
import { buildPtzCmd, type PtzCommand } from '../ptz.js';
import { epochSecondsToGbTime, gbTimeToEpochSeconds } from '../gb-date.js';
import { applyCatalogEvents, toChannelInput, type ChannelChange } from './catalog-channels.js';
import { DeviceMessenger } from './device-messenger.js';
import type { DeviceSession, DeviceSessions } from './device-sessions.js';
import { ptzCommandOf } from './ptz-request.js';
import { QueryTimeoutError, QueryTracker } from './query-tracker.js';
import { catalogItemKey, recordItemKey } from '../manscdp/multi-response.js';

export interface DeviceQueriesOptions {
  ua: SipUserAgent;
  store: DeviceStore;
  sessions: DeviceSessions;
  log: Logger;
  timeZone: string;
  queryTimeoutMs?: number;
  /** A catalog notification changed a channel's status (the `channel` event). */
  onChannelChange?(deviceId: string, ...change: Parameters<ChannelChange>): void;
}

/** The answer CmdType each response message completes. */
const ANSWER_CMD_TYPE = {
  DeviceInfoResponse: 'DeviceInfo',
  DeviceStatusResponse: 'DeviceStatus',
  RecordInfoResponse: 'RecordInfo',
  PresetQueryResponse: 'PresetQuery',
  DeviceControlResponse: 'DeviceControl',
  ConfigDownloadResponse: 'ConfigDownload',
  DeviceConfigResponse: 'DeviceConfig',
  PtzPositionResponse: 'PTZPosition',
} as const;

export class DeviceQueries {
  readonly #o: DeviceQueriesOptions;
  /** Pending answers by (device, CmdType, SN); device-commands.ts registers its own here too. */
  readonly queries = new QueryTracker();
  readonly #messenger: DeviceMessenger;
  readonly #deviceInfo = new Map<string, Record<string, string>>();
  readonly #deviceStatus = new Map<string, Record<string, string>>();

  constructor(opts: DeviceQueriesOptions) {
    this.#o = opts;
    this.#messenger = new DeviceMessenger(opts.ua);
  }

  get pendingCount(): number {
    return this.queries.pendingCount;
  }

  close(): void {
    this.queries.close();
  }

  /** The last DeviceInfo answer, flattened to strings. */
  infoOf(deviceId: string): Record<string, string> | undefined {
    return this.#deviceInfo.get(deviceId);
  }

  /** The last DeviceStatus answer, flattened to strings. */
  statusOf(deviceId: string): Record<string, string> | undefined {
    return this.#deviceStatus.get(deviceId);
  }

  /**
   * A device's answer or catalog notification. Returns false for a message that is neither,
   * for the caller to handle.
   */
  deliver(m: ManscdpMessage, session: DeviceSession): boolean {
    switch (m.kind) {
      case 'CatalogResponse':
        if (!this.queries.deliver(session.deviceId, 'Catalog', m.sn, m)) {
          // Unsolicited or late: add and update, never delete (Tiandy, wvp #1425).
          this.#o.store.upsertChannels(session.deviceId, m.items.map(toChannelInput));
        }
        return true;
      case 'CatalogNotify':
        applyCatalogEvents(this.#o.store, session.deviceId, m, (...change) =>
          this.#o.onChannelChange?.(session.deviceId, ...change),
        );
        return true;
      case 'DeviceInfoResponse':
      case 'DeviceStatusResponse':
      case 'RecordInfoResponse':
      case 'PresetQueryResponse':
      case 'DeviceControlResponse':
      case 'ConfigDownloadResponse':
      case 'DeviceConfigResponse':
      case 'PtzPositionResponse':
        this.queries.deliver(session.deviceId, ANSWER_CMD_TYPE[m.kind], m.sn, m);
        if (m.kind === 'DeviceInfoResponse') {
          this.#recordDeviceInfo(session.deviceId, m);
        }
        return true;
      default:
        return false;
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

  /**
   * The device's live session; GW_ERR_DEVICE_NOT_FOUND or GW_ERR_DEVICE_OFFLINE otherwise. A
   * registration kept across a restart of ours (restored, not heard from yet) counts: nothing
   * changed on the device's side, so requests go to it as before instead of 409s until its next
   * keepalive (issue #20 point 4); a device that is really gone times out instead.
   */
  online(deviceId: string): DeviceSession {
    const session = this.#o.sessions.get(deviceId);
    if (!this.#o.store.getDevice(deviceId) && !session) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    if (!session?.online && !session?.restored) {
      throw new GatewayError('GW_ERR_DEVICE_OFFLINE', `device ${deviceId} is offline`);
    }
    return session;
  }

  /** As online(), and the channel must be in the device's catalog. */
  channelOrThrow(deviceId: string, channelId: string): DeviceSession {
    const session = this.online(deviceId);
    if (!this.#o.store.getChannel(deviceId, channelId)) {
      throw new GatewayError('GW_ERR_CHANNEL_NOT_FOUND', `device ${deviceId} has no channel ${channelId}`);
    }
    return session;
  }

  /** The device is forgotten: its pending queries fail and its last answers are dropped. */
  forget(deviceId: string): void {
    this.queries.cancelDevice(
      deviceId,
      new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `device ${deviceId} forgotten`),
    );
    this.#deviceInfo.delete(deviceId);
    this.#deviceStatus.delete(deviceId);
  }

  /** Sends a MANSCDP MESSAGE; a 408 or a non-2xx final answer becomes the API error. */
  async ask(session: DeviceSession, message: ManscdpMessage, targetId?: string): Promise<void> {
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
  async askAndAwait<T>(
    session: DeviceSession,
    message: ManscdpMessage & { sn: string },
    cmdType: string,
    answer: Promise<T>,
    targetId?: string,
  ): Promise<T> {
    answer.catch(() => undefined);
    try {
      await this.ask(session, message, targetId);
    } catch (err) {
      this.queries.cancel(session.deviceId, cmdType, message.sn, err as Error);
      throw err;
    }
    return answer;
  }

  async queryDeviceInfo(deviceId: string): Promise<DeviceInfoResponse> {
    const session = this.online(deviceId);
    const sn = this.queries.nextSn();
    const answer = this.queries.single<DeviceInfoResponse>(
      deviceId,
      'DeviceInfo',
      sn,
      this.#o.queryTimeoutMs ?? 10_000,
    );
    return this.askAndAwait(session, { kind: 'DeviceInfoQuery', sn, deviceId }, 'DeviceInfo', answer);
  }

  async queryDeviceStatus(deviceId: string): Promise<DeviceStatusResponse> {
    const session = this.online(deviceId);
    const sn = this.queries.nextSn();
    const answer = this.queries.single<DeviceStatusResponse>(
      deviceId,
      'DeviceStatus',
      sn,
      this.#o.queryTimeoutMs ?? 10_000,
    );
    const status = await this.askAndAwait(
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

  async syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }> {
    const session = this.online(deviceId);
    const sn = this.queries.nextSn();
    const pages = this.queries.paged<CatalogResponse, CatalogItem>(deviceId, 'Catalog', sn, {
      pageOf: (m) => ({ sumNum: m.sumNum, items: m.items }),
      itemKey: catalogItemKey,
      timeoutMs: this.#o.queryTimeoutMs ?? 30_000,
      quietMs: 5_000,
    });
    let result;
    try {
      result = await this.askAndAwait(session, { kind: 'CatalogQuery', sn, deviceId }, 'Catalog', pages);
    } catch (err) {
      if (err instanceof QueryTimeoutError) {
        throw new GatewayError('GW_ERR_DEVICE_TIMEOUT', `device ${deviceId} sent no catalog`);
      }
      throw err;
    }
    // Only a complete answer to our own query replaces the channel set (docs/gb28181.md §3.2).
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

  async ptz(deviceId: string, channelId: string, request: PtzRequest): Promise<void> {
    await this.ptzCommand(deviceId, channelId, ptzCommandOf(request));
  }

  /** A PTZCmd as it is (a cascade forwards its upper's, docs/gb28181.md §5.2). */
  async ptzCommand(deviceId: string, channelId: string, command: PtzCommand): Promise<void> {
    const session = this.channelOrThrow(deviceId, channelId);
    const cmd = buildPtzCmd(command);
    if (!cmd.ok) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', cmd.detail);
    }
    await this.ask(
      session,
      {
        kind: 'DeviceControl',
        sn: this.queries.nextSn(),
        deviceId: channelId,
        command: { type: 'PTZCmd', ptz: command },
        controlPriority: 5,
      },
      channelId,
    );
  }

  /**
   * A DeviceControl the device answers with a <Response> (GuardCmd, AlarmCmd; docs/gb28181.md §5.1),
   * addressed to `targetId` (the device, a channel or an alarm input). Waits up to `waitMs` for
   * that Response: 'OK' when it confirmed, null when only the SIP 200 came (devices that skip the
   * Response, as many skip it for alarms); GW_ERR_DEVICE_REJECTED when it answered ERROR.
   */
  async controlWithResult(
    deviceId: string,
    targetId: string,
    command: Extract<ManscdpMessage, { kind: 'DeviceControl' }>['command'],
    waitMs = 5000,
  ): Promise<'OK' | null> {
    const session = this.online(deviceId);
    const sn = this.queries.nextSn();
    const answer = this.queries.single<DeviceControlResponse>(deviceId, 'DeviceControl', sn, waitMs);
    try {
      const res = await this.askAndAwait(
        session,
        { kind: 'DeviceControl', sn, deviceId: targetId, command },
        'DeviceControl',
        answer,
        targetId,
      );
      if (res.result !== 'OK') {
        throw new GatewayError('GW_ERR_DEVICE_REJECTED', `device answered ${command.type} with Result ERROR`);
      }
      return 'OK';
    } catch (err) {
      if (err instanceof QueryTimeoutError) {
        return null;
      }
      throw err;
    }
  }

  /** A fresh SN for requests built elsewhere (subscriptions), unique among pending queries. */
  nextSn(): string {
    return this.queries.nextSn();
  }

  /** IFameCmd (docs/gb28181.md §5.3): fire and forget; a device that is offline is skipped. */
  forceKeyframe(deviceId: string, channelId: string): void {
    const session = this.#o.sessions.get(deviceId);
    if (!session?.online) {
      return;
    }
    this.#messenger
      .send(
        session,
        {
          kind: 'DeviceControl',
          sn: this.queries.nextSn(),
          deviceId: channelId,
          command: { type: 'IFameCmd' },
        },
        channelId,
      )
      .catch(() => undefined);
  }

  async queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]> {
    const session = this.channelOrThrow(deviceId, channelId);
    const tz = this.#o.timeZone;
    const sn = this.queries.nextSn();
    const pages = this.queries.paged<RecordInfoResponse, GbRecordItem>(deviceId, 'RecordInfo', sn, {
      pageOf: (m) => ({ sumNum: m.sumNum, items: m.items }),
      itemKey: recordItemKey,
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
      result = await this.askAndAwait(session, request, 'RecordInfo', pages, channelId);
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
}
