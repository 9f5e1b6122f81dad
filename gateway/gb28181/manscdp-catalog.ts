// Catalog (目录) messages: the query (also the SUBSCRIBE body), the paged response and the
// subscription NOTIFY with per-item events (GB/T 28181-2016 §A.2.4.3, §A.2.5, §A.2.6 itemType;
// reference §3.1-3.5).
import { ok } from './errors.js';
import {
  leaf,
  listItems,
  numberedList,
  optContainer,
  optLeaf,
  readEnum,
  readInt,
  readSumNum,
  readTextOrPlaceholder,
  requireDeviceId,
  type MessageBase,
  type MessageCodec,
} from './manscdp-fields.js';
import { childElement, childText, type XmlElement } from './manscdp-xml.js';

/** ON/OFF after normalising the field variants ONLINE/OFFLINE/OK (reference §3.3). */
export type CatalogStatus = 'ON' | 'OFF';

/** Subscription events (§A.2.6; reference §3.5). A missing <Event> reads as ADD (as wvp does). */
export type CatalogEvent = 'ON' | 'OFF' | 'VLOST' | 'DEFECT' | 'ADD' | 'DEL' | 'UPDATE';
export const CATALOG_EVENTS: readonly CatalogEvent[] = [
  'ON',
  'OFF',
  'VLOST',
  'DEFECT',
  'ADD',
  'DEL',
  'UPDATE',
];

/** `<Info>` of an item (2016 itemType). Numeric codes that do not parse are left out. */
export interface CatalogItemInfo {
  /** 1 dome, 2 half-dome, 3 fixed, 4 remote bullet (2022 adds 5-7). */
  ptzType?: number;
  positionType?: number;
  roomType?: number;
  useType?: number;
  supplyLightType?: number;
  directionType?: number;
  resolution?: string;
  businessGroupId?: string;
  /** Slash-separated multipliers, e.g. "1/2/4". */
  downloadSpeed?: string;
  svcSpaceSupportMode?: number;
  svcTimeSupportMode?: number;
}

/**
 * One catalog item. Every field but DeviceID is optional in practice (reference §3.3); the
 * placeholders Owner/Address/CivilCode/Manufacturer read as absent. IDs stay strings.
 */
export interface CatalogItem {
  deviceId: string;
  name?: string;
  manufacturer?: string;
  model?: string;
  owner?: string;
  /** Verbatim; devices often put the 10-digit domain here (wvp drops values longer than 8). */
  civilCode?: string;
  block?: string;
  address?: string;
  /** 1 = has children; any non-zero value (Hikvision sends 65535) reads as 1. */
  parental?: 0 | 1;
  /** Verbatim; 2022 allows several IDs joined by '/' (see gb-id.ts splitParentIds). */
  parentId?: string;
  safetyWay?: number;
  registerWay?: number;
  certNum?: string;
  certifiable?: number;
  errCode?: number;
  endTime?: string;
  secrecy?: number;
  ipAddress?: string;
  port?: number;
  password?: string;
  status?: CatalogStatus;
  /** Kept as sent (WGS-84 or GCJ-02); see parseCoordinate. */
  longitude?: string;
  latitude?: string;
  businessGroupId?: string;
  securityLevelCode?: string;
  info?: CatalogItemInfo;
}

export interface CatalogEventItem extends CatalogItem {
  event: CatalogEvent;
}

export interface CatalogQuery extends MessageBase {
  kind: 'CatalogQuery';
}

export interface CatalogResponse extends MessageBase {
  kind: 'CatalogResponse';
  /** Total over all pages (Annex N); equal to items.length when the device omitted it. */
  sumNum: number;
  items: CatalogItem[];
  /** Set by parsing when items without <DeviceID> were dropped (as wvp does). */
  skippedItems?: number;
}

export interface CatalogNotify extends MessageBase {
  kind: 'CatalogNotify';
  sumNum: number;
  items: CatalogEventItem[];
  /** Items dropped for a missing DeviceID or an unknown Event. */
  skippedItems?: number;
}

