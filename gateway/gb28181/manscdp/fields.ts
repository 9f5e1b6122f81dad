// Shared pieces of every MANSCDP message (GB/T 28181-2016 §A.2.1; docs/gb28181.md §0 "XML envelope"):
// the envelope, the codec contract each message module implements, and typed field readers
// and writers over the string-only element tree of manscdp/xml.ts.
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';
import { childElement, childText, xmlElement, type XmlElement } from './xml.js';

export type ManscdpRoot = 'Query' | 'Control' | 'Notify' | 'Response';
export const MANSCDP_ROOTS: readonly ManscdpRoot[] = ['Query', 'Control', 'Notify', 'Response'];

/** Envelope fields every message carries after CmdType (Broadcast notify has no DeviceID). */
export interface MessageBase {
  /** Kept as the exact digits sent: "0012" stays "0012", 20-digit SNs stay exact. */
  sn: string;
  deviceId: string;
}

/** Envelope as read, before the message module looks at the rest. */
export interface ParsedEnvelope {
  root: ManscdpRoot;
  cmdType: string;
  sn: string;
  deviceId: string | undefined;
}

export interface ParseContext {
  /** Largest SumNum/Num accepted. Default 100000. */
  sumNumCap: number;
}

/** One message kind: where it lives (root + CmdType) and how to read and write its body. */
export interface MessageCodec<M extends { kind: string; sn: string }> {
  readonly kind: M['kind'];
  readonly root: ManscdpRoot;
  readonly cmdType: string;
  /** Reads the message; `root` is the whole document element. */
  parse(root: XmlElement, env: ParsedEnvelope, ctx: ParseContext): GbResult<M>;
  /** The children after <CmdType> and <SN>, DeviceID included where the message has one. */
  body(message: M): XmlElement[];
}

/** The envelope part of a message with a DeviceID: what every such codec starts from. */
export type Envelope<M extends MessageBase & { kind: string }> = MessageBase & { kind: M['kind'] };

/** A message whose body starts with the envelope <DeviceID> (every kind but the Broadcast notify). */
export interface DeviceMessageSpec<M extends MessageBase & { kind: string }> {
  readonly kind: M['kind'];
  readonly root: ManscdpRoot;
  readonly cmdType: string;
  /** Reads the rest of the message; `envelope` already holds kind, SN and the required DeviceID. */
  parse(root: XmlElement, envelope: Envelope<M>, ctx: ParseContext): GbResult<M>;
  /** The children after <DeviceID>. */
  body(message: M): XmlElement[];
}

/** The codec of a DeviceID message: a missing DeviceID fails, and DeviceID is written first. */
export function deviceMessageCodec<M extends MessageBase & { kind: string }>(
  spec: DeviceMessageSpec<M>,
): MessageCodec<M> {
  const { kind } = spec;
  return {
    kind,
    root: spec.root,
    cmdType: spec.cmdType,
    parse(root, env, ctx) {
      const id = requireDeviceId(env);
      return id.ok ? spec.parse(root, { kind, sn: env.sn, deviceId: id.value }, ctx) : id;
    },
    body: (m) => [leaf('DeviceID', m.deviceId), ...spec.body(m)],
  };
}

const SN_RE = /^\d{1,20}$/;
const INT_RE = /^[+-]?\d{1,15}$/;

export function readSn(root: XmlElement): GbResult<string> {
  const sn = childText(root, 'SN');
  if (sn === undefined) {
    return fail(GbErrorCode.MISSING_FIELD, 'SN');
  }
  if (!SN_RE.test(sn)) {
    return fail(GbErrorCode.BAD_FIELD, `SN "${sn.slice(0, 24)}"`);
  }
  return ok(sn);
}

/** For codecs whose message needs the envelope DeviceID. */
export function requireDeviceId(env: ParsedEnvelope): GbResult<string> {
  return env.deviceId === undefined ? fail(GbErrorCode.MISSING_FIELD, 'DeviceID') : ok(env.deviceId);
}

/** Integer text (no fraction, at most 15 digits) → number; anything else → undefined. */
export function toInt(text: string | undefined): number | undefined {
  return text !== undefined && INT_RE.test(text) ? Number(text) : undefined;
}

export function readInt(el: XmlElement, name: string): number | undefined {
  return toInt(childText(el, name));
}

const DECIMAL_RE = /^[+-]?\d{1,9}(\.\d{1,9})?$/;

/** Decimal text (degrees, zoom factors: 2022 PTZPreciseCtrl/PTZPosition) → number; else undefined. */
export function readDecimal(el: XmlElement, name: string): number | undefined {
  const text = childText(el, name);
  return text !== undefined && DECIMAL_RE.test(text) ? Number(text) : undefined;
}

/** A decimal as written on the wire: at most two places (0.01 degree), no exponent, no trailing zeros. */
export function formatDecimal(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Field-observed placeholders: devices fill unset fields with the element's own name
 * (`<Owner>Owner</Owner>`, `<Address>Address</Address>`, docs/gb28181.md §3.3, §11 quirk 4).
 */
export function readTextOrPlaceholder(el: XmlElement, name: string): string | undefined {
  const text = childText(el, name);
  return text !== undefined && text.toLowerCase() === name.toLowerCase() ? undefined : text;
}

/** Case-insensitive enum read; `aliases` maps other spellings onto a member. */
export function readEnum<T extends string>(
  el: XmlElement,
  name: string,
  values: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T | undefined {
  const text = childText(el, name)?.toUpperCase();
  if (text === undefined) {
    return undefined;
  }
  return values.find((v) => v.toUpperCase() === text) ?? aliases[text];
}

/**
 * SumNum (Annex N multi-response total): an integer 0..cap. Missing ⇒ `fallback` (the items
 * in this page), because a device that omits it sends everything at once.
 */
export function readSumNum(el: XmlElement, fallback: number, ctx: ParseContext): GbResult<number> {
  const text = childText(el, 'SumNum');
  if (text === undefined) {
    return ok(fallback);
  }
  if (!/^\d{1,15}$/.test(text) || Number(text) > ctx.sumNumCap) {
    return fail(GbErrorCode.SUMNUM_RANGE, `SumNum "${text.slice(0, 24)}" (cap ${ctx.sumNumCap})`);
  }
  return ok(Number(text));
}

/** The <Item> children of a list element (DeviceList, RecordList, Alarmstatus, Info, ...). */
export function listItems(el: XmlElement, listName: string): XmlElement[] {
  const list = childElement(el, listName);
  if (!list) {
    return [];
  }
  return list.children.filter((c) => c.name.toLowerCase() === 'item');
}

// ---- writers: each returns zero or one element so builders can spread optional fields

export function leaf(name: string, value: string | number): XmlElement {
  return xmlElement(name, String(value));
}

export function optLeaf(name: string, value: string | number | undefined): XmlElement[] {
  return value === undefined ? [] : [leaf(name, value)];
}

/** One `<Item>` of a list (DeviceList, RecordList, Alarmstatus, PresetList, ...). */
export function listItem(children: readonly XmlElement[]): XmlElement {
  return xmlElement('Item', children);
}

/** A list element with its `Num` attribute set to the item count. */
export function numberedList(name: string, items: readonly XmlElement[]): XmlElement {
  return xmlElement(name, items, { Num: String(items.length) });
}

/** A container that is written only when it has children. */
export function optContainer(name: string, children: readonly XmlElement[]): XmlElement[] {
  return children.length === 0 ? [] : [xmlElement(name, children)];
}
