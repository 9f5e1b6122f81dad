// The GB/T 28181 unified identifier (2016 Annex D rule A, 2022 Annex E): 20 decimal digits
// `CCCCCCCC II TTT N SSSSSS`, plus the 2/4/6/8-digit administrative-division codes that
// catalogs use as region nodes (docs/gb28181.md §3.4).
//
//   digits  1-8   center code (province 2, city 2, county 2, grass-roots unit 2)
//   digits  9-10  industry code
//   digits 11-13  type code (111-130 front-end main devices, 131-199 peripherals, 200-299 platform ...)
//   digit  14     network identifier
//   digits 15-20  serial number

declare const gbIdBrand: unique symbol;
/** Exactly 20 ASCII digits. Obtain one through parseGbId / isGbId; never a number (2^53 < 10^20). */
export type GbId = string & { readonly [gbIdBrand]: true };

declare const regionBrand: unique symbol;
/** An administrative-division code of 2, 4, 6 or 8 digits (a catalog region node). */
export type RegionCode = string & { readonly [regionBrand]: true };

const GB_ID = /^\d{20}$/;
const REGION = /^(?:\d{2}){1,4}$/;

export function isGbId(value: string): value is GbId {
  return GB_ID.test(value);
}

/** Trims surrounding whitespace; undefined unless exactly 20 digits remain. */
export function parseGbId(value: string): GbId | undefined {
  const trimmed = value.trim();
  return isGbId(trimmed) ? trimmed : undefined;
}

/** wvp treats catalog IDs of 8 or fewer characters as regions; we require 2/4/6/8 digits. */
export function isRegionCode(value: string): value is RegionCode {
  return REGION.test(value);
}

/** Digits 1-8: the administrative division of the center that issued the ID. */
export function gbIdCenterCode(id: GbId): string {
  return id.slice(0, 8);
}

/** Digits 9-10: industry (00 public-security street, 01 community, 04 traffic road, ...). */
export function gbIdIndustryCode(id: GbId): string {
  return id.slice(8, 10);
}

/** Digits 11-13 as a number (118 NVR, 131 camera, 200 SIP server, 215 business group, ...). */
export function gbIdTypeCode(id: GbId): number {
  return Number(id.slice(10, 13));
}

/** Digit 14: network identifier (2016: 0-4 private monitoring, 5 public-security, 7 Internet, ...). */
export function gbIdNetworkId(id: GbId): number {
  return Number(id.slice(13, 14));
}

/** Digits 15-20. */
export function gbIdSerial(id: GbId): string {
  return id.slice(14);
}

/** Named type codes of 2016 Annex D / 2022 Annex E (docs/gb28181.md §3.4); not exhaustive. */
export const GbTypeCode = {
  DVR: 111,
  VIDEO_SERVER: 112,
  ENCODER: 113,
  DECODER: 114,
  VIDEO_MATRIX: 115,
  AUDIO_MATRIX: 116,
  ALARM_CONTROLLER: 117,
  NVR: 118,
  HVR: 130,
  CAMERA: 131,
  IPC: 132,
  DISPLAY: 133,
  ALARM_INPUT: 134,
  ALARM_OUTPUT: 135,
  VOICE_INPUT: 136,
  VOICE_OUTPUT: 137,
  MOBILE_TRANSMISSION: 138,
  OTHER_PERIPHERAL: 139,
  SIP_SERVER: 200,
  WEB_SERVER: 201,
  MEDIA_PROXY: 203,
  ALARM_SERVER: 205,
  MANAGEMENT_SERVER: 208,
  ACCESS_GATEWAY: 209,
  MEDIA_STORAGE: 210,
  BUSINESS_GROUP: 215,
  VIRTUAL_ORGANISATION: 216,
  CENTRAL_USER: 300,
  TERMINAL_USER: 400,
} as const;

export type GbTypeCategory =
  | 'front-end-main' // 111-130
  | 'front-end-peripheral' // 131-199
  | 'platform' // 200-299
  | 'central-user' // 300-399
  | 'terminal-user' // 400-499
  | 'external' // 500-599
  | 'reserved';

export function gbTypeCategory(typeCode: number): GbTypeCategory {
  if (typeCode >= 111 && typeCode <= 130) {
    return 'front-end-main';
  }
  if (typeCode >= 131 && typeCode <= 199) {
    return 'front-end-peripheral';
  }
  if (typeCode >= 200 && typeCode <= 299) {
    return 'platform';
  }
  if (typeCode >= 300 && typeCode <= 399) {
    return 'central-user';
  }
  if (typeCode >= 400 && typeCode <= 499) {
    return 'terminal-user';
  }
  if (typeCode >= 500 && typeCode <= 599) {
    return 'external';
  }
  return 'reserved';
}

/**
 * What a catalog DeviceID denotes when building the channel tree (docs/gb28181.md §3.4: catalogs mix
 * region nodes, 215/216 group nodes and devices).
 */
export type CatalogNodeKind = 'region' | 'business-group' | 'virtual-organisation' | 'device' | 'unknown';

export function classifyCatalogId(value: string): CatalogNodeKind {
  if (isRegionCode(value)) {
    return 'region';
  }
  if (!isGbId(value)) {
    return 'unknown';
  }
  const type = gbIdTypeCode(value);
  if (type === GbTypeCode.BUSINESS_GROUP) {
    return 'business-group';
  }
  if (type === GbTypeCode.VIRTUAL_ORGANISATION) {
    return 'virtual-organisation';
  }
  return 'device';
}

/**
 * 2022 §A: ParentID may hold several parents separated by '/'. Returns the non-empty parts.
 */
export function splitParentIds(parentId: string | undefined): string[] {
  if (parentId === undefined) {
    return [];
  }
  return parentId
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
