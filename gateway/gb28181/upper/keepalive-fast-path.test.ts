import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { KEEPALIVE } from '../fixtures/reference-bodies.js';
import { parseManscdp } from '../manscdp/codec.js';
import { parseKeepaliveFast } from './keepalive-fast-path.js';

/** The fast path must give exactly what the full parse gives, or decline. */
function assertSameAsFull(body: Uint8Array): void {
  const fast = parseKeepaliveFast(body);
  assert.ok(fast, 'fast path declined');
  const full = parseManscdp(body);
  assert.ok(full.ok);
  assert.deepStrictEqual(fast, full.value);
}

function declines(body: Uint8Array | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  assert.equal(parseKeepaliveFast(bytes), undefined, Buffer.from(bytes).toString('latin1'));
}

const utf8Keepalive = KEEPALIVE.replace('GB2312', 'UTF-8');

test('docs/gb28181.md §2 keepalive, GB2312 bytes: same result as parseManscdp', () => {
  const bytes = iconv.encode(KEEPALIVE, 'gb2312');
  assertSameAsFull(bytes);
  assert.deepEqual(parseKeepaliveFast(bytes)?.message, {
    kind: 'Keepalive',
    sn: '9',
    deviceId: '34020000001180000001',
    status: 'OK',
    faultyDeviceIds: [],
  });
  assert.equal(parseKeepaliveFast(bytes)?.charset.declared, 'GB2312');
});

test('docs/gb28181.md §2 keepalive, UTF-8 bytes: same result as parseManscdp', () => {
  const bytes = Buffer.from(utf8Keepalive, 'utf8');
  assertSameAsFull(bytes);
  assert.equal(parseKeepaliveFast(bytes)?.charset.declared, 'UTF-8');
});

test('a view into a larger buffer (as the SIP parser hands bodies over) reads only the body', () => {
  const wire = Buffer.concat([
    Buffer.from('MESSAGE ...\r\n\r\n'),
    Buffer.from(KEEPALIVE),
    Buffer.from('<junk>'),
  ]);
  const body = new Uint8Array(wire.buffer, wire.byteOffset + 15, KEEPALIVE.length);
  assertSameAsFull(body);
});

test('field variants it accepts match the full parse', () => {
  const variants = [
    KEEPALIVE.replace('<Status>OK</Status>\r\n', ''), // no Status
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>ERROR</Status>'),
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>ok</Status>'), // read case-insensitively
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>OK</Status>\r\n<Info>\r\n</Info>'), // Hikvision
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>OK</Status><Info/>'),
    KEEPALIVE.replace('Keepalive', 'keepalive'),
    KEEPALIVE.replace('<?xml version="1.0" encoding="GB2312"?>\r\n', ''), // no declaration
    KEEPALIVE.replace('?>', ' standalone="yes"?>'), // Dahua
    KEEPALIVE.replace(/\r\n/g, '\n'),
    KEEPALIVE.replace(/\r\n/g, ''),
    `  \r\n${KEEPALIVE}\r\n\r\n`, // leading and trailing whitespace
    // DeviceID before SN.
    KEEPALIVE.replace(
      '<SN>9</SN>\r\n<DeviceID>34020000001180000001</DeviceID>',
      '<DeviceID>34020000001180000001</DeviceID>\r\n<SN>9</SN>',
    ),
    KEEPALIVE.replace('<SN>9</SN>', '<SN>12345678901234567890</SN>'),
  ];
  for (const v of variants) {
    assertSameAsFull(Buffer.from(v, 'latin1'));
  }
});

