// Event-like MANSCDP messages: MediaStatus (end of file, GB/T 28181-2016 §9.8, reference §8.2),
// Alarm notify/response/query (§9.4, reference §9), MobilePosition notify/query and the voice
// Broadcast notify/response (§9.12, reference §9).
import { fail, ok, GbErrorCode } from './errors.js';
import {
  leaf,
  optContainer,
  optLeaf,
  readEnum,
  readInt,
  requireDeviceId,
  type MessageBase,
  type MessageCodec,
} from './manscdp-fields.js';
import type { ResultCode } from './manscdp-device.js';
import { childElement, childText, xmlElement } from './manscdp-xml.js';

/** NotifyType 121 = the file was sent to the end (playback/download). */
export const MEDIA_STATUS_END_OF_FILE = '121';

export interface MediaStatus extends MessageBase {
  kind: 'MediaStatus';
  notifyType: string;
}

export interface AlarmNotify extends MessageBase {
  kind: 'AlarmNotify';
  /** 1 (highest) - 4. */
  alarmPriority?: number;
  /** 1 telephone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other. */
  alarmMethod?: number;
  alarmTime?: string;
  alarmDescription?: string;
  longitude?: string;
  latitude?: string;
  /** From <Info><AlarmType>, or top-level as some devices send it (wvp reads both). */
  alarmType?: number;
  /** <Info><AlarmTypeParam><EventType>. */
  eventType?: number;
}

export interface AlarmResponse extends MessageBase {
  kind: 'AlarmResponse';
  result: ResultCode;
}

/** The alarm SUBSCRIBE body (Event: presence) and one-shot alarm query. */
export interface AlarmQuery extends MessageBase {
  kind: 'AlarmQuery';
  startAlarmPriority?: number;
  endAlarmPriority?: number;
  alarmMethod?: string;
  alarmType?: string;
  startAlarmTime?: string;
  endAlarmTime?: string;
}

export interface MobilePositionNotify extends MessageBase {
  kind: 'MobilePositionNotify';
  time?: string;
  longitude?: string;
  latitude?: string;
  speed?: string;
  direction?: string;
  altitude?: string;
}

export interface MobilePositionQuery extends MessageBase {
  kind: 'MobilePositionQuery';
  /** Report interval in seconds (subscription). */
  interval?: number;
}

/** Upper → device invitation to talk; it has no <DeviceID>, only source and target. */
export interface BroadcastNotify {
  kind: 'BroadcastNotify';
  sn: string;
  sourceId: string;
  targetId: string;
}

export interface BroadcastResponse extends MessageBase {
  kind: 'BroadcastResponse';
  result: ResultCode;
}

export const mediaStatusCodec: MessageCodec<MediaStatus> = {
  kind: 'MediaStatus',
  root: 'Notify',
  cmdType: 'MediaStatus',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const notifyType = childText(root, 'NotifyType');
    if (notifyType === undefined) {
      return fail(GbErrorCode.MISSING_FIELD, 'NotifyType');
    }
    return ok({ kind: 'MediaStatus', sn: env.sn, deviceId: id.value, notifyType });
  },
  body: (m) => [leaf('DeviceID', m.deviceId), leaf('NotifyType', m.notifyType)],
};

export const alarmNotifyCodec: MessageCodec<AlarmNotify> = {
  kind: 'AlarmNotify',
  root: 'Notify',
  cmdType: 'Alarm',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const m: AlarmNotify = { kind: 'AlarmNotify', sn: env.sn, deviceId: id.value };
    const info = childElement(root, 'Info');
    const param = info && childElement(info, 'AlarmTypeParam');
    const ints = {
      alarmPriority: readInt(root, 'AlarmPriority'),
      alarmMethod: readInt(root, 'AlarmMethod'),
      alarmType: (info && readInt(info, 'AlarmType')) ?? readInt(root, 'AlarmType'),
      eventType: param && readInt(param, 'EventType'),
    };
    const texts = {
      alarmTime: childText(root, 'AlarmTime'),
      alarmDescription: childText(root, 'AlarmDescription'),
      longitude: childText(root, 'Longitude'),
      latitude: childText(root, 'Latitude'),
    };
    for (const [k, v] of Object.entries({ ...ints, ...texts })) {
      if (v !== undefined) {
        (m as unknown as Record<string, unknown>)[k] = v;
      }
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...optLeaf('AlarmPriority', m.alarmPriority),
    ...optLeaf('AlarmMethod', m.alarmMethod),
    ...optLeaf('AlarmTime', m.alarmTime),
    ...optLeaf('AlarmDescription', m.alarmDescription),
    ...optLeaf('Longitude', m.longitude),
    ...optLeaf('Latitude', m.latitude),
    ...optContainer('Info', [
      ...optLeaf('AlarmType', m.alarmType),
      ...optContainer('AlarmTypeParam', optLeaf('EventType', m.eventType)),
    ]),
  ],
};

