// Catalog (目录) messages: the query (also the SUBSCRIBE body), the paged response and the
// subscription NOTIFY with per-item events (GB/T 28181-2016 §A.2.4.3, §A.2.5, §A.2.6 itemType;
// docs/gb28181.md §3.1-3.5).
import { bareQueryCodec, readFields, writeFields, type Field, type FieldReader } from './field-table.js';
import {
  leaf,
  listItem,
  optContainer,
  optLeaf,
  readEnum,
  readInt,
  readTextOrPlaceholder,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { listPageCodec, type ListPage } from './list-page.js';
import { childElement, childText, type XmlElement } from './xml.js';

/** ON/OFF after normalising the field variants ONLINE/OFFLINE/OK (docs/gb28181.md §3.3). */
export type CatalogStatus = 'ON' | 'OFF';

/** Subscription events (§A.2.6; docs/gb28181.md §3.5). A missing <Event> reads as ADD (as wvp does). */
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
 * One catalog item. Every field but DeviceID is optional in practice (docs/gb28181.md §3.3); the
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

/** skippedItems counts items without <DeviceID> (dropped, as wvp does). */
export interface CatalogResponse extends MessageBase, ListPage<CatalogItem> {
  kind: 'CatalogResponse';
}

/** skippedItems counts items without <DeviceID> or with an unknown <Event>. */
export interface CatalogNotify extends MessageBase, ListPage<CatalogEventItem> {
  kind: 'CatalogNotify';
}

/** Any non-zero value (Hikvision sends 65535) reads as 1. */
const readParental: FieldReader<0 | 1> = (el, name) => {
  const value = readInt(el, name);
  return value === undefined ? undefined : value === 0 ? 0 : 1;
};

const STATUS_ALIASES = { ONLINE: 'ON', OK: 'ON', OFFLINE: 'OFF' } as const;
const readStatus: FieldReader<CatalogStatus> = (el, name) =>
  readEnum(el, name, ['ON', 'OFF'], STATUS_ALIASES);

const readPort: FieldReader<number> = (el, name) => {
  const port = readInt(el, name);
  return port !== undefined && port >= 0 && port <= 65535 ? port : undefined;
};

/** 2016 itemType order; BusinessGroupID and SecurityLevelCode (2022) follow Latitude. */
const ITEM_FIELDS: readonly Field<CatalogItem>[] = [
  ['Name', 'name', childText],
  ['Manufacturer', 'manufacturer', readTextOrPlaceholder],
  ['Model', 'model', childText],
  ['Owner', 'owner', readTextOrPlaceholder],
  ['CivilCode', 'civilCode', readTextOrPlaceholder],
  ['Block', 'block', childText],
  ['Address', 'address', readTextOrPlaceholder],
  ['Parental', 'parental', readParental],
  ['ParentID', 'parentId', childText],
  ['SafetyWay', 'safetyWay', readInt],
  ['RegisterWay', 'registerWay', readInt],
  ['CertNum', 'certNum', childText],
  ['Certifiable', 'certifiable', readInt],
  ['ErrCode', 'errCode', readInt],
  ['EndTime', 'endTime', childText],
  ['Secrecy', 'secrecy', readInt],
  ['IPAddress', 'ipAddress', childText],
  ['Port', 'port', readPort],
  ['Password', 'password', childText],
  ['Status', 'status', readStatus],
  ['Longitude', 'longitude', childText],
  ['Latitude', 'latitude', childText],
  ['BusinessGroupID', 'businessGroupId', childText],
  ['SecurityLevelCode', 'securityLevelCode', childText],
];

const INFO_FIELDS: readonly Field<CatalogItemInfo>[] = [
  ['PTZType', 'ptzType', readInt],
  ['PositionType', 'positionType', readInt],
  ['RoomType', 'roomType', readInt],
  ['UseType', 'useType', readInt],
  ['SupplyLightType', 'supplyLightType', readInt],
  ['DirectionType', 'directionType', readInt],
  ['Resolution', 'resolution', childText],
  ['BusinessGroupID', 'businessGroupId', childText],
  ['DownloadSpeed', 'downloadSpeed', childText],
  ['SVCSpaceSupportMode', 'svcSpaceSupportMode', readInt],
  ['SVCTimeSupportMode', 'svcTimeSupportMode', readInt],
];

/** Reads one <Item>; undefined when it has no DeviceID (skipped, as wvp does). */
export function parseCatalogItem(el: XmlElement): CatalogItem | undefined {
  const deviceId = childText(el, 'DeviceID');
  if (deviceId === undefined) {
    return undefined;
  }
  const item: CatalogItem = { deviceId, ...readFields(el, ITEM_FIELDS) };
  const infoEl = childElement(el, 'Info');
  if (infoEl) {
    const info = readFields(infoEl, INFO_FIELDS);
    if (Object.keys(info).length > 0) {
      item.info = info;
    }
  }
  return item;
}

/** A subscription item: a catalog item plus its <Event>, where a missing Event reads as ADD. */
function parseCatalogEventItem(el: XmlElement): CatalogEventItem | undefined {
  const item = parseCatalogItem(el);
  const event = childText(el, 'Event') === undefined ? 'ADD' : readEnum(el, 'Event', CATALOG_EVENTS);
  return item && event ? { ...item, event } : undefined;
}

export function buildCatalogItem(item: CatalogItem | CatalogEventItem): XmlElement {
  const info = item.info ? writeFields(item.info, INFO_FIELDS) : [];
  return listItem([
    leaf('DeviceID', item.deviceId),
    ...optLeaf('Event', 'event' in item ? item.event : undefined),
    ...writeFields(item, ITEM_FIELDS),
    ...optContainer('Info', info),
  ]);
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

export const catalogQueryCodec = bareQueryCodec<CatalogQuery>('CatalogQuery', 'Catalog');

export const catalogResponseCodec: MessageCodec<CatalogResponse> = listPageCodec({
  kind: 'CatalogResponse',
  root: 'Response',
  cmdType: 'Catalog',
  list: 'DeviceList',
  readItem: parseCatalogItem,
  buildItem: buildCatalogItem,
});

export const catalogNotifyCodec: MessageCodec<CatalogNotify> = listPageCodec({
  kind: 'CatalogNotify',
  root: 'Notify',
  cmdType: 'Catalog',
  list: 'DeviceList',
  readItem: parseCatalogEventItem,
  buildItem: buildCatalogItem,
});
