// The simulator's alarms and moving channels against the real gateway (docs/events.md §9): the
// gateway subscribes on registration, the simulated NVR answers with NOTIFYs in the dialogs
// (alarms as they are raised, positions at the subscribed interval), the gateway acknowledges each
// alarm with its Response, and a disarmed device (GuardCmd ResetGuard) raises none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const SIM = '34020000001180000001';
let h: Harness;
let sse: SseClient;
let acknowledged = 0;

interface AlarmBody {
  method: number;
  type: number | null;
  description: string;
  channelId: string;
  longitude: number | null;
}
interface PositionBody {
  channelId: string;
  longitude: number;
  latitude: number;
  speed: number;
}

before(async () => {
  h = await startHarness({
    gateway: { 'subscribe-on-register': 'alarm,mobile-position', 'position-interval': 1 },
    simulator: { alarmRatePerMin: 300, firstAlarmAfterMs: 200, alarmTypes: ['motion', 'video-loss'] },
  });
  sse = await openSse(`${h.base}/api/events?types=alarm,position`, { Authorization: `Bearer ${h.token}` });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  h.sim.device(SIM)!.platform.on('alarmAcknowledged', () => acknowledged++);
});
after(async () => {
  sse?.close();
  await h?.close();
});

test('simulated alarms arrive as NOTIFYs in the alarm subscription, typed, located, and acknowledged', async () => {
  const first = await sse.next((e) => e.event === 'alarm', 10_000);
  const a = first.data as AlarmBody;
  assert.ok(
    (a.method === 5 && a.type === 2 && a.description === '移动侦测') ||
      (a.method === 2 && a.type === 1 && a.description === '视频丢失'),
    JSON.stringify(a),
  );
  assert.match(a.channelId, /^340200000013100000\d\d$/);
  assert.equal(typeof a.longitude, 'number');
  const stats = h.sim.device(SIM)!.platform.eventStats;
  assert.equal(stats.alarmSubscriptions, 1);
  assert.ok(stats.alarmNotifies >= 1);
  assert.equal(stats.alarmMessages, 0, 'inside the subscription, not as MESSAGE');
  await waitFor(() => acknowledged >= 1, 5000, "the gateway's Response");
});

test('every channel moves: positions at the subscribed interval, a different place each time', async () => {
  const channel = '34020000001310000002';
  const seen = await waitFor(
    () => {
      const mine = sse.events.filter(
        (e) => e.event === 'position' && (e.data as PositionBody).channelId === channel,
      );
      return mine.length >= 3 ? mine : undefined;
    },
    10_000,
    'three reports of one channel',
  );
  const places = new Set(
    seen.map((e) => `${(e.data as PositionBody).longitude},${(e.data as PositionBody).latitude}`),
  );
  assert.equal(places.size, seen.length, 'it moved between reports');
  assert.ok(seen.every((e) => (e.data as PositionBody).speed > 0));
  const gap = seen[2].receivedAtMs - seen[1].receivedAtMs;
  assert.ok(gap > 500 && gap < 2500, `reports ${gap.toFixed(0)} ms apart with a 1 s interval`);
  const latest = await h.api<PositionBody[]>('/api/positions');
  assert.equal(latest.body.length, 4);
});

test('a disarmed device raises no alarms until it is armed again', async () => {
  const disarm = await h.api<{ result: string | null }>(`/api/devices/${SIM}/guard`, {
    method: 'POST',
    body: JSON.stringify({ armed: false }),
  });
  assert.equal(disarm.body.result, 'OK');
  const generator = h.sim.device(SIM)!.alarms;
  const raised = generator.raised;
  // Time passes (positions keep coming every second) and no alarm is raised.
  const from = sse.events.length;
  await sse.next((e) => e.event === 'position', 5000, from);
  const mark = sse.events.length;
  await waitFor(
    () => sse.events.slice(mark).filter((e) => e.event === 'position').length >= 8,
    10_000,
    'two more rounds of positions',
  );
  assert.equal(generator.raised, raised);
  await h.api(`/api/devices/${SIM}/guard`, { method: 'POST', body: JSON.stringify({ armed: true }) });
  await sse.next((e) => e.event === 'alarm', 10_000, sse.events.length);
});
