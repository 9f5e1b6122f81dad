import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { parseManscdp } from '../manscdp/codec.js';
import { Backoff } from './backoff.js';
import { encodeLowerManscdp, lowerManscdpText } from './manscdp-writer.js';
import { paginate } from './paged-sender.js';

const page = {
  kind: 'CatalogResponse' as const,
  sn: '1',
  deviceId: '34020000001180000001',
  sumNum: 1,
  items: [{ deviceId: '34020000001310000001', name: '大门&东' }],
};

test('the reference keepalive body, byte for byte (168 bytes, CRLF lines)', () => {
  const body = encodeLowerManscdp(
    { kind: 'Keepalive', sn: '9', deviceId: '34020000001180000001', status: 'OK', faultyDeviceIds: [] },
    'GB2312',
  );
  assert.equal(body.length, 168);
  assert.equal(
    Buffer.from(body).toString('latin1'),
    '<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>9</SN>\r\n<DeviceID>34020000001180000001</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n',
  );
});

test('vendor quirks: raw & (Hikvision) and standalone="yes" (Dahua), still readable by the parser', () => {
  assert.match(lowerManscdpText(page, 'GB2312'), /<Name>大门&amp;东<\/Name>/);
  const hik = lowerManscdpText(page, 'GB2312', { rawAmpersand: true, xmlStandalone: false });
  assert.match(hik, /<Name>大门&东<\/Name>/);
  const dahua = lowerManscdpText(page, 'GB2312', { rawAmpersand: false, xmlStandalone: true });
  assert.match(dahua, /^<\?xml version="1\.0" encoding="GB2312" standalone="yes"\?>/);
  const parsed = parseManscdp(
    encodeLowerManscdp(page, 'GB2312', { rawAmpersand: true, xmlStandalone: true }),
  );
  assert.ok(parsed.ok);
  assert.equal(
    parsed.value.message.kind === 'CatalogResponse' && parsed.value.message.items[0].name,
    '大门&东',
  );
});

test('paginate: K per page, an empty result is one empty page', () => {
  assert.deepEqual(paginate([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(paginate([], 4), [[]]);
  assert.deepEqual(paginate([1, 2], 0), [[1], [2]]);
});

test('back-off grows to the cap, keeps a floor, jitters downwards only, resets', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 1 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [50, 100, 200, 400, 500]);
  assert.equal(b.next(60_000), 60_000);
  b.reset();
  assert.equal(new Backoff({ initialMs: 100, jitter: 0, random: () => 0.3 }).next(), 100);
  assert.equal(b.failures, 0);
});
