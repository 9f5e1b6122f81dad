// Suite `sip`: the control plane. Part 1 offers REGISTER (with the digest challenge, RFC 2617
// as GB/T 28181 uses it) at rising rates from simulated devices and finds the highest rate the
// gateway keeps up with; part 2 holds 10,000 registered devices that send a MANSCDP Keepalive
// every 60 s and measures what that costs the gateway over one full keepalive period.
import { openWindow } from '../lib/cpu-window.js';
import { promSum } from '../lib/gateway-client.js';
import { deviceIdAt, GatewayRig } from '../lib/gateway-rig.js';
import { benchPorts } from '../lib/ports.js';
import { round, sleep } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

interface RegisterStep {
  offeredPerSec: number;
  devices: number;
  /** Seconds from the first REGISTER to the last device registered. */
  seconds: number;
  achievedPerSec: number;
  held: boolean;
  failed: number;
  gatewayCpuPct: number;
  /** Gateway CPU-milliseconds per registration (REGISTER ×2, 401, 200, the catalog and DeviceInfo queries that follow). */
  cpuMsPerRegistration: number;
  simulatorCpuPct: number;
  loopP99Ms: number;
}

const SPREAD_SEC = 3;
const KEEP_PACE = 0.85;

async function registerRates(
  ctx: SuiteContext,
  rates: number[],
): Promise<{ steps: RegisterStep[]; stop: string }> {
  const ports = benchPorts(4);
  const rig = await GatewayRig.start('sip-register', {
    'media-ports': ports.media,
    'webrtc-ports': ports.webrtc,
  });
  const steps: RegisterStep[] = [];
  let stop = '';
  try {
    for (const [i, rate] of rates.entries()) {
      // Keep about 190 s for the keepalive part (registering 10,000 devices at 100/s, settling, one period).
      if (Date.now() + 15_000 > ctx.deadlineMs - 190_000) {
        stop = `time budget (before ${rate}/s)`;
        break;
      }
      ctx.progress((0.4 * i) / rates.length, `REGISTER at ${rate}/s`);
      const devices = rate * SPREAD_SEC;
      const before = (await rig.simCounts()).registered;
      const gw = await openWindow(rig.gw);
      const sim = await openWindow(rig.sim);
      const t0 = Date.now();
      // Keepalives and re-registrations are pushed out of the way (3600 s) so only REGISTER is measured.
      await rig.sim.call('add', {
        server: { host: '127.0.0.1', port: rig.gw.ready.sipPort },
        serverId: rig.gw.ready.sipId,
        realm: rig.gw.ready.realm,
        password: rig.gw.ready.password,
        devices,
        channels: 1,
        deviceIdBase: deviceIdAt(i * 10_000 + 1),
        registerSpreadMs: SPREAD_SEC * 1000,
        keepaliveIntervalSec: 3600,
        expiresSec: 3600,
      });
      let counts = await rig.simCounts();
      const deadline = t0 + (SPREAD_SEC + 15) * 1000;
      while (counts.registered - before < devices && Date.now() < deadline) {
        await sleep(100);
        counts = await rig.simCounts();
      }
      const seconds = (Date.now() - t0) / 1000;
      await sleep(1500); // the catalog and DeviceInfo queries that follow each registration
      const g = await gw.close();
      const s = await sim.close();
      const registered = counts.registered - before;
      const step: RegisterStep = {
        offeredPerSec: rate,
        devices,
        seconds: round(seconds, 2),
        achievedPerSec: round(registered / seconds, 0),
        // Kept pace: everyone registered, at ≥ 85 % of the offered rate over the batch (the last
        // devices start at the end of the spread and still need two round trips).
        held: registered >= devices && registered / seconds >= KEEP_PACE * rate,
        failed: counts.failed,
        gatewayCpuPct: g.cpuPct,
        cpuMsPerRegistration: round(((g.cpuPct / 100) * g.seconds * 1000) / Math.max(1, registered), 3),
        simulatorCpuPct: s.cpuPct,
        loopP99Ms: g.loopP99Ms,
      };
      steps.push(step);
      ctx.log(
        `  ${rate}/s offered: ${registered}/${devices} registered in ${step.seconds} s (${step.achievedPerSec}/s), gateway ${g.cpuPct} % of a core, ${step.cpuMsPerRegistration} CPU-ms each, loop p99 ${g.loopP99Ms} ms, simulator ${s.cpuPct} %${step.held ? '' : '  ← fell behind'}`,
      );
      if (!step.held) {
        break;
      }
      if (s.cpuPct > 90) {
        stop = `the simulator reached ${s.cpuPct} % of a core at ${rate}/s`;
        break;
      }
      await sleep(1000);
    }
  } finally {
    await rig.sim.kill();
    await rig.close();
  }
  return { steps, stop };
}