function resultCodec<K extends 'AlarmResponse' | 'BroadcastResponse'>(
  kind: K,
  cmdType: string,
): MessageCodec<MessageBase & { kind: K; result: ResultCode }> {
  return {
    kind,
    root: 'Response',
    cmdType,
    parse(root, env) {
      const id = requireDeviceId(env);
      if (!id.ok) {
        return id;
      }
      const result = readEnum(root, 'Result', ['OK', 'ERROR'] as const);
      if (!result) {
        return fail(GbErrorCode.MISSING_FIELD, 'Result');
      }
      return ok({ kind, sn: env.sn, deviceId: id.value, result });
    },
    body: (m) => [leaf('DeviceID', m.deviceId), leaf('Result', m.result)],
  };
}

export const alarmResponseCodec = resultCodec('AlarmResponse', 'Alarm');
export const broadcastResponseCodec = resultCodec('BroadcastResponse', 'Broadcast');

const ALARM_QUERY_FIELDS = [
  ['StartAlarmPriority', 'startAlarmPriority'],
  ['EndAlarmPriority', 'endAlarmPriority'],
  ['AlarmMethod', 'alarmMethod'],
  ['AlarmType', 'alarmType'],
  ['StartAlarmTime', 'startAlarmTime'],
  ['EndAlarmTime', 'endAlarmTime'],
] as const;

export const alarmQueryCodec: MessageCodec<AlarmQuery> = {
  kind: 'AlarmQuery',
  root: 'Query',
  cmdType: 'Alarm',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const m: AlarmQuery = { kind: 'AlarmQuery', sn: env.sn, deviceId: id.value };
    for (const [xml, key] of ALARM_QUERY_FIELDS) {
      if (key === 'startAlarmPriority' || key === 'endAlarmPriority') {
        const v = readInt(root, xml);
        if (v !== undefined) {
          m[key] = v;
        }
      } else {
        const v = childText(root, xml);
        if (v !== undefined) {
          m[key] = v;
        }
      }
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...ALARM_QUERY_FIELDS.flatMap(([xml, key]) => optLeaf(xml, m[key])),
  ],
};

const POSITION_FIELDS = [
  ['Time', 'time'],
  ['Longitude', 'longitude'],
  ['Latitude', 'latitude'],
  ['Speed', 'speed'],
  ['Direction', 'direction'],
  ['Altitude', 'altitude'],
] as const;

export const mobilePositionNotifyCodec: MessageCodec<MobilePositionNotify> = {
  kind: 'MobilePositionNotify',
  root: 'Notify',
  cmdType: 'MobilePosition',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const m: MobilePositionNotify = { kind: 'MobilePositionNotify', sn: env.sn, deviceId: id.value };
    for (const [xml, key] of POSITION_FIELDS) {
      const v = childText(root, xml);
      if (v !== undefined) {
        m[key] = v;
      }
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...POSITION_FIELDS.flatMap(([xml, key]) => optLeaf(xml, m[key])),
  ],
};

export const mobilePositionQueryCodec: MessageCodec<MobilePositionQuery> = {
  kind: 'MobilePositionQuery',
  root: 'Query',
  cmdType: 'MobilePosition',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const m: MobilePositionQuery = { kind: 'MobilePositionQuery', sn: env.sn, deviceId: id.value };
    const interval = readInt(root, 'Interval');
    if (interval !== undefined) {
      m.interval = interval;
    }
    return ok(m);
  },
  body: (m) => [leaf('DeviceID', m.deviceId), ...optLeaf('Interval', m.interval)],
};

export const broadcastNotifyCodec: MessageCodec<BroadcastNotify> = {
  kind: 'BroadcastNotify',
  root: 'Notify',
  cmdType: 'Broadcast',
  parse(root, env) {
    const sourceId = childText(root, 'SourceID');
    const targetId = childText(root, 'TargetID');
    if (sourceId === undefined || targetId === undefined) {
      return fail(GbErrorCode.MISSING_FIELD, 'SourceID/TargetID');
    }
    return ok({ kind: 'BroadcastNotify', sn: env.sn, sourceId, targetId });
  },
  body: (m) => [xmlElement('SourceID', m.sourceId), xmlElement('TargetID', m.targetId)],
};
