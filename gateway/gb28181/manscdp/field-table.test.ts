import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFields, writeFields, type Field } from './field-table.js';
import { readInt } from './fields.js';
import { childText, parseXml, type XmlElement } from './xml.js';

function xml(text: string): XmlElement {
  const parsed = parseXml(text);
  assert.ok(parsed.ok);
  return parsed.value;
}

interface Sample {
  name?: string;
  port?: number;
}
const SAMPLE_FIELDS: readonly Field<Sample>[] = [
  ['Name', 'name', childText],
  ['Port', 'port', readInt],
];

test('field tables leave out absent and unreadable elements and write in table order', () => {
  assert.deepEqual(readFields(xml('<Item><Port>x80</Port><Name>gate</Name></Item>'), SAMPLE_FIELDS), {
    name: 'gate',
  });
  assert.deepEqual(readFields(xml('<Item><Name></Name></Item>'), SAMPLE_FIELDS), {});
  assert.deepEqual(
    writeFields({ port: 5060, name: 'gate' }, SAMPLE_FIELDS).map((e) => `${e.name}=${e.text}`),
    ['Name=gate', 'Port=5060'],
  );
});