interface KeepaliveResult {
  devices: number;
  registerSeconds: number;
  windowSec: number;
  keepalives: number;
  cpuPct: number;
  loopP99Ms: number;
  rssMb: number;
  machineBusyPct?: number;
}

async function keepalives(
  ctx: SuiteContext,
  devices: number,
  ratePerSec: number,
  windowSec: number,
  intervalSec: number,
): Promise<KeepaliveResult> {
  const ports = benchPorts(5);
  const rig = await GatewayRig.start('sip-keepalive', {
    'media-ports': ports.media,
    'webrtc-ports': ports.webrtc,
  });
  try {
    ctx.progress(0.45, `${devices} devices register at ${ratePerSec}/s`);
    const t0 = Date.now();
    const spreadMs = Math.round((devices / ratePerSec) * 1000);
    await rig.sim.call('add', {
      server: { host: '127.0.0.1', port: rig.gw.ready.sipPort },
      serverId: rig.gw.ready.sipId,
      realm: rig.gw.ready.realm,
      password: rig.gw.ready.password,
      devices,
      channels: 1,
      deviceIdBase: deviceIdAt(1),
      registerSpreadMs: spreadMs,
      keepaliveIntervalSec: intervalSec,
      expiresSec: 3600,
      devicesPerSocket: 250,
    });
    // Whatever registered by the time the window must start is measured (and said).
    const latest = Math.min(t0 + spreadMs + 60_000, ctx.deadlineMs - (windowSec + 25) * 1000);
    let registered = 0;
    while (Date.now() < latest) {
      registered = (await rig.simCounts()).registered;
      if (registered >= devices) {
        break;
      }
      ctx.progress(0.45 + (0.1 * registered) / devices, `${registered}/${devices} devices registered`);
      await sleep(500);
    }
    const registerSeconds = (Date.now() - t0) / 1000;
    await sleep(10_000); // the catalog and DeviceInfo exchanges that follow the last registrations
    registered = (await rig.simCounts()).registered;
    ctx.progress(0.56, `${registered} devices keeping alive: measuring ${windowSec} s`);
    const prom0 = await rig.gw.call<string>('prom');
    const win = await openWindow(rig.gw);
    for (let i = 0; i < 10; i++) {
      await sleep(windowSec * 100);
      ctx.progress(0.56 + 0.04 * (i + 1), `${registered} devices keeping alive: measuring ${windowSec} s`);
    }
    const w = await win.close();
    const prom1 = await rig.gw.call<string>('prom');
    const filter = 'method="MESSAGE",direction="in"';
    return {
      devices: registered,
      registerSeconds: round(registerSeconds, 1),
      windowSec: w.seconds,
      keepalives:
        promSum(prom1, 'gb_sip_requests_total', filter) - promSum(prom0, 'gb_sip_requests_total', filter),
      cpuPct: w.cpuPct,
      loopP99Ms: w.loopP99Ms,
      rssMb: w.rssMb,
      ...(w.machineBusyPct !== undefined ? { machineBusyPct: w.machineBusyPct } : {}),
    };
  } finally {
    await rig.sim.kill();
    await rig.close();
  }
}

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const q = ctx.options.quick;
  const rates = q ? [100, 200] : [100, 200, 400, 800, 1600, 3200];
  const fleet = Number(ctx.options.extra['sip-devices'] ?? (q ? 1000 : 10_000));
  // One full keepalive period, so every device sends exactly one keepalive inside the window.
  const intervalSec = q ? 15 : 60;
  const windowSec = intervalSec;
  const method =
    `The gateway runs in its own process, the simulated devices (simulator/, GB28181 lower platforms over UDP, 250 device ` +
    `identities per socket) in another. REGISTER rate: for each offered rate (${rates.join(', ')}/s) a fresh batch of rate × ${SPREAD_SEC} ` +
    `devices starts registering evenly over ${SPREAD_SEC} s; each completes the digest exchange (REGISTER → 401 → REGISTER with ` +
    `Authorization → 200), after which the gateway queries its catalog and DeviceInfo. A rate is kept when every device ` +
    `registers and the batch completes at ≥ ${KEEP_PACE * 100} % of the offered rate; CPU-ms per registration covers the whole exchange. Keepalive: ${fleet} devices register ` +
    `(at 80 % of the highest rate kept, between 100 and 400/s) with a keepalive every ${intervalSec} s, then, 10 s after the last registration, over a ${windowSec} s window (one keepalive ` +
    `period) the gateway's CPU ` +
    `(process.cpuUsage, % of one core), event-loop delay and the MANSCDP MESSAGEs it received are measured.`;
  const reg = await registerRates(ctx, rates);
  // The fleet registers at a rate part 1 showed the gateway keeps up with (100–400/s).
  const heldRate = reg.steps.filter((x) => x.held).reduce((m, x) => Math.max(m, x.offeredPerSec), 0);
  const fleetRate = Math.min(400, Math.max(100, Math.round(0.8 * heldRate)));
  const ka = await keepalives(ctx, fleet, fleetRate, windowSec, intervalSec);
  ctx.log(
    `  ${ka.devices} devices registered in ${ka.registerSeconds} s (offered ${fleetRate}/s); ${ka.keepalives} keepalives in ${ka.windowSec} s: gateway ${ka.cpuPct} % of a core, loop p99 ${ka.loopP99Ms} ms, RSS ${ka.rssMb} MB`,
  );
  const held = reg.steps.filter((s) => s.held);
  const best = held[held.length - 1];
  const notes: string[] = [];
  const fail = reg.steps.find((s) => !s.held);
  if (fail) {
    notes.push(
      `At ${fail.offeredPerSec}/s offered, ${fail.achievedPerSec}/s were achieved (${fail.devices} devices took ${fail.seconds} s).`,
    );
  } else {
    notes.push(
      `Every offered rate was kept${reg.stop ? ` (stopped: ${reg.stop})` : ''}: the REGISTER figure is a lower bound.`,
    );
  }
  notes.push(
    'Each registration here also costs the gateway a Catalog and a DeviceInfo query (and their answers), as it does in production.',
  );
  if (ka.keepalives < ka.devices * (ka.windowSec / intervalSec) * 0.9) {
    notes.push(
      `Only ${ka.keepalives} keepalives arrived in the window (expected about ${Math.round((ka.devices * ka.windowSec) / intervalSec)}).`,
    );
  }
  if (intervalSec !== 60) {
    notes.push(`Quick run: keepalives every ${intervalSec} s, not 60 s.`);
  }
  if (ka.devices !== 10_000) {
    notes.push(
      `The keepalive fleet was ${ka.devices} registered devices, not 10,000${ka.devices < fleet ? ` (${fleet - ka.devices} had not registered when the window had to start)` : ''}.`,
    );
  }
  const metrics: Metric[] = [
    {
      key: 'registerPerSec',
      label: 'REGISTER with digest completed per second (most in any step)',
      value: reg.steps.length ? Math.max(...reg.steps.map((x) => x.achievedPerSec)) : null,
      unit: 'per s',
      better: 'higher',
      headline: true,
      ...(fail ? {} : { note: 'lower bound: no offered rate was too much' }),
    },
    {
      key: 'registerOfferedHeldPerSec',
      label: `Highest offered REGISTER rate kept (≥ ${KEEP_PACE * 100} % achieved)`,
      value: best?.offeredPerSec ?? 0,
      unit: 'per s',
      better: 'higher',
    },
    {
      key: 'cpuMsPerRegistration',
      label: 'Gateway CPU per registration (incl. catalog + DeviceInfo queries), at the highest rate held',
      value: (best ?? reg.steps[0])?.cpuMsPerRegistration ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'keepaliveCpuPct',
      label: `Gateway CPU for ${ka.devices.toLocaleString('en-US')} devices keeping alive every ${intervalSec} s`,
      value: ka.cpuPct,
      unit: '% of a core',
      better: 'lower',
      target: { op: '<', value: 5 },
      headline: true,
    },
    {
      key: 'keepalivePerSec',
      label: 'Keepalives received per second',
      value: round(ka.keepalives / ka.windowSec, 1),
      unit: 'per s',
      better: 'higher',
    },
    {
      key: 'keepaliveLoopP99Ms',
      label: 'Event-loop delay p99 with the fleet',
      value: ka.loopP99Ms,
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'keepaliveRssMb',
      label: `Gateway RSS with ${ka.devices.toLocaleString('en-US')} devices`,
      value: ka.rssMb,
      unit: 'MB',
      better: 'lower',
    },
  ];
  return {
    method,
    metrics,
    notes,
    steps: [...reg.steps.map((s) => ({ part: 'register', ...s })), { part: 'keepalive', ...ka }],
    charts: [
      {
        kind: 'line',
        id: 'sip-register',
        title: 'SIP REGISTER (digest): achieved against offered rate',
        xLabel: 'offered REGISTER/s',
        yLabel: 'per second / % of one core',
        series: [
          {
            name: 'registrations completed per second',
            points: reg.steps.map((s) => ({ x: s.offeredPerSec, y: s.achievedPerSec })),
          },
          {
            name: 'gateway CPU (% of a core)',
            points: reg.steps.map((s) => ({ x: s.offeredPerSec, y: s.gatewayCpuPct })),
          },
          {
            name: 'simulator CPU (% of a core)',
            points: reg.steps.map((s) => ({ x: s.offeredPerSec, y: s.simulatorCpuPct })),
          },
        ],
      },
    ],
  };
}

export const sipSuite: Suite = { name: 'sip', title: 'SIP control plane', estimateSec: 200, run };
