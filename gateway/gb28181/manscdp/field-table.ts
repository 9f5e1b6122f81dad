// Field tables (GB/T 28181-2016 §A.2 element lists): the optional leaf elements of a message or
// <Item> as data — element name, property, reader — read in one loop and written in table order,
// so the order of a table is the order on the wire. Also the codec for messages whose body is
// DeviceID followed by one such table (bare queries, MobilePosition, AlarmQuery, DeviceInfo).
import { ok } from '../errors.js';
import {
  deviceMessageCodec,
  optLeaf,
  type ManscdpRoot,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import type { XmlElement } from './xml.js';

/** Reads one child of `el` by element name; undefined when absent or not readable as the type. */
export type FieldReader<V> = (el: XmlElement, name: string) => V | undefined;

type Leaf = string | number;

/**
 * One row: `<xml>` ↔ `value[key]`. The reader must yield the property's own type, so a row cannot
 * put free text into an enum or an integer into a string property. Only leaf-valued keys qualify.
 */
export type Field<T> = {
  [K in keyof T]-?: T[K] extends Leaf | undefined
    ? readonly [xml: string, key: K, read: FieldReader<T[K]>]
    : never;
}[keyof T];

/** The rows whose element is present and readable; the others are left out (never undefined-valued). */
export function readFields<T>(el: XmlElement, fields: readonly Field<T>[]): Partial<T> {
  const out: Partial<T> = {};
  for (const [xml, key, read] of fields) {
    const value = read(el, xml);
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

/** One leaf per set property, in table order. */
export function writeFields<T>(value: Partial<T>, fields: readonly Field<T>[]): XmlElement[] {
  return fields.flatMap(([xml, key]) => optLeaf(xml, value[key] as Leaf | undefined));
}

/**
 * A message whose body is `<DeviceID>` then the optional elements of `fields` (none for a bare
 * query such as Catalog or DeviceInfo). Every property beyond the envelope must be optional and
 * listed in `fields`.
 */
export function fieldTableCodec<M extends MessageBase & { kind: string }>(spec: {
  kind: M['kind'];
  root: ManscdpRoot;
  cmdType: string;
  fields: readonly Field<M>[];
}): MessageCodec<M> {
  const { fields } = spec;
  return deviceMessageCodec<M>({
    ...spec,
    // The cast is what the contract above promises: the rest of M is the optional table.
    parse: (root, envelope) => ok({ ...envelope, ...readFields(root, fields) } as M),
    body: (m) => writeFields(m, fields),
  });
}

/** A <Query> whose body is the envelope only (Catalog, DeviceInfo, DeviceStatus, PresetQuery). */
export function bareQueryCodec<M extends MessageBase & { kind: string }>(
  kind: M['kind'],
  cmdType: string,
): MessageCodec<M> {
  return fieldTableCodec<M>({ kind, root: 'Query', cmdType, fields: [] });
}
