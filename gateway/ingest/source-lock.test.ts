import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceLock, normalizeAddress } from './source-lock.js';

test('the first source locks; another port or address is other once the lock carried media', () => {
  const lock = new SourceLock();
  assert.equal(lock.match('10.0.0.5', 15060), 'unlocked');
  lock.lock('10.0.0.5', 15060);
  assert.equal(lock.match('10.0.0.5', 15060), 'same');
  assert.equal(lock.match('10.0.0.5', 15062), 'unproven', 'no media yet: a stray may have got there first');
  lock.confirm();
  assert.equal(lock.match('10.0.0.5', 15062), 'other', 'same host, other port: another sender');
  assert.equal(lock.match('10.0.0.9', 15060), 'other');
  assert.deepEqual(lock.locked, { address: '10.0.0.5', port: 15060 });
});

test('an address signaling named is trusted on any port (NAT: SDP c= need not match the source)', () => {
  const lock = new SourceLock();
  lock.trust('192.168.1.64'); // c= of the answer
  lock.lock('203.0.113.7', 40000); // the device's packets arrive NATed: first source wins
  lock.confirm();
  assert.equal(lock.match('203.0.113.7', 40000), 'same');
  assert.equal(lock.match('192.168.1.64', 9), 'trusted');
  assert.equal(lock.match('::ffff:192.168.1.64', 9), 'trusted', 'IPv4-mapped IPv6 is the same address');
  // moving the lock counts, and the new source must prove itself again
  lock.lock('192.168.1.64', 9);
  assert.equal(lock.moves, 1);
  assert.equal(lock.match('203.0.113.7', 40000), 'unproven');
});

test('rejected packets are counted; each source is reported once, and a flood a bounded number of times', () => {
  const lock = new SourceLock();
  lock.lock('127.0.0.1', 1000);
  assert.equal(lock.reject('127.0.0.1', 2000), true);
  assert.equal(lock.reject('127.0.0.1', 2000), false);
  let reports = 1;
  for (let port = 3000; port < 4000; port++) {
    if (lock.reject('127.0.0.1', port)) {
      reports++;
    }
  }
  assert.equal(reports, 64);
  assert.equal(lock.mismatches, 1002);
});

test('normalizeAddress folds IPv4-mapped IPv6 and case, and leaves real IPv6 alone', () => {
  assert.equal(normalizeAddress('::FFFF:10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeAddress('10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeAddress('FE80::1'), 'fe80::1');
  assert.equal(normalizeAddress('::ffff:abcd'), '::ffff:abcd');
});
