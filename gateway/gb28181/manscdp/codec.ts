// MANSCDP typed messages (GB/T 28181-2016 Annex A; docs/gb28181.md §0 "XML envelope"): bytes ↔ one
// discriminated union, in both directions, for the upper platform and the simulated lower one.
// Routing is by root (Query/Control/Notify/Response) + CmdType; a known root with an unknown
// CmdType yields kind 'Unknown' (the caller still answers 200), an unknown root is an error
// (wvp answers 415).
import type { Buffer } from 'node:buffer';
import { fail, ok, GbErrorCode, type GbErrorCode as GbErrorCodeT } from '../errors.js';
import {
  catalogNotifyCodec,
  catalogQueryCodec,
  catalogResponseCodec,
  type CatalogNotify,
  type CatalogQuery,
  type CatalogResponse,
} from './catalog.js';
import {
  decodeManscdpBody,
  encodeManscdpBody,
  type CharsetOverride,
  type DecodedBody,
  type ManscdpCharset,
} from './charset.js';
import {
  configDownloadQueryCodec,
  configDownloadResponseCodec,
  deviceConfigCodec,
  deviceConfigResponseCodec,
  type ConfigDownloadQuery,
  type ConfigDownloadResponse,
  type DeviceConfig,
  type DeviceConfigResponse,
} from './config.js';
import {
  deviceControlCodec,
  deviceControlResponseCodec,
  type DeviceControl,
  type DeviceControlResponse,
} from './control.js';
import {
  deviceInfoQueryCodec,
  deviceInfoResponseCodec,
  deviceStatusQueryCodec,
  deviceStatusResponseCodec,
  keepaliveCodec,
  presetQueryCodec,
  presetQueryResponseCodec,
  type DeviceInfoQuery,
  type DeviceInfoResponse,
  type DeviceStatusQuery,
  type DeviceStatusResponse,
  type Keepalive,
  type PresetQuery,
  type PresetQueryResponse,
} from './device.js';
import {
  alarmNotifyCodec,
  alarmQueryCodec,
  alarmResponseCodec,
  broadcastNotifyCodec,
  broadcastResponseCodec,
  mediaStatusCodec,
  mobilePositionNotifyCodec,
  mobilePositionQueryCodec,
  type AlarmNotify,
  type AlarmQuery,
  type AlarmResponse,
  type BroadcastNotify,
  type BroadcastResponse,
  type MediaStatus,
  type MobilePositionNotify,
  type MobilePositionQuery,
} from './event.js';
import {
  MANSCDP_ROOTS,
  readSn,
  type ManscdpRoot,
  type MessageCodec,
  type ParseContext,
  type ParsedEnvelope,
} from './fields.js';
import {
  ptzPositionQueryCodec,
  ptzPositionResponseCodec,
  type PtzPositionQuery,
  type PtzPositionResponse,
} from './ptz-position.js';
import {
  recordInfoQueryCodec,
  recordInfoResponseCodec,
  type RecordInfoQuery,
  type RecordInfoResponse,
} from './record.js';
import { childText, parseXml, writeXml, xmlElement, type XmlElement, type XmlLimits } from './xml.js';

/** A message whose root is known but whose CmdType (or variant) this module does not model. */
export interface UnknownMessage {
  kind: 'Unknown';
  root: ManscdpRoot;
  cmdType: string;
  sn: string;
  deviceId?: string;
  /** The whole document element, for forwarding or logging. */
  element: XmlElement;
}

export type ManscdpMessage =
  | CatalogQuery
  | CatalogResponse
  | CatalogNotify
  | Keepalive
  | DeviceInfoQuery
  | DeviceInfoResponse
  | DeviceStatusQuery
  | DeviceStatusResponse
  | PresetQuery
  | PresetQueryResponse
  | DeviceControl
  | DeviceControlResponse
  | ConfigDownloadQuery
  | ConfigDownloadResponse
  | DeviceConfig
  | DeviceConfigResponse
  | PtzPositionQuery
  | PtzPositionResponse
  | RecordInfoQuery
  | RecordInfoResponse
  | MediaStatus
  | AlarmNotify
  | AlarmResponse
  | AlarmQuery
  | MobilePositionNotify
  | MobilePositionQuery
  | BroadcastNotify
  | BroadcastResponse
  | UnknownMessage;

export type ManscdpKind = ManscdpMessage['kind'];
type KnownMessage = Exclude<ManscdpMessage, UnknownMessage>;

const CODECS: { [K in KnownMessage['kind']]: MessageCodec<Extract<KnownMessage, { kind: K }>> } = {
  CatalogQuery: catalogQueryCodec,
  CatalogResponse: catalogResponseCodec,
  CatalogNotify: catalogNotifyCodec,
  Keepalive: keepaliveCodec,
  DeviceInfoQuery: deviceInfoQueryCodec,
  DeviceInfoResponse: deviceInfoResponseCodec,
  DeviceStatusQuery: deviceStatusQueryCodec,
  DeviceStatusResponse: deviceStatusResponseCodec,
  PresetQuery: presetQueryCodec,
  PresetQueryResponse: presetQueryResponseCodec,
  DeviceControl: deviceControlCodec,
  DeviceControlResponse: deviceControlResponseCodec,
  ConfigDownloadQuery: configDownloadQueryCodec,
  ConfigDownloadResponse: configDownloadResponseCodec,
  DeviceConfig: deviceConfigCodec,
  DeviceConfigResponse: deviceConfigResponseCodec,
  PtzPositionQuery: ptzPositionQueryCodec,
  PtzPositionResponse: ptzPositionResponseCodec,
  RecordInfoQuery: recordInfoQueryCodec,
  RecordInfoResponse: recordInfoResponseCodec,
  MediaStatus: mediaStatusCodec,
  AlarmNotify: alarmNotifyCodec,
  AlarmResponse: alarmResponseCodec,
  AlarmQuery: alarmQueryCodec,
  MobilePositionNotify: mobilePositionNotifyCodec,
  MobilePositionQuery: mobilePositionQueryCodec,
  BroadcastNotify: broadcastNotifyCodec,
  BroadcastResponse: broadcastResponseCodec,
};

