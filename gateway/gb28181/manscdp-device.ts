// Device-level MANSCDP messages: Keepalive (GB/T 28181-2016 §A.2.5 / §9.6; reference §2),
// DeviceInfo and DeviceStatus query/response (§A.2.4.4-5, §A.2.6; reference §4) and PresetQuery.
import { ok } from './errors.js';
import {
  leaf,
  listItems,
  numberedList,
  optContainer,
  optLeaf,
  readEnum,
  readInt,
  requireDeviceId,
  type MessageBase,
  type MessageCodec,
} from './manscdp-fields.js';
import { childElement, childElements, childText, type XmlElement } from './manscdp-xml.js';

export type ResultCode = 'OK' | 'ERROR';
const RESULT: readonly ResultCode[] = ['OK', 'ERROR'];

export interface Keepalive extends MessageBase {
  kind: 'Keepalive';
  /** OK or ERROR; absent when the device sent neither (answer 200 anyway, reference §2). */
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

export interface PresetQueryResponse extends MessageBase {
  kind: 'PresetQueryResponse';
  presets: PresetItem[];
}

/** The shape shared by queries whose body is the envelope only. */
function bareQuery<K extends 'DeviceInfoQuery' | 'DeviceStatusQuery' | 'PresetQuery'>(
  kind: K,
  cmdType: string,
): MessageCodec<MessageBase & { kind: K }> {
  return {
    kind,
    root: 'Query',
    cmdType,
    parse(_root, env) {
      const id = requireDeviceId(env);
      return id.ok ? ok({ kind, sn: env.sn, deviceId: id.value }) : id;
    },
    body: (m) => [leaf('DeviceID', m.deviceId)],
  };
}

export const deviceInfoQueryCodec = bareQuery('DeviceInfoQuery', 'DeviceInfo');
export const deviceStatusQueryCodec = bareQuery('DeviceStatusQuery', 'DeviceStatus');
export const presetQueryCodec = bareQuery('PresetQuery', 'PresetQuery');

export const keepaliveCodec: MessageCodec<Keepalive> = {
  kind: 'Keepalive',
  root: 'Notify',
  cmdType: 'Keepalive',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const info = childElement(root, 'Info');
    const faultyDeviceIds = info
      ? childElements(info, 'DeviceID')
          .map((e) => e.text)
          .filter((t) => t !== '')
      : [];
    const message: Keepalive = { kind: 'Keepalive', sn: env.sn, deviceId: id.value, faultyDeviceIds };
    const status = readEnum(root, 'Status', RESULT);
    if (status) {
      message.status = status;
    }
    return ok(message);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...optLeaf('Status', m.status),
    ...optContainer(
      'Info',
      m.faultyDeviceIds.map((id) => leaf('DeviceID', id)),
    ),
  ],
};

export const deviceInfoResponseCodec: MessageCodec<DeviceInfoResponse> = {
  kind: 'DeviceInfoResponse',
  root: 'Response',
  cmdType: 'DeviceInfo',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const m: DeviceInfoResponse = { kind: 'DeviceInfoResponse', sn: env.sn, deviceId: id.value };
    const result = readEnum(root, 'Result', RESULT);
    if (result) {
      m.result = result;
    }
    const texts = [
      ['DeviceName', 'deviceName'],
      ['Manufacturer', 'manufacturer'],
      ['Model', 'model'],
      ['Firmware', 'firmware'],
    ] as const;
    for (const [xml, key] of texts) {
      const value = childText(root, xml);
      if (value !== undefined) {
        m[key] = value;
      }
    }
    const channel = readInt(root, 'Channel');
    if (channel !== undefined && channel >= 0) {
      m.channel = channel;
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...optLeaf('Result', m.result),
    ...optLeaf('DeviceName', m.deviceName),
    ...optLeaf('Manufacturer', m.manufacturer),
    ...optLeaf('Model', m.model),
    ...optLeaf('Firmware', m.firmware),
    ...optLeaf('Channel', m.channel),
  ],
};

export const deviceStatusResponseCodec: MessageCodec<DeviceStatusResponse> = {
  kind: 'DeviceStatusResponse',
  root: 'Response',
  cmdType: 'DeviceStatus',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const alarmStatus: AlarmStatusItem[] = [];
    for (const item of listItems(root, 'Alarmstatus')) {
      const deviceId = childText(item, 'DeviceID');
      if (deviceId === undefined) {
        continue;
      }
      const duty = readEnum(item, 'DutyStatus', ['ONDUTY', 'OFFDUTY', 'ALARM'] as const);
      alarmStatus.push(duty ? { deviceId, dutyStatus: duty } : { deviceId });
    }
    const m: DeviceStatusResponse = {
      kind: 'DeviceStatusResponse',
      sn: env.sn,
      deviceId: id.value,
      alarmStatus,
    };
    const result = readEnum(root, 'Result', RESULT);
    if (result) {
      m.result = result;
    }
    const online = readEnum(root, 'Online', ['ONLINE', 'OFFLINE'] as const);
    if (online) {
      m.online = online;
    }
    const status = readEnum(root, 'Status', RESULT);
    if (status) {
      m.status = status;
    }
    const reason = childText(root, 'Reason');
    if (reason !== undefined) {
      m.reason = reason;
    }
    const deviceTime = childText(root, 'DeviceTime');
    if (deviceTime !== undefined) {
      m.deviceTime = deviceTime;
    }
    const encode = readEnum(root, 'Encode', ['ON', 'OFF'] as const);
    if (encode) {
      m.encode = encode;
    }
    const record = readEnum(root, 'Record', ['ON', 'OFF'] as const);
    if (record) {
      m.record = record;
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...optLeaf('Result', m.result),
    ...optLeaf('Online', m.online),
    ...optLeaf('Status', m.status),
    ...optLeaf('Reason', m.reason),
    ...optLeaf('DeviceTime', m.deviceTime),
    ...(m.alarmStatus.length > 0
      ? [numberedList('Alarmstatus', m.alarmStatus.map(buildAlarmStatusItem))]
      : []),
    ...optLeaf('Encode', m.encode),
    ...optLeaf('Record', m.record),
  ],
};

function buildAlarmStatusItem(a: AlarmStatusItem): XmlElement {
  return {
    name: 'Item',
    attributes: {},
    text: '',
    children: [leaf('DeviceID', a.deviceId), ...optLeaf('DutyStatus', a.dutyStatus)],
  };
}

export const presetQueryResponseCodec: MessageCodec<PresetQueryResponse> = {
  kind: 'PresetQueryResponse',
  root: 'Response',
  cmdType: 'PresetQuery',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const presets: PresetItem[] = [];
    for (const item of listItems(root, 'PresetList')) {
      const presetId = readInt(item, 'PresetID');
      if (presetId === undefined) {
        continue;
      }
      const presetName = childText(item, 'PresetName');
      presets.push(presetName === undefined ? { presetId } : { presetId, presetName });
    }
    return ok({ kind: 'PresetQueryResponse', sn: env.sn, deviceId: id.value, presets });
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    numberedList(
      'PresetList',
      m.presets.map((p) => ({
        name: 'Item',
        attributes: {},
        text: '',
        children: [leaf('PresetID', p.presetId), ...optLeaf('PresetName', p.presetName)],
      })),
    ),
  ],
};
