import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from './errors.js';
import { buildSubject, parseSubject, playSubject } from './subject.js';

test('Subject of the docs/gb28181.md §7.1 INVITE builds and parses', () => {
  const header = '34020000001310000001:0200000001,34020000002000000001:0';
  assert.equal(playSubject('34020000001310000001', '0200000001', '34020000002000000001'), header);
  const parsed = parseSubject(header);
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      senderId: '34020000001310000001',
      senderSerial: '0200000001',
      receiverId: '34020000002000000001',
      receiverSerial: '0',
    },
  });
  assert.ok(parsed.ok);
  assert.equal(buildSubject(parsed.value), header);
});

test('Subject parsing tolerates spaces and an empty serial; rejects other shapes', () => {
  const r = parseSubject(' 34020000001310000001 : 1200000002 , 34020000002000000001: ');
  assert.ok(r.ok);
  assert.equal(r.value.senderSerial, '1200000002');
  assert.equal(r.value.receiverSerial, '0');
  for (const bad of ['', '34020000001310000001:0200000001', 'a:1,b:2,c:3', 'a:1:2,b:0']) {
    const x = parseSubject(bad);
    assert.equal(x.ok ? 'ok' : x.error, GbErrorCode.SUBJECT_SYNTAX, bad);
  }
});
