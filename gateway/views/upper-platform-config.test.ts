import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  shareProblems,
  toRecord,
  UpperPlatformSchema,
  UpperPlatformUpdateSchema,
} from './upper-platform-config.js';

const UPPER = '34020000002000000002';
const GROUP = '34020000002150000001';
const ORG = '34020000002160000001';
const NVR = '34020000001180000001';

test('an entry with only the required fields gets the GB/T 28181 defaults and the realm from the ID', () => {
  const parsed = UpperPlatformSchema.parse({ id: UPPER, host: '10.0.0.10', password: '12345678' });
  const { id, shares, ...settings } = parsed;
  assert.equal(shares, undefined);
  assert.deepEqual(toRecord(id, settings), {
    id: UPPER,
    name: null,
    realm: '3402000000',
    host: '10.0.0.10',
    port: 5060,
    transport: 'udp',
    password: '12345678',
    localId: null,
    keepaliveIntervalSec: 60,
    keepaliveMaxMisses: 3,
    expiresSec: 3600,
    registerTimeoutSec: 10,
    charset: 'GB2312',
    enabled: true,
  });
});

test('unknown keys, short IDs and a missing password are refused', () => {
  assert.equal(
    UpperPlatformSchema.safeParse({ id: UPPER, host: 'h', password: 'p', pasword: 'typo' }).success,
    false,
  );
  assert.equal(
    UpperPlatformSchema.safeParse({ id: '3402000000200000000', host: 'h', password: 'p' }).success,
    false,
  );
  assert.equal(UpperPlatformSchema.safeParse({ id: UPPER, host: 'h' }).success, false);
  // PUT keeps the stored password when none is given.
  assert.equal(UpperPlatformUpdateSchema.safeParse({ host: 'h' }).success, true);
});

test('directory IDs must carry their type code: 215 for a business group, 216 for a virtual organisation', () => {
  const entry = (shares: unknown[]) =>
    UpperPlatformSchema.safeParse({ id: UPPER, host: 'h', password: 'p', shares });
  assert.equal(entry([{ type: 'group', id: GROUP, name: '治安监控' }]).success, true);
  assert.equal(entry([{ type: 'group', id: ORG, name: '治安监控' }]).success, false);
  assert.equal(entry([{ type: 'organisation', id: GROUP, name: '东区', parentId: GROUP }]).success, false);
});

test('shareProblems: parents must be directory nodes of the list, organisations must reach a group, IDs are unique', () => {
  assert.deepEqual(
    shareProblems([
      { type: 'group', id: GROUP, name: 'g' },
      { type: 'organisation', id: ORG, name: 'o', parentId: GROUP },
      { type: 'device', deviceId: NVR, parentId: ORG },
      { type: 'channel', deviceId: NVR, channelId: '34020000001310000001', parentId: GROUP },
    ]),
    [],
  );
  assert.deepEqual(
    shareProblems([
      { type: 'device', deviceId: NVR, parentId: ORG },
      { type: 'channel', deviceId: NVR, channelId: '34020000001310000001' },
      { type: 'channel', deviceId: NVR, channelId: '34020000001310000002', asId: '34020000001310000001' },
    ]),
    [
      `shares[0]: parentId ${ORG} is not a group or organisation of this share list`,
      'shares[2]: ID 34020000001310000001 is presented twice',
    ],
  );
  assert.deepEqual(shareProblems([{ type: 'organisation', id: ORG, name: 'o', parentId: ORG }]), [
    `organisation ${ORG}: its parents form a loop`,
  ]);
  const orphan = '34020000002160000002';
  assert.deepEqual(
    shareProblems([
      { type: 'organisation', id: ORG, name: 'o', parentId: orphan },
      { type: 'organisation', id: orphan, name: 'p', parentId: '34020000002160000003' },
    ]),
    [
      'shares[1]: parentId 34020000002160000003 is not a group or organisation of this share list',
      `organisation ${ORG}: no business group above it`,
      `organisation ${orphan}: no business group above it`,
    ],
  );
});
