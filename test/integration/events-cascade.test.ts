// Alarms, positions and alarm controls across a cascade (issue #14 acceptance 4; docs/events.md §9).
// First two real gateways: B is A's upper platform, A shares two of its simulator's four channels.
// B subscribes to A's alarms and positions through its ordinary API; an alarm of a shared channel
// behind A reaches B under the shared ID, one of an unshared channel never does; B's GuardCmd and
// AlarmCmd reach the simulated device. Then sipp plays the upper platform (test/sipp/
// cascade-upper-alarm.xml) over UDP and TCP: it subscribes to A's alarms and must receive the
// shared channel's alarm as its first NOTIFY.
//
// The sipp part is skipped only when sipp is not installed and CI is unset.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LowerAlarm } from '../../gateway/gb28181/lower/backend.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { A_ID, SIM, bChannels, channel, startPair, type Pair } from '../helpers/cascade-pair.js';
import { REALM } from '../helpers/sip-peer.js';
import { freePort, portInUse } from '../helpers/ports.js';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';
import { SIPP, runSipp, type SippRun } from '../helpers/sipp.js';

interface AlarmBody {
  deviceId: string;
  channelId: string;
  description: string | null;
  priority: number | null;
  method: number | null;
  type: number | null;
  sn: string;
}

const alarmOf = (ch: string, description: string): LowerAlarm => ({
  sourceId: ch,
  priority: 2,
  method: 5,
  type: 6,
  timeMs: Date.now(),
  description,
  longitude: 117.2272,
  latitude: 31.8206,
});

