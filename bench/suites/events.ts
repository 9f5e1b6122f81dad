// Suite `events`: an alarm storm (issue #14 acceptance 5). 100 simulated devices send 1,000 alarm
// MESSAGEs per second for 10 s; the gateway must answer every one 200, acknowledge each with its
// Response CmdType=Alarm, store each once, and push each on GET /api/events (an SSE client in
// this process) and to a webhook receiver, keeping up while it lasts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openSse, type SseClient } from '../../test/helpers/sse-client.js';
import type { AlarmLoadResult } from '../lib/alarm-load.js';
import { openWindow } from '../lib/cpu-window.js';
import { promSum } from '../lib/gateway-client.js';
import { GatewayRig } from '../lib/gateway-rig.js';
import { benchPorts } from '../lib/ports.js';
import { quantile, round, sleep } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

/** Counts webhook deliveries (answers 204 at once). */
async function webhookReceiver(): Promise<{ url: string; count: () => number; close(): void }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alarms`,
    count: () => n,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const q = ctx.options.quick;
  const devices = Number(ctx.options.extra['events-devices'] ?? 100);
  const rate = Number(ctx.options.extra['events-rate'] ?? 1000);
  const durationSec = q ? 5 : 10;
  const method =
    `The gateway runs in its own process, ${devices} simulated devices (simulator/, GB28181 lower platforms over UDP) in another. ` +
    `After they registered (and the gateway synced their catalogs), the simulator process offers ${rate} alarm MESSAGEs per second ` +
    `for ${durationSec} s, round-robin over the devices, each with its own SN (a <Notify> CmdType=Alarm as devices send it ` +
    `unsubscribed). It records each MESSAGE's final answer and time, and counts the Responses CmdType=Alarm the gateway sends back. ` +
    `This process holds one SSE client on /api/events?types=alarm and one webhook receiver for alarms, and measures for every ` +
    `event the time from the gateway's receipt (the alarm's receivedAt) to the SSE client reading it. Stored alarms are ` +
    `gb_alarms_received_total; the gateway's CPU and event-loop delay are measured over the storm.`;
  const ports = benchPorts(6);
  const rig = await GatewayRig.start('events', {
    'media-ports': ports.media,
    'webrtc-ports': ports.webrtc,
    'subscribe-on-register': 'none',
  });
  const receiver = await webhookReceiver();
  let sse: SseClient | undefined;
  try {
    ctx.progress(0.05, `${devices} devices register`);
    await rig.addDevices(devices, { keepaliveIntervalSec: 60, moving: false, alarmRatePerMin: 0 }, 90_000);
    await sleep(2000); // the DeviceInfo queries that follow the catalogs
    const hook = await rig.client.api<{ webhookId: string }>('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: receiver.url, events: ['alarm'], secret: 'bench-webhook-secret-0001' }),
    });
    if (hook.status !== 201) {
      throw new Error(`webhook not registered: ${hook.status} ${JSON.stringify(hook.body)}`);
    }
    sse = await openSse(`${rig.client.base}/api/events?types=alarm`, {
      Authorization: `Bearer ${rig.gw.ready.apiToken}`,
    });
    const prom0 = await rig.gw.call<string>('prom');
    ctx.progress(0.3, `${rate} alarms/s for ${durationSec} s`);
    const gw = await openWindow(rig.gw);
    const sim = await openWindow(rig.sim);
    const load = await rig.sim.call<AlarmLoadResult>(
      'raiseAlarms',
      { ratePerSec: rate, durationSec },
      120_000,
    );
    const g = await gw.close();
    const s = await sim.close();
    ctx.progress(0.8, 'waiting for the event stream and the webhook to drain');
    const stream = sse;
    const drainStart = performance.now();
    while (performance.now() - drainStart < 20_000) {
      if (stream.events.length >= load.answered2xx && receiver.count() >= load.answered2xx) {
        break;
      }
      await sleep(100);
    }
    const prom1 = await rig.gw.call<string>('prom');
    const stored = promSum(prom1, 'gb_alarms_received_total') - promSum(prom0, 'gb_alarms_received_total');
    const duplicates =
      promSum(prom1, 'gb_alarms_duplicate_total') - promSum(prom0, 'gb_alarms_duplicate_total');
    const sseDropped =
      promSum(prom1, 'gb_events_failed_total', 'sink="sse"') -
      promSum(prom0, 'gb_events_failed_total', 'sink="sse"');
    const delays = stream.events.map(
      (e) => e.receivedAtMs - Date.parse((e.data as { receivedAt: string }).receivedAt),
    );
    const uniqueOnStream = new Set(stream.events.map((e) => (e.data as { alarmId: string }).alarmId)).size;
    ctx.log(
      `  ${load.offered} offered in ${load.seconds} s: ${load.answered2xx} answered 2xx (p50 ${load.answerP50Ms} ms, p99 ${load.answerP99Ms} ms), ` +
        `${load.acknowledged} Responses, ${stored} stored (${duplicates} duplicates), ${uniqueOnStream} on SSE (push p99 ${round(quantile(delays, 0.99), 1)} ms), ` +
        `${receiver.count()} webhook deliveries; gateway ${g.cpuPct} % of a core, loop p99 ${g.loopP99Ms} ms; simulator ${s.cpuPct} %`,
    );
    const notes: string[] = [];
    if (load.scheduleLagMs > 200) {
      notes.push(
        `The load generator fell ${load.scheduleLagMs} ms behind its schedule: the offered rate was lower than ${rate}/s.`,
      );
    }
    if (sseDropped > 0) {
      notes.push(`${sseDropped} SSE client(s) were dropped as too slow during the storm.`);
    }
    if (q) {
      notes.push(`Quick run: ${durationSec} s instead of 10 s.`);
    }
    const metrics: Metric[] = [
      {
        key: 'alarmsOffered',
        label: `Alarms offered (${rate}/s for ${durationSec} s from ${devices} devices)`,
        value: load.offered,
        unit: 'alarms',
        better: 'higher',
      },
      {
        key: 'alarmsAnswered',
        label: 'Alarm MESSAGEs answered 200',
        value: load.answered2xx,
        unit: 'alarms',
        better: 'higher',
        target: { op: '>=', value: load.offered },
        headline: true,
      },
      {
        key: 'alarmsStored',
        label: 'Alarms stored (none lost, none twice)',
        value: stored,
        unit: 'alarms',
        better: 'higher',
        target: { op: '>=', value: load.offered },
      },
      {
        key: 'alarmsAcknowledged',
        label: 'Responses CmdType=Alarm received by the devices',
        value: load.acknowledged,
        unit: 'alarms',
        better: 'higher',
        target: { op: '>=', value: load.offered },
      },
      {
        key: 'alarmsOnStream',
        label: 'Alarms pushed to the SSE client',
        value: uniqueOnStream,
        unit: 'alarms',
        better: 'higher',
        target: { op: '>=', value: load.offered },
      },
      {
        key: 'ssePushP99Ms',
        label: 'Gateway receipt → SSE client, p99',
        value: round(quantile(delays, 0.99), 1),
        unit: 'ms',
        better: 'lower',
        target: { op: '<', value: 200 },
        headline: true,
      },
      {
        key: 'ssePushMaxMs',
        label: 'Gateway receipt → SSE client, max',
        value: round(Math.max(...delays), 1),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'sipAnswerP99Ms',
        label: 'Alarm MESSAGE → 200, p99 (seen by the device)',
        value: load.answerP99Ms,
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'webhookDelivered',
        label: 'Alarms delivered to the webhook receiver',
        value: receiver.count(),
        unit: 'alarms',
        better: 'higher',
        target: { op: '>=', value: load.offered },
      },
      {
        key: 'gatewayCpuPct',
        label: `Gateway CPU during the storm`,
        value: g.cpuPct,
        unit: '% of a core',
        better: 'lower',
        headline: true,
      },
      {
        key: 'gatewayLoopP99Ms',
        label: 'Gateway event-loop delay p99 during the storm',
        value: g.loopP99Ms,
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'simulatorCpuPct',
        label: 'Simulator (load generator) CPU',
        value: s.cpuPct,
        unit: '% of a core',
        better: 'lower',
      },
    ];
    return {
      method,
      metrics,
      notes,
      steps: [
        { ...load, stored, duplicates, uniqueOnStream, webhook: receiver.count(), gateway: g, simulator: s },
      ],
      charts: [],
    };
  } finally {
    sse?.close();
    receiver.close();
    await rig.sim.kill();
    await rig.close();
  }
}

export const eventsSuite: Suite = {
  name: 'events',
  title: 'Alarm storm: SIP, store, event stream',
  estimateSec: 60,
  run,
};
