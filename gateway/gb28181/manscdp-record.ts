// RecordInfo (录像检索): the query and the paged response (GB/T 28181-2016 §A.2.4.6, §A.2.6
// itemFileType; reference §6). DeviceID is the channel in both directions.
import { fail, ok, GbErrorCode } from './errors.js';
import {
  leaf,
  listItems,
  numberedList,
  optLeaf,
  readEnum,
  readInt,
  readSumNum,
  readTextOrPlaceholder,
  requireDeviceId,
  type MessageBase,
  type MessageCodec,
} from './manscdp-fields.js';
import { childText, type XmlElement } from './manscdp-xml.js';

export type RecordType = 'time' | 'alarm' | 'manual' | 'all';
const RECORD_TYPES: readonly RecordType[] = ['time', 'alarm', 'manual', 'all'];

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
   * reference §11 quirk 7). Parsing yields `all` when the element is missing or unknown.
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

export interface RecordInfoResponse extends MessageBase {
  kind: 'RecordInfoResponse';
  name?: string;
  /** SumNum 0 ⇒ no records and no <RecordList> (wvp #401). */
  sumNum: number;
  items: RecordItem[];
  /** Set by parsing when items without StartTime/EndTime were dropped. */
  skippedItems?: number;
}

export const recordInfoQueryCodec: MessageCodec<RecordInfoQuery> = {
  kind: 'RecordInfoQuery',
  root: 'Query',
  cmdType: 'RecordInfo',
  parse(root, env) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const startTime = childText(root, 'StartTime');
    const endTime = childText(root, 'EndTime');
    if (startTime === undefined || endTime === undefined) {
      return fail(GbErrorCode.MISSING_FIELD, 'StartTime/EndTime');
    }
    const m: RecordInfoQuery = {
      kind: 'RecordInfoQuery',
      sn: env.sn,
      deviceId: id.value,
      startTime,
      endTime,
      type: readEnum(root, 'Type', RECORD_TYPES) ?? 'all',
    };
    const filePath = childText(root, 'FilePath');
    const address = readTextOrPlaceholder(root, 'Address');
    const secrecy = readInt(root, 'Secrecy');
    const recorderId = childText(root, 'RecorderID');
    const indistinct = readInt(root, 'IndistinctQuery');
    if (filePath !== undefined) {
      m.filePath = filePath;
    }
    if (address !== undefined) {
      m.address = address;
    }
    if (secrecy !== undefined) {
      m.secrecy = secrecy;
    }
    if (recorderId !== undefined) {
      m.recorderId = recorderId;
    }
    if (indistinct !== undefined) {
      m.indistinctQuery = indistinct;
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    leaf('StartTime', m.startTime),
    leaf('EndTime', m.endTime),
    ...optLeaf('FilePath', m.filePath),
    ...optLeaf('Address', m.address),
    leaf('Secrecy', m.secrecy ?? 0),
    leaf('Type', m.type ?? 'all'),
    ...optLeaf('RecorderID', m.recorderId),
    ...optLeaf('IndistinctQuery', m.indistinctQuery),
  ],
};

/** Reads one <Item>; undefined without StartTime/EndTime. A missing DeviceID falls back to the envelope's. */
export function parseRecordItem(el: XmlElement, envelopeDeviceId: string): RecordItem | undefined {
  const startTime = childText(el, 'StartTime');
  const endTime = childText(el, 'EndTime');
  if (startTime === undefined || endTime === undefined) {
    return undefined;
  }
  const item: RecordItem = { deviceId: childText(el, 'DeviceID') ?? envelopeDeviceId, startTime, endTime };
  const texts = [
    ['Name', 'name'],
    ['FilePath', 'filePath'],
    ['RecorderID', 'recorderId'],
    ['FileSize', 'fileSize'],
    ['RecordLocation', 'recordLocation'],
  ] as const;
  for (const [xml, key] of texts) {
    const v = childText(el, xml);
    if (v !== undefined) {
      item[key] = v;
    }
  }
  const address = readTextOrPlaceholder(el, 'Address');
  if (address !== undefined) {
    item.address = address;
  }
  const secrecy = readInt(el, 'Secrecy');
  if (secrecy !== undefined) {
    item.secrecy = secrecy;
  }
  const type = readEnum(el, 'Type', RECORD_TYPES);
  if (type !== undefined) {
    item.type = type;
  }
  const stream = readInt(el, 'StreamNumber');
  if (stream !== undefined) {
    item.streamNumber = stream;
  }
  return item;
}

export function buildRecordItem(r: RecordItem): XmlElement {
  return {
    name: 'Item',
    attributes: {},
    text: '',
    children: [
      leaf('DeviceID', r.deviceId),
      ...optLeaf('Name', r.name),
      ...optLeaf('FilePath', r.filePath),
      ...optLeaf('Address', r.address),
      leaf('StartTime', r.startTime),
      leaf('EndTime', r.endTime),
      ...optLeaf('Secrecy', r.secrecy),
      ...optLeaf('Type', r.type),
      ...optLeaf('RecorderID', r.recorderId),
      ...optLeaf('FileSize', r.fileSize),
      ...optLeaf('RecordLocation', r.recordLocation),
      ...optLeaf('StreamNumber', r.streamNumber),
    ],
  };
}

export const recordInfoResponseCodec: MessageCodec<RecordInfoResponse> = {
  kind: 'RecordInfoResponse',
  root: 'Response',
  cmdType: 'RecordInfo',
  parse(root, env, ctx) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const raw = listItems(root, 'RecordList');
    const items = raw
      .map((el) => parseRecordItem(el, id.value))
      .filter((i): i is RecordItem => i !== undefined);
    const sumNum = readSumNum(root, items.length, ctx);
    if (!sumNum.ok) {
      return sumNum;
    }
    const m: RecordInfoResponse = {
      kind: 'RecordInfoResponse',
      sn: env.sn,
      deviceId: id.value,
      sumNum: sumNum.value,
      items,
    };
    const name = childText(root, 'Name');
    if (name !== undefined) {
      m.name = name;
    }
    if (raw.length > items.length) {
      m.skippedItems = raw.length - items.length;
    }
    return ok(m);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    ...optLeaf('Name', m.name),
    leaf('SumNum', m.sumNum),
    ...(m.items.length > 0 ? [numberedList('RecordList', m.items.map(buildRecordItem))] : []),
  ],
};