describe('two gateways: B subscribes to A', () => {
  let pair: Pair;
  const simulated = () => pair.a.sim.device(SIM)!;

  before(async () => {
    // A subscribes to its simulator's positions, so it has positions to pass up.
    pair = await startPair({
      a: { 'subscribe-on-register': 'mobile-position', 'position-interval': 1 },
      b: { 'position-interval': 1 },
    });
    assert.equal(await pair.a.sim.waitForRegistered(1, 10_000), true);
    await bChannels(pair, 2);
  });
  after(async () => {
    await pair?.close();
  });

  test("B's alarm subscription on A is accepted, and an alarm of a shared channel reaches B under its shared ID", async () => {
    const sub = await pair.b.api<{ state: string }>(`/api/devices/${A_ID}/subscriptions`, {
      method: 'POST',
      body: JSON.stringify({ event: 'alarm' }),
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal(sub.body.state, 'active');
    const link = pair.a.gw.cascade.link('34020000002000000002')!;
    assert.equal(link.platform.eventStats.alarmSubscriptions, 1);
    // Not shared with B: must stay on A.
    assert.equal(await simulated().platform.raiseAlarm(alarmOf(channel(2), '未共享通道')), true);
    assert.equal(await simulated().platform.raiseAlarm(alarmOf(channel(1), '共享通道入侵')), true);
    const onB = await waitFor(
      async () => {
        const r = await pair.b.api<AlarmBody[]>(`/api/alarms?deviceId=${A_ID}`);
        return r.body.length > 0 ? r.body : undefined;
      },
      10_000,
      'the alarm on B',
    );
    assert.deepEqual(
      onB.map((a) => [a.deviceId, a.channelId, a.description, a.priority, a.method, a.type]),
      [[A_ID, channel(1), '共享通道入侵', 2, 5, 6]],
    );
    const onA = await pair.a.api<AlarmBody[]>(`/api/alarms?deviceId=${SIM}`);
    assert.deepEqual(onA.body.map((a) => a.channelId).sort(), [channel(1), channel(2)]);
    // A sent it inside B's subscription, and B acknowledged it with its Response.
    assert.ok(link.platform.eventStats.alarmNotifies >= 1);
    assert.equal(link.platform.eventStats.alarmMessages, 0);
    await waitFor(() => pair.b.gw.upper.stats.events.responsesSent >= 1, 5000, "B's Response to A");
  });

  test("B's position subscription on A brings the shared channels' positions, and only theirs", async () => {
    const sub = await pair.b.api<{ state: string }>(`/api/devices/${A_ID}/subscriptions`, {
      method: 'POST',
      body: JSON.stringify({ event: 'mobile-position', interval: 1 }),
    });
    assert.equal(sub.body.state, 'active');
    type P = { deviceId: string; channelId: string; receivedAt: string };
    const positions = await waitFor(
      async () => {
        const r = await pair.b.api<P[]>('/api/positions');
        return r.body.length >= 2 ? r.body : undefined;
      },
      10_000,
      'positions on B',
    );
    assert.deepEqual(positions.map((p) => [p.deviceId, p.channelId]).sort(), [
      [A_ID, channel(1)],
      [A_ID, channel(3)],
    ]);
    // Once both have been reported again, the unshared channels have had their chance too.
    const later = await waitFor(
      async () => {
        const r = await pair.b.api<P[]>('/api/positions');
        const newer = r.body.filter((p) =>
          positions.some((o) => o.channelId === p.channelId && p.receivedAt > o.receivedAt),
        );
        return newer.length >= 2 ? r.body : undefined;
      },
      10_000,
      'the next reports on B',
    );
    assert.equal(later.length, 2, 'the unshared channels never appear');
  });

  test("B's GuardCmd and AlarmCmd reach the device behind A and come back with its Result", async () => {
    const disarm = await pair.b.api<{ ok: boolean; result: string | null }>(`/api/devices/${A_ID}/guard`, {
      method: 'POST',
      body: JSON.stringify({ armed: false }),
    });
    assert.deepEqual(disarm.body, { ok: true, result: 'OK' });
    assert.equal(simulated().backend.armed, false);
    const reset = await pair.b.api<{ ok: boolean; result: string | null }>(
      `/api/devices/${A_ID}/channels/${channel(1)}/alarm-reset`,
      { method: 'POST', body: JSON.stringify({}) },
    );
    assert.deepEqual(reset.body, { ok: true, result: 'OK' });
    assert.equal(simulated().backend.stats.alarmResets, 1);
    const unshared = await pair.b.api<{ error: { code: string } }>(
      `/api/devices/${A_ID}/channels/${channel(2)}/alarm-reset`,
      { method: 'POST', body: JSON.stringify({}) },
    );
    assert.equal(
      unshared.body.error.code,
      'GW_ERR_DEVICE_REJECTED',
      'A answers ERROR for a channel it does not share',
    );
    assert.equal(simulated().backend.stats.alarmResets, 1);
  });
});

const UPPER = '34020000002000000088';
const PASSWORD = 'sipp-upper-alarm-1';

for (const transport of ['udp', 'tcp'] as const) {
  describe(
    `sipp as the upper platform subscribing to alarms over ${transport.toUpperCase()}`,
    { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
    () => {
      let h: Harness;
      let sipp: SippRun | undefined;
      let work: string;
      const logs = { errors: '', messages: '' };

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
        h = await startHarness({});
        assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
        await h.waitForChannels(SIM, 4);
        work = mkdtempSync(join(tmpdir(), `gb-cascade-alarm-${transport}-`));
        logs.errors = join(work, 'errors.log');
        logs.messages = join(work, 'messages.log');
        const scenario = join(work, 'cascade-upper-alarm.xml');
        writeFileSync(
          scenario,
          readFileSync(join(repoRoot, 'test', 'sipp', 'cascade-upper-alarm.xml'), 'utf8').replaceAll(
            '@CH@',
            channel(1),
          ),
        );
        const sippPort = await freePort();
        const keys = { upper: UPPER, realm: REALM, aid: A_ID, password: PASSWORD };
        sipp = runSipp(
          SIPP,
          [
            '-sf',
            scenario,
            '-t',
            transport === 'udp' ? 'u1' : 't1',
            '-i',
            '127.0.0.1',
            '-p',
            String(sippPort),
            ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
            '-timeout',
            '60s',
            '-nostdin',
            '-trace_err',
            '-error_file',
            logs.errors,
            '-trace_msg',
            '-message_file',
            logs.messages,
          ],
          work,
          97,
        );
        await waitFor(() => portInUse(sippPort, transport), 15_000, 'sipp to bind its port');
        const created = await h.api('/api/upper-platforms', {
          method: 'POST',
          body: JSON.stringify({
            id: UPPER,
            host: '127.0.0.1',
            port: sippPort,
            transport,
            password: PASSWORD,
            keepaliveIntervalSec: 1,
            registerTimeoutSec: 2,
            shares: [
              { type: 'channel', deviceId: SIM, channelId: channel(1) },
              { type: 'channel', deviceId: SIM, channelId: channel(3) },
            ],
          }),
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
      });

      after(async () => {
        await sipp?.stop();
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      test("sipp's alarm subscription gets the shared channel's alarm as its first NOTIFY, and its Response is taken", async () => {
        const link = await waitFor(
          () => {
            const l = h.gw.cascade.link(UPPER);
            return l && l.platform.eventStats.alarmSubscriptions > 0 ? l : undefined;
          },
          15_000,
          "sipp's alarm subscription on the gateway",
        );
        const acknowledged: string[] = [];
        link.platform.on('alarmAcknowledged', ({ sn, result }) => acknowledged.push(`${sn} ${result}`));
        const device = h.sim.device(SIM)!.platform;
        // First an alarm of a channel that is not shared: sipp's check fails if it ever arrives.
        assert.equal(await device.raiseAlarm(alarmOf(channel(2), 'unshared')), true);
        await waitFor(
          async () => (await h.api<unknown[]>(`/api/alarms?channelId=${channel(2)}`)).body.length === 1,
          5000,
          'the unshared alarm stored on the gateway',
        );
        assert.equal(await device.raiseAlarm(alarmOf(channel(1), 'shared')), true);
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          sipp!.exit,
          new Promise((r) => (timer = setTimeout(() => r('timeout'), 30_000))),
        ]);
        clearTimeout(timer);
        const errors = existsSync(logs.errors) ? readFileSync(logs.errors, 'latin1') : '';
        assert.equal(code, 97, errors.slice(0, 3000));
        assert.doesNotMatch(errors, /Aborting call|Failed regexp|unexpected/i, errors.slice(0, 3000));
        assert.equal(acknowledged.length, 1, 'the upper acknowledged the alarm with its Response');
        assert.match(acknowledged[0], / OK$/);
        const notifies = readFileSync(logs.messages, 'latin1').split(/\nNOTIFY sip:/).length - 1;
        assert.equal(notifies, 1, 'exactly one alarm went up');
      });
    },
  );
}
