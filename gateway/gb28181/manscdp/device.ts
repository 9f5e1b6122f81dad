// Device-level MANSCDP messages: Keepalive (GB/T 28181-2016 §A.2.5 / §9.6; docs/gb28181.md §2),
// DeviceInfo and DeviceStatus query/response (§A.2.4.4-5, §A.2.6; docs/gb28181.md §4) and PresetQuery.
import { ok } from '../errors.js';
import {
  bareQueryCodec,
  fieldTableCodec,
  readFields,
  writeFields,
  type Field,
  type FieldReader,
} from './field-table.js';
import {
  deviceMessageCodec,
  leaf,
  listItem,
  listItems,
  numberedList,
  optContainer,
  optLeaf,
  readEnum,
  readInt,
  readSumNum,
  toInt,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { readResultCode, type ResultCode } from './result.js';
import { attribute, childElement, childElements, childText, type XmlElement } from './xml.js';

export type { ResultCode } from './result.js';

export interface Keepalive extends MessageBase {
  kind: 'Keepalive';
  /** OK or ERROR; absent when the device sent neither (answer 200 anyway, docs/gb28181.md §2). */
  status?: ResultCode;
  /** `<Info><DeviceID>` entries: faulty sub-devices. Hikvision sends an empty <Info>. */
  faultyDeviceIds: string[];
}

export interface DeviceInfoQuery extends MessageBase {
  kind: 'DeviceInfoQuery';
}

export interface DeviceInfoResponse extends MessageBase {
  kind: 'DeviceInfoResponse';
  result?: ResultCode;
  deviceName?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  /** Number of video channels. */
  channel?: number;
}

export interface DeviceStatusQuery extends MessageBase {
  kind: 'DeviceStatusQuery';
}

export type DutyStatus = 'ONDUTY' | 'OFFDUTY' | 'ALARM';

export interface AlarmStatusItem {
  deviceId: string;
  dutyStatus?: DutyStatus;
}

export interface DeviceStatusResponse extends MessageBase {
  kind: 'DeviceStatusResponse';
  result?: ResultCode;
  online?: 'ONLINE' | 'OFFLINE';
  status?: ResultCode;
  reason?: string;
  /** As sent (YYYY-MM-DDTHH:MM:SS, device local time); see gb-date.ts. */
  deviceTime?: string;
  /** Written as the standard spells it: `Alarmstatus` (lower-case s); read in any case. */
  alarmStatus: AlarmStatusItem[];
  encode?: 'ON' | 'OFF';
  record?: 'ON' | 'OFF';
}

export interface PresetQuery extends MessageBase {
  kind: 'PresetQuery';
}

export interface PresetItem {
  presetId: number;
  presetName?: string;
}

/**
 * A PresetQuery answer, or one page of it (docs/gb28181.md §4): a long list comes in several
 * MESSAGEs with the query's SN, like a catalog.
 */
export interface PresetQueryResponse extends MessageBase {
  kind: 'PresetQueryResponse';
  /**
   * Presets over all pages: <SumNum> (the Annex N multi-response total), else a <PresetList Num>
   * above this page's item count (some devices put the grand total there, quirk 24); absent when
   * the page says neither, i.e. it is the whole list.
   */
  sumNum?: number;
  presets: PresetItem[];
}

export const deviceInfoQueryCodec = bareQueryCodec<DeviceInfoQuery>('DeviceInfoQuery', 'DeviceInfo');
export const deviceStatusQueryCodec = bareQueryCodec<DeviceStatusQuery>('DeviceStatusQuery', 'DeviceStatus');
export const presetQueryCodec = bareQueryCodec<PresetQuery>('PresetQuery', 'PresetQuery');

export const keepaliveCodec = deviceMessageCodec<Keepalive>({
  kind: 'Keepalive',
  root: 'Notify',
  cmdType: 'Keepalive',
  parse(root, envelope) {
    const info = childElement(root, 'Info');
    const faultyDeviceIds = info
      ? childElements(info, 'DeviceID')
          .map((e) => e.text)
          .filter((t) => t !== '')
      : [];
    const message: Keepalive = { ...envelope, faultyDeviceIds };
    const status = readResultCode(root, 'Status');
    if (status) {
      message.status = status;
    }
    return ok(message);
  },
  body: (m) => [
    ...optLeaf('Status', m.status),
    ...optContainer(
      'Info',
      m.faultyDeviceIds.map((id) => leaf('DeviceID', id)),
    ),
  ],
});

/** A channel count: a negative number is not one, so it reads as absent. */
const readCount: FieldReader<number> = (el, name) => {
  const n = readInt(el, name);
  return n !== undefined && n >= 0 ? n : undefined;
};

export const deviceInfoResponseCodec: MessageCodec<DeviceInfoResponse> = fieldTableCodec({
  kind: 'DeviceInfoResponse',
  root: 'Response',
  cmdType: 'DeviceInfo',
  fields: [
    ['Result', 'result', readResultCode],
    ['DeviceName', 'deviceName', childText],
    ['Manufacturer', 'manufacturer', childText],
    ['Model', 'model', childText],
    ['Firmware', 'firmware', childText],
    ['Channel', 'channel', readCount],
  ],
});

const readOnOff: FieldReader<'ON' | 'OFF'> = (el, name) => readEnum(el, name, ['ON', 'OFF']);

// DeviceStatus elements before and after the <Alarmstatus> list, in §A.2.6 order.
const STATUS_HEAD_FIELDS: readonly Field<DeviceStatusResponse>[] = [
  ['Result', 'result', readResultCode],
  ['Online', 'online', (el, name) => readEnum(el, name, ['ONLINE', 'OFFLINE'] as const)],
  ['Status', 'status', readResultCode],
  ['Reason', 'reason', childText],
  ['DeviceTime', 'deviceTime', childText],
];
const STATUS_TAIL_FIELDS: readonly Field<DeviceStatusResponse>[] = [
  ['Encode', 'encode', readOnOff],
  ['Record', 'record', readOnOff],
];

export const deviceStatusResponseCodec = deviceMessageCodec<DeviceStatusResponse>({
  kind: 'DeviceStatusResponse',
  root: 'Response',
  cmdType: 'DeviceStatus',
  parse(root, envelope) {
    const alarmStatus: AlarmStatusItem[] = [];
    for (const item of listItems(root, 'Alarmstatus')) {
      const deviceId = childText(item, 'DeviceID');
      if (deviceId === undefined) {
        continue;
      }
      const duty = readEnum(item, 'DutyStatus', ['ONDUTY', 'OFFDUTY', 'ALARM'] as const);
      alarmStatus.push(duty ? { deviceId, dutyStatus: duty } : { deviceId });
    }
    return ok({
      ...envelope,
      alarmStatus,
      ...readFields(root, STATUS_HEAD_FIELDS),
      ...readFields(root, STATUS_TAIL_FIELDS),
    });
  },
  body: (m) => [
    ...writeFields(m, STATUS_HEAD_FIELDS),
    ...(m.alarmStatus.length > 0
      ? [numberedList('Alarmstatus', m.alarmStatus.map(buildAlarmStatusItem))]
      : []),
    ...writeFields(m, STATUS_TAIL_FIELDS),
  ],
});

function buildAlarmStatusItem(a: AlarmStatusItem): XmlElement {
  return listItem([leaf('DeviceID', a.deviceId), ...optLeaf('DutyStatus', a.dutyStatus)]);
}

export const presetQueryResponseCodec = deviceMessageCodec<PresetQueryResponse>({
  kind: 'PresetQueryResponse',
  root: 'Response',
  cmdType: 'PresetQuery',
  parse(root, envelope, ctx) {
    const presets: PresetItem[] = [];
    for (const item of listItems(root, 'PresetList')) {
      const presetId = readInt(item, 'PresetID');
      if (presetId === undefined) {
        continue;
      }
      const presetName = childText(item, 'PresetName');
      presets.push(presetName === undefined ? { presetId } : { presetId, presetName });
    }
    const m: PresetQueryResponse = { ...envelope, presets };
    const sumNum = readSumNum(root, -1, ctx);
    if (!sumNum.ok) {
      return sumNum;
    }
    const listNum = toInt(attribute(childElement(root, 'PresetList') ?? root, 'Num'));
    if (sumNum.value >= 0) {
      m.sumNum = sumNum.value;
    } else if (listNum !== undefined && listNum > presets.length && listNum <= ctx.sumNumCap) {
      m.sumNum = listNum;
    }
    return ok(m);
  },
  body: (m) => [
    ...optLeaf('SumNum', m.sumNum),
    numberedList(
      'PresetList',
      m.presets.map((p) => listItem([leaf('PresetID', p.presetId), ...optLeaf('PresetName', p.presetName)])),
    ),
  ],
});
