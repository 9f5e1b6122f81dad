// What a lower platform does with a MANSCDP Query/Control from its upper after the immediate SIP
// 200 (docs/gb28181.md §0 "Two-step answers"): fetch the content from the backend and send the answer
// as new device-initiated MESSAGEs (Catalog §3, DeviceInfo/DeviceStatus/PresetQuery/ConfigDownload
// §4, DeviceControl/DeviceConfig §5, RecordInfo §6, the 2022 PTZPosition §5.4). Never throws: a
// backend failure is logged and answered with what the message kind allows (an empty page or
// <Result>ERROR</Result>).
import type { Logger } from '../../log.js';
import { epochMsOf, formatGbDateTime, parseGbDateTime, wallClockAt } from '../gb-date.js';
import type { CatalogItem } from '../manscdp/catalog.js';
import type { BasicParam } from '../manscdp/config.js';
import type { DeviceControl } from '../manscdp/control.js';
import type { RecordInfoQuery, RecordItem } from '../manscdp/record.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { PtzCommand } from '../ptz.js';
import type { LowerBackend, LowerChannel, LowerRecord } from './backend.js';
import { catalogItemOf } from './catalog-item.js';
import { sendPaged, type PagingFaults } from './paged-sender.js';
import type { UpperLink } from './upper-link.js';

export interface QueryResponderOptions {
  link: UpperLink;
  backend: LowerBackend;
  /** IANA zone of the device's wall clock (RecordInfo times, DeviceTime). */
  timeZone: string;
  /** The device clock (epoch ms), which time sync may have shifted from the host's. */
  now: () => number;
  paging?: PagingFaults;
  log: Logger;
  /** Observers for tests and the simulator's stats. */
  onQuery?(cmdType: string, sn: string): void;
  onPtz?(channelId: string, command: PtzCommand): void;
  onControl?(channelId: string, control: DeviceControl['command']['type']): void;
  /** The platform's own BasicParam (name, expiry, keepalive timing) for ConfigDownload. */
  basicParam(): BasicParam | Promise<BasicParam>;
  /** DeviceConfig BasicParam: apply what the platform can; false answers ERROR. */
  applyBasicParam(p: BasicParam): boolean;
  /** TeleBoot, after the backend saw it: the platform restarts. */
  onTeleBoot?(): void;
  /** The upper's <Response> CmdType=Alarm to one of our alarms. */
  onAlarmResponse?(info: { sn: string; deviceId: string; result: string }): void;
}

export class QueryResponder {
  readonly #o: QueryResponderOptions;

  constructor(opts: QueryResponderOptions) {
    this.#o = opts;
  }

  /** Handle one parsed message (already answered 200). Resolves when every answer page was sent. */
  async handle(message: ManscdpMessage): Promise<void> {
    this.#o.onQuery?.(message.kind === 'Unknown' ? message.cmdType : message.kind, message.sn);
    try {
      await this.#dispatch(message);
    } catch (err) {
      this.#o.log.warn({ err, kind: message.kind, sn: message.sn }, 'answering a query failed');
    }
  }

