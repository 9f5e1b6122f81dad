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
  sse = await openSse(`${h.base}/api/events?types=alarm,position,stream,device`, {
    Authorization: `Bearer ${h.token}`,
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  h.sim.device(SIM)!.platform.on('alarmAcknowledged', () => acknowledged++);
});
after(async () => {
  sse?.close();
  await h?.close();
});

test('simulated alarms arrive as NOTIFYs in the alarm subscription, typed, located, and acknowledged', async () => {
  const platform = h.sim.device(SIM)!.platform;
  // Alarms raised before the gateway's SUBSCRIBE came in went out as MESSAGE; from then on, NOTIFY.
  await waitFor(() => platform.eventStats.alarmSubscriptions === 1, 5000, 'the alarm subscription');
  const messages = platform.eventStats.alarmMessages;
  await waitFor(() => platform.eventStats.alarmNotifies >= 1, 10_000, 'an alarm NOTIFY');
  const first = await sse.next((e) => e.event === 'alarm', 10_000);
  const a = first.data as AlarmBody;
  assert.ok(
    (a.method === 5 && a.type === 2 && a.description === '移动侦测') ||
      (a.method === 2 && a.type === 1 && a.description === '视频丢失'),
    JSON.stringify(a),
  );
  assert.match(a.channelId, /^340200000013100000\d\d$/);
  assert.equal(typeof a.longitude, 'number');
  assert.equal(platform.eventStats.alarmMessages, messages, 'inside the subscription, not as MESSAGE');
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

test('device, stream and Prometheus: the device came online, a live stream starts and stops, counters moved', async () => {
  const online = await sse.next((e) => e.event === 'device', 5000);
  assert.deepEqual(online.data, { deviceId: SIM, online: true, reason: 'registered' });
  const channel = '34020000001310000001';
  const live = await h.api<{ streamId: string }>(`/api/devices/${SIM}/channels/${channel}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  const start = await sse.next(
    (e) => e.event === 'stream' && (e.data as { state: string }).state === 'start',
    5000,
  );
  assert.deepEqual(start.data, {
    streamId: live.body.streamId,
    deviceId: SIM,
    channelId: channel,
    kind: 'live',
    state: 'start',
    cause: null,
  });
  await h.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
  const stop = await sse.next(
    (e) => e.event === 'stream' && (e.data as { state: string }).state === 'stop',
    5000,
  );
  assert.equal((stop.data as { cause: string }).cause, 'stopped-by-api');
  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  assert.match(metrics, /\ngb_subscriptions_active\{event="alarm"\} 1\n/);
  assert.match(metrics, /\ngb_subscriptions_active\{event="mobile-position"\} 1\n/);
  assert.match(metrics, /\ngb_positions_received_total [1-9]\d*\n/);
  assert.match(
    metrics,
    new RegExp(`\\ngb_alarms_received_total\\{device="${SIM}",type="[12]",priority="[24]"\\} [1-9]`),
  );
  assert.match(metrics, /\ngb_events_delivered_total\{sink="sse",webhook=""\} [1-9]\d*\n/);
  assert.match(metrics, /\ngb_sse_clients 1\n/);
});