test('falls back for anything outside the canonical ASCII shape', () => {
  const inputs: (string | Uint8Array)[] = [
    '',
    KEEPALIVE.replace('Keepalive', 'Catalog'),
    KEEPALIVE.replace(/Notify/g, 'Response'),
    KEEPALIVE.replace(/Notify/g, 'notify'), // other tag casing: the full parser decides
    KEEPALIVE.replace(/DeviceID/g, 'DeviceId'),
    KEEPALIVE.replace('<SN>9</SN>', '<SN>9</SN><SN>10</SN>'),
    KEEPALIVE.replace('<SN>9</SN>', '<SN>x9</SN>'),
    KEEPALIVE.replace('<SN>9</SN>', '<SN>123456789012345678901</SN>'),
    KEEPALIVE.replace('<SN>9</SN>\r\n', ''),
    KEEPALIVE.replace('<DeviceID>34020000001180000001</DeviceID>\r\n', ''),
    KEEPALIVE.replace('<SN>9</SN>', '<SN> 9 </SN>'),
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>BAD</Status>'),
    KEEPALIVE.replace(
      '<Status>OK</Status>',
      '<Status>OK</Status><Info><DeviceID>34020000001310000001</DeviceID></Info>',
    ),
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>OK</Status><!-- c -->'),
    KEEPALIVE.replace('<Status>OK</Status>', '<Status>OK</Status><Extra>1</Extra>'),
    KEEPALIVE.replace('34020000001180000001', '3402&amp;01'),
    KEEPALIVE.replace('</Notify>', '</Notify><Notify>'),
    KEEPALIVE.replace('</Notify>\r\n', ''), // truncated
    `<!DOCTYPE x [<!ENTITY a "b">]>${KEEPALIVE}`,
    KEEPALIVE + ' '.repeat(1024), // too long for the fast path
    KEEPALIVE.replace('OK', 'OK\0'),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(KEEPALIVE)]), // BOM
    iconv.encode(KEEPALIVE.replace('<Status>OK</Status>', '<Status>正常</Status>'), 'gb2312'),
    Buffer.from(KEEPALIVE.replace('34020000001180000001', '３４０２'), 'utf8'),
  ];
  for (const input of inputs) {
    declines(input);
  }
});

test('hostile input never throws, and the work is bounded by count, not by a stopwatch', (ctx) => {
  // Every regex the fast path runs is anchored (sticky or ^) on at most MAX_BYTES (1 KiB) of
  // text, and it runs one per element: so the cost of a body is bounded by its length. Counted
  // through RegExp.prototype.exec, which RegExp.prototype.test calls too.
  const exec = ctx.mock.method(RegExp.prototype, 'exec');
  const run = (body: string | Uint8Array): { result: unknown; regexes: RegExp[] } => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    exec.mock.resetCalls();
    const result = parseKeepaliveFast(bytes);
    const regexes = exec.mock.calls.map((c) => c.this as RegExp);
    return { result, regexes };
  };
  const anchored = (r: RegExp): boolean => r.sticky || r.source.startsWith('^');

  const big = run(Buffer.alloc(64 * 1024, 0x3c)); // '<' × 64 KiB
  assert.equal(big.result, undefined);
  assert.deepEqual(big.regexes, [], 'over 1 KiB: declined before any regex runs');

  for (const body of [
    `<Notify>${'<CmdType>'.repeat(100)}`,
    `<Notify>${'<Info></Info>'.repeat(70)}</Notify>`,
    `<?xml${' a="1"'.repeat(150)}?><Notify></Notify>`,
  ]) {
    const { result, regexes } = run(body);
    assert.equal(result, undefined);
    assert.ok(regexes.length <= 4, `${regexes.length} regex runs for ${body.slice(0, 30)}…`);
    assert.ok(
      regexes.every(anchored),
      `an unanchored regex: ${regexes.filter((r) => !anchored(r)).join(' ')}`,
    );
  }

  // The canonical keepalive: head, one run per element (4) and the one that ends the list, tail,
  // the SN check, and the charset read of the declaration.
  const ok = run(KEEPALIVE);
  assert.ok(ok.result);
  assert.ok(ok.regexes.length <= 10, `${ok.regexes.length} regex runs`);
});