  async #dispatch(m: ManscdpMessage): Promise<void> {
    const { link, backend } = this.#o;
    switch (m.kind) {
      case 'CatalogQuery': {
        const channels = await backend.channels();
        await sendPaged(
          link,
          channels.map((c) => this.#catalogItem(c)),
          link.profile.catalogPageSize,
          (items, sumNum) => ({ kind: 'CatalogResponse', sn: m.sn, deviceId: link.localId, sumNum, items }),
          this.#o.paging,
        );
        return;
      }
      case 'DeviceInfoQuery': {
        const [info, channels] = await Promise.all([backend.deviceInfo(), backend.channels()]);
        await link.sendManscdp({
          kind: 'DeviceInfoResponse',
          sn: m.sn,
          deviceId: link.localId,
          result: 'OK',
          ...info,
          channel: channels.length,
        });
        return;
      }
      case 'DeviceStatusQuery': {
        const s = await backend.deviceStatus();
        await link.sendManscdp({
          kind: 'DeviceStatusResponse',
          sn: m.sn,
          deviceId: link.localId,
          result: 'OK',
          online: s.online ? 'ONLINE' : 'OFFLINE',
          status: s.ok ? 'OK' : 'ERROR',
          deviceTime: formatGbDateTime(wallClockAt(this.#o.now(), this.#o.timeZone)),
          alarmStatus: [],
          encode: s.encode ? 'ON' : 'OFF',
          record: s.record ? 'ON' : 'OFF',
        });
        return;
      }
      case 'PresetQuery': {
        const presets = await backend.presets(m.deviceId);
        // A long list in pages with SumNum, like a catalog (docs/gb28181.md §4).
        await sendPaged(
          link,
          presets.map((p) => ({ presetId: p.index, presetName: p.name })),
          link.profile.presetPageSize,
          (items, sumNum) => ({
            kind: 'PresetQueryResponse',
            sn: m.sn,
            deviceId: m.deviceId,
            sumNum,
            presets: items,
          }),
          this.#o.paging,
        );
        return;
      }
      case 'ConfigDownloadQuery': {
        const basic = m.configType.split('/').some((t) => t.trim().toLowerCase() === 'basicparam');
        await link.sendManscdp({
          kind: 'ConfigDownloadResponse',
          sn: m.sn,
          deviceId: link.localId,
          result: basic ? 'OK' : 'ERROR',
          ...(basic ? { basicParam: await this.#o.basicParam() } : {}),
        });
        return;
      }
      case 'DeviceConfig':
        await link.sendManscdp({
          kind: 'DeviceConfigResponse',
          sn: m.sn,
          deviceId: m.deviceId,
          result: this.#o.applyBasicParam(m.basicParam) ? 'OK' : 'ERROR',
        });
        return;
      case 'PtzPositionQuery': {
        // A 2022 query: a device that reports no 2022 edition does not know it.
        const position =
          link.profile.gbVersionHeader === '3.0' ? await backend.ptzPosition?.(m.deviceId) : undefined;
        if (position) {
          await link.sendManscdp({
            kind: 'PtzPositionResponse',
            sn: m.sn,
            deviceId: m.deviceId,
            ...position,
          });
        }
        return;
      }
      case 'RecordInfoQuery':
        await this.#recordInfo(m);
        return;
      case 'DeviceControl':
        await this.#control(m);
        return;
      case 'AlarmResponse':
        this.#o.onAlarmResponse?.({ sn: m.sn, deviceId: m.deviceId, result: m.result });
        return;
      case 'CatalogResponse':
      case 'CatalogNotify':
      case 'Keepalive':
      case 'DeviceInfoResponse':
      case 'DeviceStatusResponse':
      case 'PresetQueryResponse':
      case 'DeviceControlResponse':
      case 'ConfigDownloadResponse':
      case 'DeviceConfigResponse':
      case 'PtzPositionResponse':
      case 'RecordInfoResponse':
      case 'MediaStatus':
      case 'AlarmNotify':
      case 'AlarmQuery':
      case 'MobilePositionNotify':
      case 'MobilePositionQuery':
      case 'BroadcastNotify':
      case 'BroadcastResponse':
      case 'Unknown':
        // Notifies and responses from the upper, and kinds we do not serve: the 200 was enough.
        return;
    }
  }

  async #recordInfo(q: RecordInfoQuery): Promise<void> {
    const { link, backend, timeZone } = this.#o;
    const start = parseGbDateTime(q.startTime);
    const end = parseGbDateTime(q.endTime);
    const channel = (await backend.channels()).find((c) => c.channelId === q.deviceId);
    let records: readonly LowerRecord[] = [];
    if (start.ok && end.ok && channel) {
      records = await backend.records(
        q.deviceId,
        epochMsOf(start.value, timeZone),
        epochMsOf(end.value, timeZone),
      );
      if (q.type && q.type !== 'all') {
        records = records.filter((r) => r.type === q.type);
      }
    }
    const items = records.map((r) => this.#recordItem(r));
    await sendPaged(
      link,
      items,
      link.profile.recordPageSize,
      (page, sumNum) => ({
        kind: 'RecordInfoResponse',
        sn: q.sn,
        deviceId: q.deviceId,
        ...(channel ? { name: channel.name } : {}),
        sumNum,
        items: page,
      }),
      this.#o.paging,
    );
  }

  async #control(m: DeviceControl): Promise<void> {
    const { link, backend } = this.#o;
    const c = m.command;
    this.#o.onControl?.(m.deviceId, c.type);
    switch (c.type) {
      case 'PTZCmd':
        this.#o.onPtz?.(m.deviceId, c.ptz);
        await backend.ptz(m.deviceId, c.ptz);
        return; // no MANSCDP answer (docs/gb28181.md §5.1)
      case 'IFameCmd':
        await backend.forceKeyframe(m.deviceId);
        return;
      case 'TeleBoot':
        await backend.deviceControl?.(m.deviceId, c);
        this.#o.onTeleBoot?.();
        return;
      case 'DragZoom':
      case 'PTZPrecise':
        await backend.deviceControl?.(m.deviceId, c);
        return; // SIP 200 only (docs/gb28181.md §5.1)
      case 'GuardCmd':
      case 'AlarmCmd': {
        // The backend decides (a cascade forwards it to the device behind the channel).
        let result: 'OK' | 'ERROR' = 'OK';
        try {
          result = (await backend.control?.(m.deviceId, c)) ?? 'OK';
        } catch (err) {
          this.#o.log.warn({ err, targetId: m.deviceId, command: c.type }, 'control failed');
          result = 'ERROR';
        }
        await link.sendManscdp({ kind: 'DeviceControlResponse', sn: m.sn, deviceId: m.deviceId, result });
        return;
      }
      case 'RecordCmd':
      case 'HomePosition': {
        const accepted = backend.deviceControl ? await backend.deviceControl(m.deviceId, c) : true;
        await link.sendManscdp({
          kind: 'DeviceControlResponse',
          sn: m.sn,
          deviceId: m.deviceId,
          result: accepted ? 'OK' : 'ERROR',
        });
        return;
      }
    }
  }

  #catalogItem(c: LowerChannel): CatalogItem {
    return catalogItemOf(c, this.#o.link);
  }

  #recordItem(r: LowerRecord): RecordItem {
    const tz = this.#o.timeZone;
    const item: RecordItem = {
      deviceId: r.channelId,
      name: r.name,
      startTime: formatGbDateTime(wallClockAt(r.startMs, tz)),
      endTime: formatGbDateTime(wallClockAt(r.endMs, tz)),
      secrecy: 0,
      type: r.type,
    };
    if (r.filePath !== undefined) {
      item.filePath = r.filePath;
    }
    if (r.fileSizeBytes !== undefined) {
      item.fileSize = String(r.fileSizeBytes);
    }
    return item;
  }
}
