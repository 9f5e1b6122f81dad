import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SsrcGuard } from './ssrc-guard.js';

const Y = 0x0bebc201; // y=0200000001

test('strict accepts only the expected SSRC and reports each stranger once', () => {
  const guard = new SsrcGuard('strict', Y);
  assert.equal(guard.check(Y), 'accept');
  assert.equal(guard.check(7), 'reject-new');
  assert.equal(guard.check(7), 'reject');
  assert.equal(guard.check(8), 'reject-new');
  assert.equal(guard.check(Y), 'accept');
  assert.equal(guard.mismatches, 3);
});

test('strict follows the SSRC of the answer (wvp #127: NCG answered its own y=)', () => {
  const guard = new SsrcGuard('strict', Y);
  guard.setExpected(703001718);
  assert.equal(guard.check(703001718), 'accept');
  assert.equal(guard.check(Y), 'reject-new');
});

test('learn-first locks the first SSRC: Dahua sends SSRC 0 whatever y= said (SRS #2047)', () => {
  const guard = new SsrcGuard('learn-first', Y);
  assert.equal(guard.check(0), 'accept');
  assert.equal(guard.check(0), 'accept');
  assert.equal(guard.check(1234), 'reject-new');
  assert.equal(guard.locked, 0);
});

test('learn-first switches once to the expected SSRC if it appears after a stray one', () => {
  const guard = new SsrcGuard('learn-first', Y);
  assert.equal(guard.check(99), 'accept');
  assert.equal(guard.check(Y), 'switch');
  assert.equal(guard.check(Y), 'accept');
  assert.equal(guard.check(99), 'reject-new');
  assert.equal(guard.switches, 1);
});

test('strict without an expected SSRC learns like learn-first; off accepts everything', () => {
  const strict = new SsrcGuard('strict');
  assert.equal(strict.check(5), 'accept');
  assert.equal(strict.check(6), 'reject-new');
  const off = new SsrcGuard('off', Y);
  assert.equal(off.check(5), 'accept');
  assert.equal(off.check(6), 'accept');
  assert.equal(off.mismatches, 0);
});

test('a flood of random SSRCs is counted but reported a bounded number of times', () => {
  const guard = new SsrcGuard('strict', Y);
  let reports = 0;
  for (let i = 0; i < 10_000; i++) {
    if (guard.check(i + 1) === 'reject-new') {
      reports++;
    }
  }
  assert.equal(guard.mismatches, 10_000);
  assert.equal(reports, 64);
});

test('with a source lock, the expected SSRC from another source cannot take over a proven stream', () => {
  // the device ignores y= (sends 0) and plays; a sender that read y= aims it from elsewhere
  const guard = new SsrcGuard('learn-first', Y);
  assert.equal(guard.check(0, 'unlocked'), 'accept');
  assert.equal(guard.check(Y, 'other'), 'reject-source');
  assert.equal(guard.check(0, 'other'), 'reject-source', 'nor by copying the learned SSRC');
  assert.equal(guard.check(0, 'same'), 'accept');
  assert.equal(guard.locked, 0, 'the rejected takeover changed nothing');
  assert.equal(guard.switches, 0);
  assert.equal(guard.mismatches, 0, 'source rejections are not SSRC mismatches');
  // a foreign SSRC from anywhere is still reported as an SSRC mismatch first
  assert.equal(guard.check(1234, 'other'), 'reject-new');
});

test('the switch to the expected SSRC is allowed from the locked source, a trusted address, or over an unproven stray', () => {
  for (const source of ['same', 'trusted', 'unproven'] as const) {
    const guard = new SsrcGuard('learn-first', Y);
    assert.equal(guard.check(99, 'unlocked'), 'accept');
    assert.equal(guard.check(Y, source), 'switch', source);
    assert.equal(guard.locked, Y);
  }
  // an unproven lock is no reason to share its SSRC; a trusted address may move it (NAT rebinding)
  const guard = new SsrcGuard('learn-first', Y);
  guard.check(0, 'unlocked');
  assert.equal(guard.check(0, 'unproven'), 'reject-source');
  assert.equal(guard.check(0, 'trusted'), 'accept');
});

test('strict with a source lock: the expected SSRC from another source is refused; off ignores sources', () => {
  const strict = new SsrcGuard('strict', Y);
  assert.equal(strict.check(Y, 'unlocked'), 'accept');
  assert.equal(strict.check(Y, 'other'), 'reject-source');
  assert.equal(strict.check(Y, 'trusted'), 'accept');
  assert.equal(strict.check(7, 'other'), 'reject-new');
  const off = new SsrcGuard('off', Y);
  assert.equal(off.check(Y, 'other'), 'accept');
});