type FieldType = 'text' | 'placeholder' | 'int';
type Field<T> = readonly [xml: string, key: keyof T, type: FieldType];

/** 2016 itemType order; BusinessGroupID and SecurityLevelCode (2022) follow Latitude. */
const ITEM_FIELDS: readonly Field<CatalogItem>[] = [
  ['Name', 'name', 'text'],
  ['Manufacturer', 'manufacturer', 'placeholder'],
  ['Model', 'model', 'text'],
  ['Owner', 'owner', 'placeholder'],
  ['CivilCode', 'civilCode', 'placeholder'],
  ['Block', 'block', 'text'],
  ['Address', 'address', 'placeholder'],
  ['Parental', 'parental', 'int'],
  ['ParentID', 'parentId', 'text'],
  ['SafetyWay', 'safetyWay', 'int'],
  ['RegisterWay', 'registerWay', 'int'],
  ['CertNum', 'certNum', 'text'],
  ['Certifiable', 'certifiable', 'int'],
  ['ErrCode', 'errCode', 'int'],
  ['EndTime', 'endTime', 'text'],
  ['Secrecy', 'secrecy', 'int'],
  ['IPAddress', 'ipAddress', 'text'],
  ['Port', 'port', 'int'],
  ['Password', 'password', 'text'],
  ['Status', 'status', 'text'],
  ['Longitude', 'longitude', 'text'],
  ['Latitude', 'latitude', 'text'],
  ['BusinessGroupID', 'businessGroupId', 'text'],
  ['SecurityLevelCode', 'securityLevelCode', 'text'],
];

const INFO_FIELDS: readonly Field<CatalogItemInfo>[] = [
  ['PTZType', 'ptzType', 'int'],
  ['PositionType', 'positionType', 'int'],
  ['RoomType', 'roomType', 'int'],
  ['UseType', 'useType', 'int'],
  ['SupplyLightType', 'supplyLightType', 'int'],
  ['DirectionType', 'directionType', 'int'],
  ['Resolution', 'resolution', 'text'],
  ['BusinessGroupID', 'businessGroupId', 'text'],
  ['DownloadSpeed', 'downloadSpeed', 'text'],
  ['SVCSpaceSupportMode', 'svcSpaceSupportMode', 'int'],
  ['SVCTimeSupportMode', 'svcTimeSupportMode', 'int'],
];

function readFields<T>(el: XmlElement, fields: readonly Field<T>[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [xml, key, type] of fields) {
    const value =
      type === 'int'
        ? readInt(el, xml)
        : type === 'placeholder'
          ? readTextOrPlaceholder(el, xml)
          : childText(el, xml);
    if (value !== undefined) {
      out[key as string] = value;
    }
  }
  return out as Partial<T>;
}

function writeFields<T>(value: T, fields: readonly Field<T>[]): XmlElement[] {
  return fields.flatMap(([xml, key]) => optLeaf(xml, value[key] as string | number | undefined));
}

/** Reads one <Item>; undefined when it has no DeviceID (skipped, as wvp does). */
export function parseCatalogItem(el: XmlElement): CatalogItem | undefined {
  const deviceId = childText(el, 'DeviceID');
  if (deviceId === undefined) {
    return undefined;
  }
  const item: CatalogItem = { deviceId, ...readFields(el, ITEM_FIELDS) };
  const parental = readInt(el, 'Parental');
  if (parental === undefined) {
    delete item.parental;
  } else {
    item.parental = parental === 0 ? 0 : 1;
  }
  const status = readEnum(el, 'Status', ['ON', 'OFF'] as const, { ONLINE: 'ON', OK: 'ON', OFFLINE: 'OFF' });
  if (status === undefined) {
    delete item.status;
  } else {
    item.status = status;
  }
  const port = item.port;
  if (port !== undefined && (port < 0 || port > 65535)) {
    delete item.port;
  }
  const infoEl = childElement(el, 'Info');
  if (infoEl) {
    const info = readFields(infoEl, INFO_FIELDS);
    if (Object.keys(info).length > 0) {
      item.info = info;
    }
  }
  return item;
}

