import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyCatalogId,
  gbIdCenterCode,
  gbIdIndustryCode,
  gbIdNetworkId,
  gbIdSerial,
  gbIdTypeCode,
  gbTypeCategory,
  isGbId,
  isRegionCode,
  parseGbId,
  splitParentIds,
} from './gb-id.js';

test('a 20-digit ID splits into center, industry, type, network and serial (docs/gb28181.md §3.4)', () => {
  const id = parseGbId(' 34020000001310000001 ');
  assert.equal(id, '34020000001310000001');
  assert.ok(id);
  assert.equal(gbIdCenterCode(id), '34020000');
  assert.equal(gbIdIndustryCode(id), '00');
  assert.equal(gbIdTypeCode(id), 131);
  assert.equal(gbIdNetworkId(id), 0);
  assert.equal(gbIdSerial(id), '000001');
  assert.equal(gbIdTypeCode(parseGbId('34020000001180000001')!), 118);
  assert.equal(gbIdTypeCode(parseGbId('34020000002000000001')!), 200);
});

test('IDs are strings: leading zeros survive, non-20-digit values are refused', () => {
  assert.equal(parseGbId('01020000001310000001'), '01020000001310000001');
  assert.equal(parseGbId('3402000000131000000'), undefined);
  assert.equal(parseGbId('340200000013100000011'), undefined);
  assert.equal(parseGbId('3402000000131000000A'), undefined);
  assert.equal(isGbId('34020000001310000001'), true);
});

test('region codes are 2/4/6/8 digits; 215/216 are group nodes', () => {
  for (const r of ['34', '3402', '340200', '34020000']) {
    assert.equal(classifyCatalogId(r), 'region', r);
  }
  assert.equal(isRegionCode('340'), false);
  assert.equal(isRegionCode('3402000000'), false);
  assert.equal(classifyCatalogId('34020000002150000001'), 'business-group');
  assert.equal(classifyCatalogId('34020000002160000001'), 'virtual-organisation');
  assert.equal(classifyCatalogId('34020000001310000001'), 'device');
  assert.equal(classifyCatalogId('3402000000'), 'unknown');
});

test('type categories and multi-valued ParentID (2022)', () => {
  assert.equal(gbTypeCategory(118), 'front-end-main');
  assert.equal(gbTypeCategory(131), 'front-end-peripheral');
  assert.equal(gbTypeCategory(215), 'platform');
  assert.equal(gbTypeCategory(300), 'central-user');
  assert.equal(gbTypeCategory(100), 'reserved');
  assert.deepEqual(splitParentIds('34020000002160000001/34020000002160000002/'), [
    '34020000002160000001',
    '34020000002160000002',
  ]);
  assert.deepEqual(splitParentIds(undefined), []);
});
