// Signed media URLs on an injected clock: what a token grants (a channel's live stream, not one
// instance), the sliding expiry of a token in use, revocation per channel and for all, kept in
// the store across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaAccess } from './media-access.js';
import { MediaTokenSigner, subjectOf } from './media-token.js';
import { SqliteMediaRevocationStore } from '../store/media-revocations.js';

const KEY = Buffer.alloc(32, 7);
const D = '34020000001180000001';
const C1 = '34020000001310000001';
const C2 = '34020000001310000002';
const LIVE1 = `${D}_${C1}`;
const LIVE2 = `${D}_${C2}`;
const MIN = 60_000;

function setup(graceMs = 2 * MIN) {
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const signer = new MediaTokenSigner(KEY, clock.now);
  return { clock, signer, access: new MediaAccess(signer, { now: clock.now, graceMs }) };
}

test('a token names a channel and stream kind: live ids map to live/<device>/<channel>/<kind>', () => {
  assert.equal(subjectOf(LIVE1), `live/${D}/${C1}/main`);
  assert.equal(subjectOf(`${LIVE1}_sub`), `live/${D}/${C1}/sub`);
  assert.equal(subjectOf(`${LIVE1}_pb7`), `stream/${LIVE1}_pb7`);
  const { signer, access } = setup();
  const token = signer.sign(LIVE1, 3600);
  assert.match(token, /^\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
  assert.equal(access.check(LIVE1, token), 'ok');
  assert.equal(access.check(LIVE2, token), 'invalid', "another channel's stream");
  assert.equal(access.check(`${LIVE1}_sub`, token), 'invalid', 'another stream kind');
  assert.equal(access.check(LIVE1, new MediaTokenSigner(Buffer.alloc(32, 8)).sign(LIVE1, 3600)), 'invalid');
  assert.equal(access.check(LIVE1, undefined), 'invalid');
  assert.equal(access.check(LIVE1, `${token}x`), 'invalid');
});

test('expiry slides while the token is in use: a month of use every minute, then it dies after the grace', () => {
  const { clock, signer, access } = setup();
  const token = signer.sign(LIVE1, 600); // 10 minutes
  for (let minute = 0; minute < 30 * 24 * 60; minute++) {
    assert.equal(access.check(LIVE1, token), 'ok', `minute ${minute}`);
    clock.advance(MIN);
  }
  clock.advance(2 * MIN); // three minutes since the last use, more than the grace
  assert.equal(access.check(LIVE1, token), 'expired');

  const unused = signer.sign(LIVE1, 600);
  clock.advance(11 * MIN);
  assert.equal(access.check(LIVE1, unused), 'expired', 'a URL nobody used dies at its expiry');
});

test('revocation: a channel (live and playback), then everything; URLs issued later work', () => {
  const { clock, signer, access } = setup();
  const live1 = signer.sign(LIVE1, 3600);
  const playback1 = signer.sign(`${LIVE1}_pb3`, 3600);
  const live2 = signer.sign(LIVE2, 3600);
  assert.equal(access.check(LIVE1, live1), 'ok');
  clock.advance(1000);
  access.revoke({ deviceId: D, channelId: C1 });
  assert.equal(access.check(LIVE1, live1), 'revoked', 'in use, and revoked at once');
  assert.equal(access.check(`${LIVE1}_pb3`, playback1), 'revoked');
  assert.equal(access.check(LIVE2, live2), 'ok', 'another channel is untouched');
  clock.advance(1);
  assert.equal(access.check(LIVE1, signer.sign(LIVE1, 3600)), 'ok', 'a new URL works');
  clock.advance(1000);
  access.revoke();
  assert.equal(access.check(LIVE2, live2), 'revoked');
});

test('revocations are kept in the store and come back after a restart', () => {
  const store = new SqliteMediaRevocationStore(':memory:');
  const { clock, signer } = setup();
  const token = signer.sign(LIVE1, 3600);
  clock.advance(1000);
  new MediaAccess(signer, { now: clock.now, store }).revoke({ deviceId: D, channelId: C1 });
  const restarted = new MediaAccess(signer, { now: clock.now, store });
  assert.equal(restarted.check(LIVE1, token), 'revoked');
  assert.deepEqual(
    store.load().map(([scope]) => scope),
    [`${D}/${C1}`],
  );
  store.close();
});

test('the memory of tokens in use is bounded: the least recently used go first', () => {
  let now = 0;
  const signer = new MediaTokenSigner(KEY, () => now);
  const access = new MediaAccess(signer, { now: () => now, graceMs: MIN, maxRemembered: 3 });
  const tokens = [1, 2, 3, 4].map((i) => signer.sign(`${LIVE1}_pb${i}`, 10));
  tokens.forEach((t, i) => access.check(`${LIVE1}_pb${i + 1}`, t));
  now = 20_000; // all expired; only the three remembered still slide
  assert.deepEqual(
    tokens.map((t, i) => access.check(`${LIVE1}_pb${i + 1}`, t)),
    ['expired', 'ok', 'ok', 'ok'],
  );
});