export function buildCatalogItem(item: CatalogItem | CatalogEventItem): XmlElement {
  const info = item.info ? writeFields(item.info, INFO_FIELDS) : [];
  return {
    name: 'Item',
    attributes: {},
    text: '',
    children: [
      leaf('DeviceID', item.deviceId),
      ...optLeaf('Event', 'event' in item ? item.event : undefined),
      ...writeFields(item, ITEM_FIELDS),
      ...optContainer('Info', info),
    ],
  };
}

/** Degrees as a finite number within ±180 (longitude) / ±90 (latitude); else undefined. */
export function parseCoordinate(
  value: string | undefined,
  axis: 'longitude' | 'latitude',
): number | undefined {
  if (value === undefined || !/^[+-]?\d{1,3}(?:\.\d{1,15})?$/.test(value.trim())) {
    return undefined;
  }
  const n = Number(value);
  return Math.abs(n) <= (axis === 'longitude' ? 180 : 90) ? n : undefined;
}

export const catalogQueryCodec: MessageCodec<CatalogQuery> = {
  kind: 'CatalogQuery',
  root: 'Query',
  cmdType: 'Catalog',
  parse(_root, env) {
    const id = requireDeviceId(env);
    return id.ok ? ok({ kind: 'CatalogQuery', sn: env.sn, deviceId: id.value }) : id;
  },
  body: (m) => [leaf('DeviceID', m.deviceId)],
};

export const catalogResponseCodec: MessageCodec<CatalogResponse> = {
  kind: 'CatalogResponse',
  root: 'Response',
  cmdType: 'Catalog',
  parse(root, env, ctx) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const raw = listItems(root, 'DeviceList');
    const items = raw.map(parseCatalogItem).filter((i): i is CatalogItem => i !== undefined);
    const sumNum = readSumNum(root, items.length, ctx);
    if (!sumNum.ok) {
      return sumNum;
    }
    const message: CatalogResponse = {
      kind: 'CatalogResponse',
      sn: env.sn,
      deviceId: id.value,
      sumNum: sumNum.value,
      items,
    };
    if (raw.length > items.length) {
      message.skippedItems = raw.length - items.length;
    }
    return ok(message);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    leaf('SumNum', m.sumNum),
    ...(m.items.length > 0 ? [numberedList('DeviceList', m.items.map(buildCatalogItem))] : []),
  ],
};

export const catalogNotifyCodec: MessageCodec<CatalogNotify> = {
  kind: 'CatalogNotify',
  root: 'Notify',
  cmdType: 'Catalog',
  parse(root, env, ctx) {
    const id = requireDeviceId(env);
    if (!id.ok) {
      return id;
    }
    const raw = listItems(root, 'DeviceList');
    const items: CatalogEventItem[] = [];
    for (const el of raw) {
      const item = parseCatalogItem(el);
      const eventText = childText(el, 'Event');
      const event = eventText === undefined ? 'ADD' : readEnum(el, 'Event', CATALOG_EVENTS);
      if (item && event) {
        items.push({ ...item, event });
      }
    }
    const sumNum = readSumNum(root, items.length, ctx);
    if (!sumNum.ok) {
      return sumNum;
    }
    const message: CatalogNotify = {
      kind: 'CatalogNotify',
      sn: env.sn,
      deviceId: id.value,
      sumNum: sumNum.value,
      items,
    };
    if (raw.length > items.length) {
      message.skippedItems = raw.length - items.length;
    }
    return ok(message);
  },
  body: (m) => [
    leaf('DeviceID', m.deviceId),
    leaf('SumNum', m.sumNum),
    ...(m.items.length > 0 ? [numberedList('DeviceList', m.items.map(buildCatalogItem))] : []),
  ],
};
