import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaf, listItem } from './fields.js';
import { readListPage, writeListPage } from './list-page.js';
import { childText, parseXml, writeXml, type XmlElement } from './xml.js';

const CTX = { sumNumCap: 100 };

function xml(text: string): XmlElement {
  const parsed = parseXml(text);
  assert.ok(parsed.ok);
  return parsed.value;
}

const readId = (el: XmlElement) => childText(el, 'DeviceID');

test('a page keeps the readable items, counts the skipped ones and reads SumNum as the grand total', () => {
  const root = xml(
    '<Response><SumNum>7</SumNum><DeviceList Num="3">' +
      '<Item><DeviceID>34020000001310000001</DeviceID></Item><Item><Name>no id</Name></Item>' +
      '<item><DeviceID>34020000001310000002</DeviceID></item></DeviceList></Response>',
  );
  const page = readListPage(root, 'DeviceList', '34020000001180000001', CTX, readId);
  assert.deepEqual(page, {
    ok: true,
    value: { sumNum: 7, items: ['34020000001310000001', '34020000001310000002'], skippedItems: 1 },
  });
});

test('a missing SumNum counts the page; a SumNum beyond the cap refuses it; no list is an empty page', () => {
  const noSum = readListPage(
    xml('<Response><RecordList><Item><DeviceID>1</DeviceID></Item></RecordList></Response>'),
    'RecordList',
    '9',
    CTX,
    readId,
  );
  assert.deepEqual(noSum, { ok: true, value: { sumNum: 1, items: ['1'] } });
  const tooMany = readListPage(
    xml('<Response><SumNum>101</SumNum></Response>'),
    'RecordList',
    '9',
    CTX,
    readId,
  );
  assert.equal(tooMany.ok ? 'accepted' : tooMany.error, 'GB_ERR_SUMNUM_RANGE');
  const empty = readListPage(xml('<Response><SumNum>0</SumNum></Response>'), 'RecordList', '9', CTX, readId);
  assert.deepEqual(empty, { ok: true, value: { sumNum: 0, items: [] } });
});

test('the item reader gets the envelope DeviceID (RecordInfo items fall back to it)', () => {
  const page = readListPage(
    xml('<Response><RecordList Num="1"><Item><Name>r</Name></Item></RecordList></Response>'),
    'RecordList',
    '34020000001320000001',
    CTX,
    (el, envelopeId) => childText(el, 'DeviceID') ?? envelopeId,
  );
  assert.deepEqual(page.ok && page.value.items, ['34020000001320000001']);
});

test('Num counts the items of this page, SumNum the total; an empty page writes no list (wvp #401)', () => {
  const build = (id: string) => listItem([leaf('DeviceID', id)]);
  const root = (children: XmlElement[]): XmlElement => ({
    name: 'Response',
    attributes: {},
    text: '',
    children,
  });
  const page = writeListPage('DeviceList', { sumNum: 5, items: ['a', 'b'] }, build);
  assert.equal(
    writeXml(root(page), 'GB2312', '\n'),
    '<?xml version="1.0" encoding="GB2312"?>\n<Response>\n<SumNum>5</SumNum>\n<DeviceList Num="2">\n' +
      '<Item>\n<DeviceID>a</DeviceID>\n</Item>\n<Item>\n<DeviceID>b</DeviceID>\n</Item>\n</DeviceList>\n</Response>\n',
  );
  assert.deepEqual(writeListPage('RecordList', { sumNum: 0, items: [] }, build), [leaf('SumNum', 0)]);
});
