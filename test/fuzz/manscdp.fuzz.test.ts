// Seeded mutation fuzz of MANSCDP body parsing (GB/T 28181 Annex A; docs/gb28181.md §0 "Robust XML"):
// charset detection and GB18030 decoding, the XML repairs, the size/depth/SumNum limits and every
// message codec. Seeds are the reference bodies, in GB2312 and UTF-8. Properties: never throws;
// bounded time per body; an accepted message carries sane fields and survives
// encode → parse with the same kind, SN and items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import * as bodies from '../../gateway/gb28181/fixtures/reference-bodies.js';
import {
  DEFAULT_SUMNUM_CAP,
  encodeManscdp,
  parseManscdp,
  type ManscdpMessage,
} from '../../gateway/gb28181/manscdp/codec.js';
import { defineFuzz } from '../helpers/fuzz.js';
import { ascii, mutate } from '../helpers/mutate.js';
import { randomInt } from '../helpers/random.js';

const XML_BODIES = Object.values(bodies).filter(
  (b): b is string => typeof b === 'string' && b.includes('<?xml'),
);
const SEEDS: Uint8Array[] = [];
for (const text of XML_BODIES) {
  SEEDS.push(ascii(text));
  const parsed = parseManscdp(ascii(text));
  if (parsed.ok) {
    SEEDS.push(new Uint8Array(encodeManscdp(parsed.value.message, 'GB2312')));
  }
}
// Chinese names in GB18030 bytes (模拟通道1) and a Hikvision-style raw '&' and '<' in <Address>.
SEEDS.push(
  Buffer.concat([
    Buffer.from(
      '<?xml version="1.0" encoding="GB2312" standalone="yes"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>7</SN>\r\n<DeviceID>34020000001180000001</DeviceID>\r\n<SumNum>1</SumNum>\r\n<DeviceList Num="1">\r\n<Item>\r\n<DeviceID>34020000001310000001</DeviceID>\r\n<Name>',
    ),
    Buffer.from([0xc4, 0xa3, 0xc4, 0xe2, 0xcd, 0xa8, 0xb5, 0xc0, 0x31]),
    Buffer.from(
      '</Name>\r\n<Address>A&B <Gate> 3</Address>\r\n<Status>ON</Status>\r\n</Item>\r\n</DeviceList>\r\n</Response>\r\n',
    ),
  ]),
);

const DICTIONARY = [
  '<',
  '>',
  '</',
  '/>',
  '&',
  '&amp;',
  '&lt;',
  '&#20013;',
  '&#x10FFFF;',
  '&#99999999;',
  '&#0;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.0" encoding="UTF-8"?>',
  'encoding="GB18030"',
  'encoding="BIG5"',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '<SumNum>',
  '</SumNum>',
  '<SumNum>4294967296</SumNum>',
  '<SumNum>-1</SumNum>',
  '<Item>',
  '</Item>',
  '<Item><DeviceID>34020000001310000009</DeviceID></Item>',
  '<DeviceList Num="99999">',
  '<SN>',
  '<SN>99999999999999999999</SN>',
  '<CmdType>',
  'Catalog',
  'RecordInfo',
  'DeviceControl',
  'Keepalive',
  'MediaStatus',
  '<Notify>',
  '<Response>',
  '<Query>',
  '<Control>',
  '<Name>',
  '</Name>',
  '<Address>',
  '<Info>',
  '<PTZCmd>A50F01',
  '<Longitude>1e309</Longitude>',
  '<StartTime>2025-02-30T25:61:61</StartTime>',
  ' a="1"',
  '\r\n',
  '\u0000',
  '\ufeff',
].map(ascii);
DICTIONARY.push(new Uint8Array([0x81, 0x30]), new Uint8Array([0xff, 0xfe]), new Uint8Array([0xe4, 0xb8]));

defineFuzz({
  name: 'manscdp',
  ciIterations: 30_000,
  seed: 0x28181,
  slowMs: 1500,
  generate(rand) {
    const seed = SEEDS[randomInt(rand, 0, SEEDS.length - 1)];
    const { bytes, ops } = mutate(seed, rand, { dictionary: DICTIONARY, seeds: SEEDS, maxLength: 70_000 });
    return { input: bytes, label: ops.join(',') };
  },
  check(input) {
    const result = parseManscdp(input);
    if (!result.ok) {
      assert.match(result.error, /^GB_ERR_/);
      return;
    }
    const m = result.value.message;
    checkFields(m);
    if (m.kind === 'Unknown') {
      return;
    }
    const again = parseManscdp(encodeManscdp(m, 'UTF-8'));
    assert.ok(
      again.ok,
      `an accepted ${m.kind} no longer parses once re-encoded: ${again.ok ? '' : again.detail}`,
    );
    assert.equal(again.value.message.kind, m.kind);
    assert.equal(again.value.message.sn, m.sn);
    if ('items' in m && 'items' in again.value.message) {
      assert.equal(again.value.message.items.length, m.items.length, 'items lost in encode → parse');
    }
  },
});

function checkFields(m: ManscdpMessage): void {
  assert.equal(typeof m.kind, 'string');
  assert.match(m.sn, /^\d{1,20}$/, `SN ${JSON.stringify(m.sn)}`);
  if ('sumNum' in m && typeof m.sumNum === 'number') {
    assert.ok(
      Number.isSafeInteger(m.sumNum) && m.sumNum >= 0 && m.sumNum <= DEFAULT_SUMNUM_CAP,
      `SumNum ${m.sumNum}`,
    );
  }
  if ('items' in m && Array.isArray(m.items)) {
    for (const item of m.items as { deviceId?: unknown }[]) {
      assert.ok(item.deviceId === undefined || typeof item.deviceId === 'string');
    }
  }
}

/** min of a few runs, so a GC pause or a busy neighbour does not decide the ratio */
function parseMs(body: Uint8Array): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    parseManscdp(body);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

test('regression: thousands of <Name> tags on one line parse in linear time (was quadratic, 300+ ms per body)', () => {
  // Found by this fuzzer: the free-text repair rescanned the rest of the line from every <Name>.
  const body = (n: number) =>
    ascii(
      `<?xml version="1.0"?><Notify><CmdType>Keepalive</CmdType><SN>1</SN>${'<Name>'.repeat(n)}</Notify>`,
    );
  const small = parseMs(body(2500));
  const large = parseMs(body(10_000));
  // Four times the input: about 4x for linear work, 16x for quadratic.
  assert.ok(
    large < Math.max(8 * small, 30),
    `2,500 tags ${small.toFixed(1)} ms, 10,000 tags ${large.toFixed(1)} ms`,
  );
});
