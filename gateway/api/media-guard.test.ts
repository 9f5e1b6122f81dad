// The session keeper on mock timers: a live WHEP session keeps the token it was opened with in
// use past its expiry (so the DELETE on its Location still works), at a pace set by the grace,
// and a session whose token is revoked ends at the next sweep. The on-demand start: only a request
// that plays starts an idle stream.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MediaAccess } from './media-access.js';
import { MediaTokenSigner } from './media-token.js';
import type { Request, Response } from 'express';
import { SessionKeeper, startOnDemand, type KeptSessions } from './media-guard.js';

const LIVE = '34020000001180000001_34020000001310000001';

function setup(graceMs: number) {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: Date.UTC(2026, 0, 1) });
  const signer = new MediaTokenSigner(Buffer.alloc(32, 7));
  const access = new MediaAccess(signer, { graceMs });
  const token = signer.sign(LIVE, 10);
  const closed: string[] = [];
  const open = [{ id: 's1', streamId: LIVE, token }];
  const sessions: KeptSessions = {
    list: () => open.filter((s) => !closed.includes(s.id)),
    close: (id) => closed.push(id),
  };
  assert.equal(access.check(LIVE, token), 'ok', 'the POST that opened the session');
  return { access, token, closed, keeper: new SessionKeeper(access, sessions) };
}

test('a live session keeps its 10 s token good for an hour with a 10 s grace', (t) => {
  t.after(() => mock.timers.reset());
  const { access, token, keeper } = setup(10_000);
  for (let s = 0; s < 3600; s++) {
    mock.timers.tick(1000);
  }
  keeper.stop();
  assert.equal(access.check(LIVE, token), 'ok', 'the DELETE on the Location an hour later');
});

test('without the session the same token lapses after its expiry and the grace', (t) => {
  t.after(() => mock.timers.reset());
  const { access, token, keeper } = setup(10_000);
  keeper.stop();
  mock.timers.tick(21_000);
  assert.equal(access.check(LIVE, token), 'expired');
});

test("revoking the channel's URLs ends the session at the next sweep", (t) => {
  t.after(() => mock.timers.reset());
  const { access, closed, keeper } = setup(120_000);
  mock.timers.tick(1);
  access.revoke({ deviceId: LIVE.slice(0, 20), channelId: LIVE.slice(21) });
  assert.deepEqual(closed, []);
  mock.timers.tick(30_000);
  keeper.stop();
  assert.deepEqual(closed, ['s1']);
});

test('an idle live URL: GET and a WHEP POST start its stream; DELETE, OPTIONS and an oversized offer do not', async () => {
  const started: string[] = [];
  const guard = startOnDemand({
    active: () => false,
    startLive: (deviceId, channelId, variant) => {
      started.push(`${deviceId}/${channelId}/${variant}`);
      return Promise.resolve();
    },
    maxBodyBytes: 65_536,
  });
  const pass = (method: string, length = 0, streamId = LIVE) =>
    new Promise<unknown>((resolve) => {
      const headers: Record<string, string> = { 'content-length': String(length) };
      const req = { method, params: { streamId }, path: '/', get: (h: string) => headers[h] };
      guard(req as unknown as Request, {} as Response, resolve);
    });
  for (const [method, length] of [
    ['DELETE', 0],
    ['OPTIONS', 0],
    ['POST', 70_000],
  ] as const) {
    await pass(method, length);
    assert.deepEqual(started, [], `${method} ${length}`);
  }
  await pass('POST', 3000);
  await pass('GET');
  // a sub-stream URL starts the sub stream, whatever the device's default stream is
  await pass('GET', 0, `${LIVE}_sub`);
  const channel = `${LIVE.slice(0, 20)}/${LIVE.slice(21)}`;
  assert.deepEqual(started, [`${channel}/main`, `${channel}/main`, `${channel}/sub`]);
});
