import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { GbErrorCode } from '../errors.js';
import * as ref from '../fixtures/reference-bodies.js';
import { parseManscdp } from './codec.js';
import { childText, parseXml, repairXml, writeXml, xmlElement } from './xml.js';

function okValue<T>(r: { ok: true; value: T } | { ok: false }): T {
  assert.ok(r.ok);
  return r.value;
}

const errorOf = (r: { ok: boolean; error?: string }) => (r.ok ? 'ok' : r.error);

/** Runs fn and fails when it takes longer than budgetMs (hostile input must be cheap). */
function fast<T>(budgetMs: number, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < budgetMs, `took ${ms.toFixed(1)} ms (budget ${budgetMs})`);
  return out;
}

test('a 10 MB body is refused before decoding', () => {
  const body = Buffer.alloc(10 * 1024 * 1024, 0x41);
  assert.equal(
    fast(50, () => errorOf(parseManscdp(body))),
    GbErrorCode.BODY_TOO_LARGE,
  );
  assert.equal(
    fast(50, () => errorOf(parseXml('<a>'.padEnd(10 * 1024 * 1024, 'x')))),
    GbErrorCode.BODY_TOO_LARGE,
  );
  // The limit is configurable; 64 KiB is the default.
  assert.equal(
    errorOf(parseManscdp(Buffer.from(ref.KEEPALIVE), { maxLength: 100 })),
    GbErrorCode.BODY_TOO_LARGE,
  );
});

test('deep nesting is refused by the pre-scan; depth 16 is accepted, 17 is not', () => {
  const nest = (n: number) => '<a>'.repeat(n) + 'x' + '</a>'.repeat(n);
  assert.equal(
    fast(50, () => errorOf(parseXml(nest(9_000)))),
    GbErrorCode.XML_TOO_DEEP,
  );
  assert.equal(errorOf(parseXml(nest(16))), 'ok');
  assert.equal(errorOf(parseXml(nest(17))), GbErrorCode.XML_TOO_DEEP);
  assert.equal(errorOf(parseXml(nest(17), { maxDepth: 20 })), 'ok');
});

test('DOCTYPE with entities (billion laughs) is refused without expansion', () => {
  const lol =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join('') +
    ']><Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>&lol9;</DeviceID></Notify>';
  assert.equal(
    fast(50, () => errorOf(parseManscdp(Buffer.from(lol)))),
    GbErrorCode.XML_DOCTYPE,
  );
  assert.equal(errorOf(parseXml('<!doctype x SYSTEM "file:///etc/passwd"><x/>')), GbErrorCode.XML_DOCTYPE);
});

test('SumNum 99999999999 is refused as data', () => {
  const body = ref.RECORD_INFO_RESPONSE.replace('<SumNum>3</SumNum>', '<SumNum>99999999999</SumNum>');
  assert.equal(errorOf(parseManscdp(body)), GbErrorCode.SUMNUM_RANGE);
  assert.equal(errorOf(parseManscdp(body, { sumNumCap: 1e12 })), 'ok');
});

test('Hikvision: unescaped & is kept as text; real entities and character references still decode', () => {
  const r = parseXml('<Item><Name>A&B &amp; C &lt;D&gt; &#20013;&#x6587; &nbsp1 &copy;</Name></Item>');
  assert.ok(r.ok);
  assert.equal(childText(r.value, 'Name'), 'A&B & C <D> 中文 &nbsp1 ©');
  assert.equal(repairXml('<a>x & y&z;</a>'), '<a>x &amp; y&z;</a>');
});

test('Hikvision: a raw < inside <Address> (and other free text, and stray text) is kept as text', () => {
  const body = ref.CATALOG_RESPONSE.replace(
    '<Address>Address</Address>',
    '<Address>Room <3 & Building<B> east</Address>',
  ).replace('<Model>IP Camera</Model>', '<Model>IPC<2></Model>');
  const r = parseManscdp(body);
  assert.ok(r.ok && r.value.message.kind === 'CatalogResponse');
  const item = r.value.message.items[0];
  assert.equal(item.address, 'Room <3 & Building<B> east');
  assert.equal(item.model, 'IPC<2>');
  assert.equal(item.status, 'ON'); // the rest of the item is intact
  assert.equal(childText(okValue(parseXml('<a><DeviceTime>1 < 2</DeviceTime></a>')), 'DeviceTime'), '1 < 2');
});

