import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import * as ref from '../fixtures/reference-bodies.js';
import { parseManscdp } from './codec.js';
import {
  decodeManscdpBody,
  encodeManscdpBody,
  normalizeCharsetName,
  readDeclaredCharset,
} from './charset.js';

const NAMED = ref.CATALOG_RESPONSE.replace('<Name>Gate-1</Name>', '<Name>大门一号</Name>');
/** 大门一号 in GB2312: B4F3 C3C5 D2BB BAC5. */
const GB_NAME = [0xb4, 0xf3, 0xc3, 0xc5, 0xd2, 0xbb, 0xba, 0xc5];

function nameOf(body: Uint8Array, override?: 'auto' | 'utf-8' | 'gb18030'): string | undefined {
  const r = parseManscdp(body, override ? { charset: override } : {});
  assert.ok(r.ok);
  const m = r.value.message;
  return m.kind === 'CatalogResponse' ? m.items[0]?.name : undefined;
}

test('GB2312 bytes decode as GB18030', () => {
  const bytes = iconv.encode(NAMED, 'gb2312');
  assert.ok(bytes.includes(Buffer.from(GB_NAME)));
  const d = decodeManscdpBody(bytes);
  assert.deepEqual(
    { ...d, text: undefined },
    { text: undefined, decodedAs: 'gb18030', declared: 'GB2312', mismatch: false },
  );
  assert.equal(nameOf(bytes), '大门一号');
});

test('mis-declared: declares GB2312, sends UTF-8 (wvp #1341) → decoded as UTF-8, mismatch reported', () => {
  const bytes = Buffer.from(NAMED, 'utf8');
  const d = decodeManscdpBody(bytes);
  assert.equal(d.decodedAs, 'utf-8');
  assert.equal(d.declared, 'GB2312');
  assert.equal(d.mismatch, true);
  assert.equal(nameOf(bytes), '大门一号');
});

test('mis-declared: declares UTF-8, sends GB2312 → decoded as GB18030, mismatch reported', () => {
  const bytes = iconv.encode(NAMED.replace('encoding="GB2312"', 'encoding="UTF-8"'), 'gb2312');
  const d = decodeManscdpBody(bytes);
  assert.equal(d.decodedAs, 'gb18030');
  assert.equal(d.declared, 'UTF-8');
  assert.equal(d.mismatch, true);
  assert.equal(nameOf(bytes), '大门一号');
});

test('GBK/GB18030-only characters decode (Uniview rare characters, wvp #1461); no declaration at all works', () => {
  const text = NAMED.replace('大门一号', '龘𠀀').replace('<?xml version="1.0" encoding="GB2312"?>\r\n', '');
  const bytes = iconv.encode(text, 'gb18030');
  assert.equal(decodeManscdpBody(bytes).declared, undefined);
  assert.equal(nameOf(bytes), '龘𠀀');
});

test('per-device override forces the charset', () => {
  const utf = Buffer.from(NAMED, 'utf8');
  assert.notEqual(nameOf(utf, 'gb18030'), '大门一号'); // forced wrong: mojibake, but no failure
  assert.equal(nameOf(iconv.encode(NAMED, 'gb2312'), 'gb18030'), '大门一号');
  assert.equal(decodeManscdpBody(utf, 'utf-8').decodedAs, 'utf-8');
});

test('ASCII-only bodies report no mismatch whatever they declare', () => {
  const d = decodeManscdpBody(Buffer.from(ref.KEEPALIVE.replace('GB2312', 'UTF-8')));
  assert.equal(d.mismatch, false);
  assert.equal(d.declared, 'UTF-8');
});

test('charset names seen in the field normalise; unknown ones do not', () => {
  assert.equal(normalizeCharsetName('gb2312'), 'GB2312');
  assert.equal(normalizeCharsetName('GBK'), 'GBK');
  assert.equal(normalizeCharsetName('gb18030'), 'GB18030');
  assert.equal(normalizeCharsetName('utf8'), 'UTF-8');
  assert.equal(normalizeCharsetName('ISO-8859-1'), undefined);
  assert.equal(
    readDeclaredCharset(Buffer.from("<?xml version='1.0' encoding='gbk' standalone='yes'?><a/>")),
    'gbk',
  );
  assert.equal(readDeclaredCharset(Buffer.from('<a/>')), undefined);
});

test('encoding writes GB2312 bytes for GB2312 and GBK, UTF-8 for UTF-8', () => {
  assert.deepEqual([...encodeManscdpBody('大门一号', 'GB2312')], GB_NAME);
  assert.deepEqual([...encodeManscdpBody('大门一号', 'GBK')], GB_NAME);
  assert.deepEqual([...encodeManscdpBody('大门一号', 'GB18030')], GB_NAME);
  assert.deepEqual([...encodeManscdpBody('门', 'UTF-8')], [0xe9, 0x97, 0xa8]);
});
