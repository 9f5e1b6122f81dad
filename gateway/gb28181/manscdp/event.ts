// Event-like MANSCDP messages: MediaStatus (end of file, GB/T 28181-2016 §9.8, docs/gb28181.md §8.2),
// Alarm notify/response/query (§9.4, docs/gb28181.md §9), MobilePosition notify/query and the voice
// Broadcast notify/response (§9.12, docs/gb28181.md §9).
import { fail, ok, GbErrorCode } from '../errors.js';
import { fieldTableCodec, readFields, writeFields, type Field } from './field-table.js';
import {
  deviceMessageCodec,
  leaf,
  optContainer,
  optLeaf,
  readInt,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { resultResponseCodec, type ResultCode } from './result.js';
import { childElement, childText, xmlElement } from './xml.js';

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

export const mediaStatusCodec = deviceMessageCodec<MediaStatus>({
  kind: 'MediaStatus',
  root: 'Notify',
  cmdType: 'MediaStatus',
  parse(root, envelope) {
    const notifyType = childText(root, 'NotifyType');
    return notifyType === undefined
      ? fail(GbErrorCode.MISSING_FIELD, 'NotifyType')
      : ok({ ...envelope, notifyType });
  },
  body: (m) => [leaf('NotifyType', m.notifyType)],
});

// Alarm elements before <Info>, in §A.2.5 order.
const ALARM_FIELDS: readonly Field<AlarmNotify>[] = [
  ['AlarmPriority', 'alarmPriority', readInt],
  ['AlarmMethod', 'alarmMethod', readInt],
  ['AlarmTime', 'alarmTime', childText],
  ['AlarmDescription', 'alarmDescription', childText],
  ['Longitude', 'longitude', childText],
  ['Latitude', 'latitude', childText],
];

export const alarmNotifyCodec = deviceMessageCodec<AlarmNotify>({
  kind: 'AlarmNotify',
  root: 'Notify',
  cmdType: 'Alarm',
  parse(root, envelope) {
    const m: AlarmNotify = { ...envelope, ...readFields(root, ALARM_FIELDS) };
    const info = childElement(root, 'Info');
    const alarmType = (info && readInt(info, 'AlarmType')) ?? readInt(root, 'AlarmType');
    if (alarmType !== undefined) {
      m.alarmType = alarmType;
    }
    const param = info && childElement(info, 'AlarmTypeParam');
    const eventType = param && readInt(param, 'EventType');
    if (eventType !== undefined) {
      m.eventType = eventType;
    }
    return ok(m);
  },
  body: (m) => [
    ...writeFields(m, ALARM_FIELDS),
    ...optContainer('Info', [
      ...optLeaf('AlarmType', m.alarmType),
      ...optContainer('AlarmTypeParam', optLeaf('EventType', m.eventType)),
    ]),
  ],
});

export const alarmResponseCodec: MessageCodec<AlarmResponse> = resultResponseCodec('AlarmResponse', 'Alarm');
export const broadcastResponseCodec: MessageCodec<BroadcastResponse> = resultResponseCodec(
  'BroadcastResponse',
  'Broadcast',
);

export const alarmQueryCodec = fieldTableCodec<AlarmQuery>({
  kind: 'AlarmQuery',
  root: 'Query',
  cmdType: 'Alarm',
  fields: [
    ['StartAlarmPriority', 'startAlarmPriority', readInt],
    ['EndAlarmPriority', 'endAlarmPriority', readInt],
    ['AlarmMethod', 'alarmMethod', childText],
    ['AlarmType', 'alarmType', childText],
    ['StartAlarmTime', 'startAlarmTime', childText],
    ['EndAlarmTime', 'endAlarmTime', childText],
  ],
});

export const mobilePositionNotifyCodec = fieldTableCodec<MobilePositionNotify>({
  kind: 'MobilePositionNotify',
  root: 'Notify',
  cmdType: 'MobilePosition',
  fields: [
    ['Time', 'time', childText],
    ['Longitude', 'longitude', childText],
    ['Latitude', 'latitude', childText],
    ['Speed', 'speed', childText],
    ['Direction', 'direction', childText],
    ['Altitude', 'altitude', childText],
  ],
});

export const mobilePositionQueryCodec = fieldTableCodec<MobilePositionQuery>({
  kind: 'MobilePositionQuery',
  root: 'Query',
  cmdType: 'MobilePosition',
  fields: [['Interval', 'interval', readInt]],
});

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