test('an unclosed <Address> does not swallow the following elements', () => {
  const body = ref.CATALOG_RESPONSE.replace('<Address>Address</Address>', '<Address>Room 3');
  const r = parseManscdp(body);
  assert.ok(r.ok && r.value.message.kind === 'CatalogResponse');
  assert.equal(r.value.message.sumNum, 2);
});

test('Dahua: standalone="yes"; leading whitespace and a BOM are tolerated', () => {
  const dahua = ref.KEEPALIVE.replace('encoding="GB2312"?>', 'encoding="GB2312" standalone="yes"?>');
  assert.equal(errorOf(parseManscdp(dahua)), 'ok');
  assert.equal(errorOf(parseManscdp('\r\n  \t' + ref.KEEPALIVE)), 'ok');
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\r\n' + ref.KEEPALIVE)]);
  const r = parseManscdp(bom);
  assert.ok(r.ok);
  assert.equal(r.value.message.sn, '9');
});

test('garbage, empty and truncated bodies give results, not exceptions', () => {
  for (const body of [
    '',
    '   ',
    'hello',
    '<',
    '</x>',
    '<Query><CmdType>Keepalive',
    '\u0000\u0001\u0002',
    '<<<>>>&&&',
  ]) {
    const r = parseManscdp(body);
    assert.equal(typeof r.ok, 'boolean', JSON.stringify(body));
  }
  assert.equal(errorOf(parseXml('')), GbErrorCode.XML_MALFORMED);
  assert.equal(errorOf(parseManscdp(Buffer.from([0xff, 0xfe, 0x00, 0x3c]))), GbErrorCode.XML_MALFORMED);
});

test('tag names that would pollute prototypes are refused, Object.prototype untouched', () => {
  const r = parseXml(
    '<Query><__proto__><polluted>yes</polluted></__proto__><constructor>1</constructor></Query>',
  );
  assert.equal(typeof r.ok, 'boolean');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('seeded mutations of every reference body never throw', () => {
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const bodies = [
    ref.KEEPALIVE,
    ref.CATALOG_RESPONSE,
    ref.CATALOG_NOTIFY,
    ref.DEVICE_STATUS_RESPONSE,
    ref.RECORD_INFO_RESPONSE,
    ref.PTZ_CONTROL,
    ref.ALARM_NOTIFY,
  ];
  const iterations = Number(process.env.FUZZ_ITERATIONS ?? 1500);
  for (let i = 0; i < iterations; i++) {
    const bytes = Buffer.from(bodies[rand(bodies.length)]);
    const op = rand(4);
    let mutated: Buffer;
    if (op === 0) {
      mutated = bytes.subarray(0, rand(bytes.length));
    } else if (op === 1) {
      mutated = Buffer.from(bytes);
      for (let k = 0; k < 4; k++) {
        mutated[rand(mutated.length)] = rand(256);
      }
    } else if (op === 2) {
      const at = rand(bytes.length);
      mutated = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(['<', '>', '&', '</Item>', '<Item>', '"'][rand(6)]),
        bytes.subarray(at),
      ]);
    } else {
      const at = rand(bytes.length);
      mutated = Buffer.concat([
        bytes.subarray(0, at),
        bytes.subarray(at, at + rand(200)),
        bytes.subarray(at),
      ]);
    }
    const r = parseManscdp(mutated);
    assert.equal(typeof r.ok, 'boolean');
  }
});

test('writeXml escapes text and attributes and writes one element per line with CRLF', () => {
  const doc = xmlElement('Notify', [
    xmlElement('Name', 'a<b&c'),
    xmlElement('List', [xmlElement('Item', '1')], { Num: '1' }),
  ]);
  assert.equal(
    writeXml(doc, 'GB2312'),
    '<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<Name>a&lt;b&amp;c</Name>\r\n<List Num="1">\r\n<Item>1</Item>\r\n</List>\r\n</Notify>\r\n',
  );
  assert.equal(
    writeXml(xmlElement('A', ''), 'UTF-8', '\n'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<A></A>\n',
  );
});
