// One page of a multi-response answer (GB/T 28181-2016 Annex N, 2022 Annex M; docs/gb28181.md §3.2,
// §6): the shape Catalog (<DeviceList>) and RecordInfo (<RecordList>) share, in both directions.
//   <DeviceID/> [head fields, e.g. RecordInfo <Name>] <SumNum>grand total</SumNum>
//   <DeviceList Num="items in this page"><Item>...</Item>...</DeviceList>
// The list element is left out when the page is empty (SumNum 0, wvp #401).
import { ok, type GbResult } from '../errors.js';
import { readFields, writeFields, type Field } from './field-table.js';
import {
  deviceMessageCodec,
  leaf,
  listItems,
  numberedList,
  readSumNum,
  type ManscdpRoot,
  type MessageBase,
  type MessageCodec,
  type ParseContext,
} from './fields.js';
import type { XmlElement } from './xml.js';

export type ListElementName = 'DeviceList' | 'RecordList';

export interface ListPage<T> {
  /** Total over all pages (SumNum); equal to items.length when the device omitted it. */
  sumNum: number;
  /** The items of this page. */
  items: T[];
  /** Set by parsing when <Item>s were dropped (as wvp does): the item reader refused them. */
  skippedItems?: number;
}

/**
 * Reads the list and SumNum of a page. `readItem` gets the envelope DeviceID (RecordInfo items
 * fall back to it) and returns undefined for an item to skip. SumNum beyond the cap fails.
 */
export function readListPage<T>(
  root: XmlElement,
  list: ListElementName,
  envelopeDeviceId: string,
  ctx: ParseContext,
  readItem: (el: XmlElement, envelopeDeviceId: string) => T | undefined,
): GbResult<ListPage<T>> {
  const raw = listItems(root, list);
  const items: T[] = [];
  for (const el of raw) {
    const item = readItem(el, envelopeDeviceId);
    if (item !== undefined) {
      items.push(item);
    }
  }
  const sumNum = readSumNum(root, items.length, ctx);
  if (!sumNum.ok) {
    return sumNum;
  }
  const page: ListPage<T> = { sumNum: sumNum.value, items };
  if (raw.length > items.length) {
    page.skippedItems = raw.length - items.length;
  }
  return ok(page);
}

/** `<SumNum>` then the numbered list, the latter only when the page has items. */
export function writeListPage<T>(
  list: ListElementName,
  page: ListPage<T>,
  buildItem: (item: T) => XmlElement,
): XmlElement[] {
  return [
    leaf('SumNum', page.sumNum),
    ...(page.items.length > 0 ? [numberedList(list, page.items.map(buildItem))] : []),
  ];
}

/**
 * The codec of a list-page message: `<DeviceID>`, the optional `head` fields, then the page.
 * Every property of M beyond the envelope and the page must be optional and listed in `head`.
 */
export function listPageCodec<M extends MessageBase & ListPage<T> & { kind: string }, T>(spec: {
  kind: M['kind'];
  root: ManscdpRoot;
  cmdType: string;
  list: ListElementName;
  head?: readonly Field<M>[];
  readItem: (el: XmlElement, envelopeDeviceId: string) => T | undefined;
  buildItem: (item: T) => XmlElement;
}): MessageCodec<M> {
  const { list, head = [] } = spec;
  return deviceMessageCodec<M>({
    ...spec,
    parse(root, envelope, ctx) {
      const page = readListPage(root, list, envelope.deviceId, ctx, spec.readItem);
      // The cast is what the contract above promises: the rest of M is the optional head.
      return page.ok ? ok({ ...envelope, ...readFields(root, head), ...page.value } as M) : page;
    },
    body: (m) => [...writeFields(m, head), ...writeListPage(list, m, spec.buildItem)],
  });
}
