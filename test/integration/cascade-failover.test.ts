// The cascade link's life when the upper platform goes away (GB/T 28181 §9.6; docs/gb28181.md §2): A
// keeps alive every second; with B stopped, A counts three unanswered keepalives, marks B offline,
// and registers again with a growing back-off until B (restarted on the same port and data dir)
// answers. Then A restarts without any cascade configuration: the upper platform and its sharing
// relations come back from A's database, and B sees the same two channels again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LowerPlatformState } from '../../gateway/gb28181/lower/lower-platform.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';
import {
  A_ID,
  B_ID,
  TWO_CHANNELS,
  channel,
  upperEntry,
  upperOnA,
  type ChannelView,
} from '../helpers/cascade-pair.js';

let bPort: number;
const dirs = { a: '', b: '' };
let a: Harness | undefined;
let b: Harness | undefined;
/** A's link state changes, with the time and error of each. */
const states: { at: number; state: LowerPlatformState; error?: string }[] = [];

const startB = () =>
  startHarness({
    gateway: { 'sip-id': B_ID, 'sip-port': bPort },
    simulator: { devices: 0 },
    dataDir: dirs.b,
  });

async function bSeesA(): Promise<ChannelView[]> {
  return waitFor(
    async () => {
      const device = await b!.api<{ online: boolean }>(`/api/devices/${A_ID}`);
      const channels = await b!.api<ChannelView[]>(`/api/devices/${A_ID}/channels`);
      return device.body.online && channels.body.length === 2 && channels.body.every((c) => c.status === 'ON')
        ? channels.body
        : undefined;
    },
    20_000,
    'B to see A online with its two channels',
  );
}

before(async () => {
  dirs.a = mkdtempSync(join(tmpdir(), 'gb-cascade-a-'));
  dirs.b = mkdtempSync(join(tmpdir(), 'gb-cascade-b-'));
  bPort = await freePort();
  b = await startB();
  a = await startHarness({
    dataDir: dirs.a,
    gateway: {
      cascade: [
        upperEntry(b, {
          keepaliveIntervalSec: 1,
          keepaliveMaxMisses: 3,
          registerTimeoutSec: 2,
          shares: TWO_CHANNELS,
        }),
      ],
    },
  });
  a.gw.cascade
    .link(B_ID)!
    .platform.on('state', (state, detail) =>
      states.push({ at: Date.now(), state, ...(detail.error ? { error: detail.error } : {}) }),
    );
});

after(async () => {
  await a?.close();
  await b?.close();
  rmSync(dirs.a, { recursive: true, force: true });
  rmSync(dirs.b, { recursive: true, force: true });
});

test('A registers with B and keeps alive every second', async () => {
  await bSeesA();
  await waitFor(
    async () => (await upperOnA(a!)).status.keepalive.answered >= 2,
    5_000,
    'two answered keepalives',
  );
  assert.equal((await upperOnA(a!)).status.online, true);
});

test('with B stopped, A marks it offline after exactly three unanswered keepalives, then retries with a growing back-off', async () => {
  const stoppedAt = Date.now();
  await b!.close();
  b = undefined;
  const lost = await waitFor(
    () => states.find((s) => s.at >= stoppedAt && s.state === 'failed'),
    15_000,
    'A to give up on B',
  );
  assert.match(lost.error ?? '', /^3 keepalives unanswered/);
  // One interval plus one unanswered wait (1 s each) per miss.
  const seconds = (lost.at - stoppedAt) / 1000;
  assert.ok(seconds >= 4 && seconds <= 10, `lost after ${seconds} s`);
  const view = await upperOnA(a!);
  assert.equal(view.status.online, false);
  assert.ok(view.status.keepalive.missed >= 3);

  // Two REGISTER attempts (2 s timeout each) fail while B is away; the second waits longer.
  const failures = await waitFor(
    () => {
      const f = states.filter(
        (s) => s.at >= lost.at && s.state === 'failed' && /REGISTER/.test(s.error ?? ''),
      );
      return f.length >= 2 ? f : undefined;
    },
    20_000,
    'two failed re-registrations',
  );
  // Back-off 2 s then 4 s, each less up to 30 % jitter (lower/backoff.ts): the ranges do not overlap.
  const waits = [lost, failures[0]].map(
    (f) => states.find((s) => s.at > f.at && s.state === 'registering')!.at - f.at,
  );
  assert.ok(waits[0] >= 1300 && waits[1] > waits[0], `back-off waits ${waits.join(', ')} ms`);
});

test('B restarted on the same port: A registers again on its own, and B lists its channels', async () => {
  const restartedAt = Date.now();
  b = await startB();
  await bSeesA();
  const view = await upperOnA(a!);
  assert.deepEqual([view.status.state, view.status.online], ['registered', true]);
  console.log(`A back on B ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after B restarted`);
});

test('A restarted without cascade configuration keeps B and its sharing relations (database)', async () => {
  await a!.close();
  a = await startHarness({ dataDir: dirs.a });
  const view = await waitFor(
    async () => {
      const v = await upperOnA(a!);
      return v.status.online ? v : undefined;
    },
    15_000,
    'A to register with B after its restart',
  );
  assert.deepEqual([view.shareCount, view.keepaliveIntervalSec], [2, 1]);
  const shares = await a.api<{ shares: unknown[] }>(`/api/upper-platforms/${B_ID}/shares`);
  assert.deepEqual(shares.body.shares, TWO_CHANNELS);
  const channels = await bSeesA();
  assert.deepEqual(channels.map((c) => c.channelId).sort(), [channel(1), channel(3)]);
});