const ROUTES = new Map<string, MessageCodec<KnownMessage>>(
  Object.values(CODECS).map((c) => [`${c.root}/${c.cmdType.toLowerCase()}`, c as MessageCodec<KnownMessage>]),
);

export interface ManscdpParseOptions extends XmlLimits {
  /** Per-device decoding override (manscdp/charset.ts). Default 'auto'. */
  charset?: CharsetOverride;
  /** Largest SumNum accepted; beyond it the page is refused with GB_ERR_SUMNUM_RANGE. Default 100000. */
  sumNumCap?: number;
}

export const DEFAULT_SUMNUM_CAP = 100_000;

export interface ParsedManscdp {
  message: ManscdpMessage;
  root: ManscdpRoot;
  cmdType: string;
  /** How the body was decoded; reply in `declared` (or GB2312) per docs/gb28181.md §0. */
  charset: Omit<DecodedBody, 'text'>;
}

export type ManscdpParseResult =
  | { ok: true; value: ParsedManscdp }
  /** `envelope` carries whatever of root/CmdType/SN/DeviceID was readable, for logs and routing. */
  | { ok: false; error: GbErrorCodeT; detail: string; envelope?: Partial<ParsedEnvelope> };

/** Parses a MESSAGE/NOTIFY body (bytes as received, or an already decoded string). Never throws. */
export function parseManscdp(
  body: Uint8Array | string,
  options: ManscdpParseOptions = {},
): ManscdpParseResult {
  const maxLength = options.maxLength ?? 64 * 1024;
  let decoded: DecodedBody;
  if (typeof body === 'string') {
    decoded = { text: body, decodedAs: 'utf-8', declared: undefined, mismatch: false };
  } else {
    if (body.byteLength > maxLength) {
      return fail(GbErrorCode.BODY_TOO_LARGE, `${body.byteLength} bytes > ${maxLength}`);
    }
    decoded = decodeManscdpBody(body, options.charset);
  }
  const xml = parseXml(decoded.text, options);
  if (!xml.ok) {
    return xml;
  }
  const rootEl = xml.value;
  const root = MANSCDP_ROOTS.find((r) => r.toLowerCase() === rootEl.name.toLowerCase());
  if (!root) {
    return fail(GbErrorCode.UNKNOWN_ROOT, `<${rootEl.name.slice(0, 32)}>`);
  }
  const cmdType = childText(rootEl, 'CmdType');
  if (cmdType === undefined) {
    return { ...fail(GbErrorCode.MISSING_FIELD, 'CmdType'), envelope: { root } };
  }
  const sn = readSn(rootEl);
  if (!sn.ok) {
    return { ...sn, envelope: { root, cmdType } };
  }
  const env: ParsedEnvelope = { root, cmdType, sn: sn.value, deviceId: childText(rootEl, 'DeviceID') };
  const { text: _text, ...charset } = decoded;
  const ctx: ParseContext = { sumNumCap: options.sumNumCap ?? DEFAULT_SUMNUM_CAP };
  const codec = ROUTES.get(`${root}/${cmdType.toLowerCase()}`);
  if (!codec) {
    const unknown: UnknownMessage = { kind: 'Unknown', root, cmdType, sn: env.sn, element: rootEl };
    if (env.deviceId !== undefined) {
      unknown.deviceId = env.deviceId;
    }
    return ok({ message: unknown, root, cmdType, charset });
  }
  const parsed = codec.parse(rootEl, env, ctx);
  if (!parsed.ok) {
    return { ...parsed, envelope: env };
  }
  return ok({ message: parsed.value, root, cmdType: codec.cmdType, charset });
}

/** Root element and CmdType a message kind is written with. */
export function routeOf(kind: KnownMessage['kind']): { root: ManscdpRoot; cmdType: string } {
  const codec = CODECS[kind];
  return { root: codec.root, cmdType: codec.cmdType };
}

export function toXmlElement(message: ManscdpMessage): XmlElement {
  if (message.kind === 'Unknown') {
    return message.element;
  }
  const codec = CODECS[message.kind] as MessageCodec<KnownMessage>;
  return xmlElement(codec.root, [
    xmlElement('CmdType', codec.cmdType),
    xmlElement('SN', message.sn),
    ...codec.body(message),
  ]);
}

/**
 * The XML text in the reference's shape: `<?xml version="1.0" encoding="GB2312"?>`, one element
 * per line, CRLF after every line. `charset` only names the declaration; see encodeManscdp.
 */
export function buildManscdpXml(
  message: ManscdpMessage,
  charset: ManscdpCharset = 'GB2312',
  eol: '\r\n' | '\n' = '\r\n',
): string {
  return writeXml(toXmlElement(message), charset, eol);
}

/** The body bytes, encoded in `charset` (the device's; wvp default GB2312). */
export function encodeManscdp(message: ManscdpMessage, charset: ManscdpCharset = 'GB2312'): Buffer {
  return encodeManscdpBody(buildManscdpXml(message, charset), charset);
}
