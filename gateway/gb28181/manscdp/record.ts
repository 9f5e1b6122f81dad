// RecordInfo (录像检索): the query and the paged response (GB/T 28181-2016 §A.2.4.6, §A.2.6
// itemFileType; docs/gb28181.md §6). DeviceID is the channel in both directions.
import { fail, ok, GbErrorCode } from '../errors.js';
import { readFields, writeFields, type Field, type FieldReader } from './field-table.js';
import {
  deviceMessageCodec,
  leaf,
  listItem,
  readEnum,
  readInt,
  readTextOrPlaceholder,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { listPageCodec, type ListPage } from './list-page.js';
import { childText, type XmlElement } from './xml.js';

export type RecordType = 'time' | 'alarm' | 'manual' | 'all';
const RECORD_TYPES: readonly RecordType[] = ['time', 'alarm', 'manual', 'all'];
const readRecordType: FieldReader<RecordType> = (el, name) => readEnum(el, name, RECORD_TYPES);

export interface RecordInfoQuery extends MessageBase {
  kind: 'RecordInfoQuery';
  /** Device local wall-clock time, YYYY-MM-DDTHH:MM:SS (keep spans ≤ 1 day, wvp #291). */
  startTime: string;
  endTime: string;
  filePath?: string;
  address?: string;
  /** Written as 0 when absent, as in the reference example. */
  secrecy?: number;
  /**
   * Written as `all` when absent: Dahua NVRs answer nothing without <Type> (wvp comment,
   * docs/gb28181.md §11 quirk 7). Parsing yields `all` when the element is missing or unknown.
   */
  type?: RecordType;
  recorderId?: string;
  /** 2022: 0/1, also search centre storage. */
  indistinctQuery?: number;
}

export interface RecordItem {
  deviceId: string;
  name?: string;
  filePath?: string;
  address?: string;
  /** Kept verbatim: together with endTime and filePath it is the page-dedup key. */
  startTime: string;
  endTime: string;
  secrecy?: number;
  type?: RecordType;
  recorderId?: string;
  /** Bytes, as sent (may exceed 2^31). */
  fileSize?: string;
  /** 2022 additions. */
  recordLocation?: string;
  streamNumber?: number;
}

/** SumNum 0 ⇒ no records and no <RecordList> (wvp #401); skippedItems counts items without StartTime/EndTime. */
export interface RecordInfoResponse extends MessageBase, ListPage<RecordItem> {
  kind: 'RecordInfoResponse';
  name?: string;
}

// The query's optional elements around the always-written Secrecy and Type.
const QUERY_LOCATION_FIELDS: readonly Field<RecordInfoQuery>[] = [
  ['FilePath', 'filePath', childText],
  ['Address', 'address', readTextOrPlaceholder],
];
const QUERY_TAIL_FIELDS: readonly Field<RecordInfoQuery>[] = [
  ['RecorderID', 'recorderId', childText],
  ['IndistinctQuery', 'indistinctQuery', readInt],
];

export const recordInfoQueryCodec = deviceMessageCodec<RecordInfoQuery>({
  kind: 'RecordInfoQuery',
  root: 'Query',
  cmdType: 'RecordInfo',
  parse(root, envelope) {
    const startTime = childText(root, 'StartTime');
    const endTime = childText(root, 'EndTime');
    if (startTime === undefined || endTime === undefined) {
      return fail(GbErrorCode.MISSING_FIELD, 'StartTime/EndTime');
    }
    const m: RecordInfoQuery = {
      ...envelope,
      startTime,
      endTime,
      ...readFields(root, QUERY_LOCATION_FIELDS),
      type: readRecordType(root, 'Type') ?? 'all',
      ...readFields(root, QUERY_TAIL_FIELDS),
    };
    const secrecy = readInt(root, 'Secrecy');
    if (secrecy !== undefined) {
      m.secrecy = secrecy;
    }
    return ok(m);
  },
  body: (m) => [
    leaf('StartTime', m.startTime),
    leaf('EndTime', m.endTime),
    ...writeFields(m, QUERY_LOCATION_FIELDS),
    leaf('Secrecy', m.secrecy ?? 0),
    leaf('Type', m.type ?? 'all'),
    ...writeFields(m, QUERY_TAIL_FIELDS),
  ],
});

// <Item> elements before and after the required StartTime/EndTime, in itemFileType order.
const ITEM_HEAD_FIELDS: readonly Field<RecordItem>[] = [
  ['Name', 'name', childText],
  ['FilePath', 'filePath', childText],
  ['Address', 'address', readTextOrPlaceholder],
];
const ITEM_TAIL_FIELDS: readonly Field<RecordItem>[] = [
  ['Secrecy', 'secrecy', readInt],
  ['Type', 'type', readRecordType],
  ['RecorderID', 'recorderId', childText],
  ['FileSize', 'fileSize', childText],
  ['RecordLocation', 'recordLocation', childText],
  ['StreamNumber', 'streamNumber', readInt],
];

/** Reads one <Item>; undefined without StartTime/EndTime. A missing DeviceID falls back to the envelope's. */
export function parseRecordItem(el: XmlElement, envelopeDeviceId: string): RecordItem | undefined {
  const startTime = childText(el, 'StartTime');
  const endTime = childText(el, 'EndTime');
  if (startTime === undefined || endTime === undefined) {
    return undefined;
  }
  return {
    deviceId: childText(el, 'DeviceID') ?? envelopeDeviceId,
    ...readFields(el, ITEM_HEAD_FIELDS),
    startTime,
    endTime,
    ...readFields(el, ITEM_TAIL_FIELDS),
  };
}

export function buildRecordItem(r: RecordItem): XmlElement {
  return listItem([
    leaf('DeviceID', r.deviceId),
    ...writeFields(r, ITEM_HEAD_FIELDS),
    leaf('StartTime', r.startTime),
    leaf('EndTime', r.endTime),
    ...writeFields(r, ITEM_TAIL_FIELDS),
  ]);
}

export const recordInfoResponseCodec: MessageCodec<RecordInfoResponse> = listPageCodec({
  kind: 'RecordInfoResponse',
  root: 'Response',
  cmdType: 'RecordInfo',
  list: 'RecordList',
  head: [['Name', 'name', childText]],
  readItem: parseRecordItem,
  buildItem: buildRecordItem,
});
