// Suite `ingest`: N simulated devices stream 1080p25 H.264 at 4 Mbit/s + G.711 as GB28181
// PS over RTP/UDP, in real time, into one gateway (its own process, HLS built for every stream:
// --hls-mode always, the load the figures compare). Part 1 repeats a reference load
// (fresh gateway and devices each run) and reports min/median/max; part 2 measures the same load
// in the default --hls-mode demand with no HLS client (a WebRTC wall: no HLS work at all);
// part 3 continues on part 1's last gateway and raises N until loss reaches 0.1 % or event-loop
// p99 reaches 50 ms, then bisects once if time allows.
import { ensureClip } from '../lib/clip-cache.js';
import { GatewayRig } from '../lib/gateway-rig.js';
import { fixtureMedia } from '../lib/paths.js';
import { benchPorts } from '../lib/ports.js';
import { median, round, sleep, spread } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';
import { LOOP_P99_LIMIT_MS, LOSS_LIMIT_PCT, measureIngest, passes, type IngestStep } from './ingest-step.js';

const LADDER = [24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 448];
/** Media ports per gateway (ports.ts); one per stream. */
const PORT_CAPACITY = 500;

interface Plan {
  refStreams: number;
  runs: number;
  refWindowSec: number;
  stepWindowSec: number;
  warmSec: number;
}

function plan(ctx: SuiteContext): Plan {
  const q = ctx.options.quick;
  return {
    refStreams: Number(ctx.options.extra['ingest-streams'] ?? (q ? 4 : 16)),
    runs: Number(ctx.options.extra['ingest-runs'] ?? (q ? 1 : 3)),
    refWindowSec: q ? 5 : 12,
    stepWindowSec: q ? 5 : 10,
    // Until every stream's HLS window (6 segments of 2 s, plus one) is full, the gateway is
    // still growing its memory, which costs more than the steady state.
    warmSec: q ? 3 : 15,
  };
}

const describe = (s: IngestStep): string =>
  `N=${String(s.streams).padStart(3)}  gateway ${s.gateway.cpuPct.toFixed(1).padStart(5)} % (${s.cpuPerStreamPct.toFixed(3)} %/stream)  ` +
  `loop p99 ${s.gateway.loopP99Ms.toFixed(1)} ms  loss ${s.lossPct.toFixed(3)} %  in ${s.mbpsIn.toFixed(1)} Mbit/s  ` +
  `RSS ${s.gateway.rssMb.toFixed(0)} MB  (user ${s.gateway.userPct.toFixed(1)}, sys ${s.gateway.systemPct.toFixed(1)}, main thread ${s.gateway.mainThreadPct ?? '?'})  ` +
  `simulator ${s.simulator.cpuPct.toFixed(1)} %  machine busy ${s.gateway.machineBusyPct ?? '?'} %`;

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const p = plan(ctx);
  const clip = ensureClip({ width: 1920, height: 1080, bitrate: '4M' });
  const audio = fixtureMedia('sine440.g711a');
  const sim = { media: [clip.path], audio };
  const ports = benchPorts();
  const config = { 'media-ports': ports.media, 'webrtc-ports': ports.webrtc, 'hls-mode': 'always' } as const;
  const method =
    `The gateway runs in its own process (bench/children/gateway-child.ts → startGateway, --hls-mode always: HLS output on every stream, ` +
    `log level warn) and the simulated devices in another (simulator/, one channel each, looping a ${round(clip.mbps, 2)} Mbit/s ` +
    `1080p25 H.264 clip (x264 Main, GOP 50, no B-frames) + 64 kbit/s G.711 A-law, PS over RTP/UDP at real-time pace). ` +
    `Devices REGISTER with digest, the gateway syncs their catalog, then each stream starts through POST /api/devices/…/live ` +
    `(INVITE). After ${p.warmSec} s of warm-up (the HLS windows fill) a window measures the gateway's CPU (process.cpuUsage, all threads, as % of one ` +
    `core), RSS, event-loop delay (monitorEventLoopDelay, 5 ms resolution) and RTP loss from its own counters ` +
    `(sequence gaps, so kernel socket-buffer drops count). Part 1: ${p.runs} run(s) at N=${p.refStreams}, each with a fresh ` +
    `gateway and devices, ${p.refWindowSec} s windows. Then the same load once more in the default --hls-mode demand, where no HLS client asks ` +
    `and so no HLS output exists; its RSS per stream is (RSS − RSS with the devices registered and no stream) / N. ` +
    `Then N rises on part 1's last gateway (${p.stepWindowSec} s windows) ` +
    `until loss ≥ ${LOSS_LIMIT_PCT} % or loop p99 ≥ ${LOOP_P99_LIMIT_MS} ms. CPU per stream = gateway CPU / N (idle cost included).`;

  const notes: string[] = [];
  const repeats: IngestStep[] = [];
  const ladder: IngestStep[] = [];
  let idle: IngestStep | undefined;
  let demand: { idle: IngestStep; live: IngestStep } | undefined;
  let rig: GatewayRig | undefined;
  const totalSteps = p.runs + 7;
  try {
    for (let r = 0; r < p.runs; r++) {
      ctx.progress(r / totalSteps, `run ${r + 1}/${p.runs}: ${p.refStreams} devices register`);
      rig = await GatewayRig.start(`ingest-${r + 1}`, config);
      await rig.addDevices(p.refStreams, sim);
      if (r === 0) {
        idle = await measureIngest(rig, 3);
        ctx.log(`  idle with ${p.refStreams} devices registered: gateway ${idle.gateway.cpuPct} % of a core`);
      }
      ctx.progress((r + 0.3) / totalSteps, `run ${r + 1}/${p.runs}: ${p.refStreams} streams live`);
      await rig.setLive(p.refStreams);
      await sleep(p.warmSec * 1000);
      ctx.progress((r + 0.5) / totalSteps, `run ${r + 1}/${p.runs}: measuring ${p.refWindowSec} s`);
      const step = await measureIngest(rig, p.refWindowSec);
      repeats.push(step);
      ctx.log(`  run ${r + 1}: ${describe(step)}`);
      if (r < p.runs - 1) {
        await rig.close();
        rig = undefined;
      }
    }

    // Part 2: the default mode, HLS on demand, nobody asking for HLS.
    ctx.progress(p.runs / totalSteps, `HLS on demand: ${p.refStreams} streams live, no HLS client`);
    const demandRig = await GatewayRig.start('ingest-demand', { ...config, 'hls-mode': 'demand' });
    try {
      await demandRig.addDevices(p.refStreams, sim);
      const demandIdle = await measureIngest(demandRig, 3);
      await demandRig.setLive(p.refStreams);
      await sleep(p.warmSec * 1000);
      demand = { idle: demandIdle, live: await measureIngest(demandRig, p.refWindowSec) };
      ctx.log(`  HLS on demand, no HLS client: ${describe(demand.live)}`);
    } finally {
      await demandRig.close();
    }

    // Part 3: the capacity search, on part 1's last gateway.
    const last = repeats[repeats.length - 1];
    ladder.push(last);
    const nominal = median(repeats.map((s) => s.mbpsPerStream));
    let best = passes(last) ? last.streams : 0;
    let failAt = passes(last) ? undefined : last.streams;
    let stopReason = '';
    const tryN = async (n: number, label: string): Promise<IngestStep | undefined> => {
      const costSec = 4 + Math.max(0, n - rig!.devices.length) * 0.05 + p.warmSec + p.stepWindowSec + 5;
      if (Date.now() + costSec * 1000 > ctx.deadlineMs) {
        stopReason = `the suite's time budget ran out before N=${n}`;
        return undefined;
      }
      ctx.progress(Math.min(0.95, (p.runs + ladder.length - 1) / totalSteps), `${label} N=${n}`);
      if (n > rig!.devices.length) {
        await rig!.addDevices(n - rig!.devices.length, sim);
      }
      await rig!.setLive(n);
      await sleep(p.warmSec * 1000);
      const s = await measureIngest(rig!, p.stepWindowSec);
      ladder.push(s);
      ctx.log(`  ${label}: ${describe(s)}`);
      return s;
    };
    const generatorLimited = (s: IngestStep) => s.lossPct < LOSS_LIMIT_PCT && s.mbpsPerStream < 0.9 * nominal;
    for (const n of LADDER.filter((x) => x > p.refStreams && !ctx.options.quick)) {
      if (failAt !== undefined) {
        break;
      }
      if (n > PORT_CAPACITY) {
        stopReason = `the bench media port range holds ${PORT_CAPACITY} streams`;
        break;
      }
      const s = await tryN(n, 'search');
      if (!s) {
        break;
      }
      if (generatorLimited(s)) {
        stopReason = `the simulator could not keep real-time pace at N=${n} (${s.mbpsPerStream} of ${nominal} Mbit/s per stream arrived; simulator at ${s.simulator.cpuPct} % of a core)`;
        break;
      }
      if (passes(s)) {
        best = n;
      } else {
        failAt = n;
      }
    }
    // The reference load already failed: halve N until a step passes.
    for (
      let n = Math.floor(p.refStreams / 2);
      failAt !== undefined && best === 0 && n >= 1 && !ctx.options.quick;
      n = Math.floor(n / 2)
    ) {
      const s = await tryN(n, 'search down');
      if (!s) {
        break;
      }
      if (passes(s)) {
        best = n;
      } else {
        failAt = n;
      }
    }
    // One bisection step between the last pass and the first failure.
    if (failAt !== undefined && best > 0 && failAt - best > Math.max(4, best * 0.15)) {
      const mid = Math.round((best + failAt) / 2);
      const s = await tryN(mid, 'bisect');
      if (s && !generatorLimited(s)) {
        if (passes(s)) {
          best = mid;
        } else {
          failAt = mid;
        }
      }
    }
    if (stopReason) {
      notes.push(
        `The search stopped without a failing step: ${stopReason}. The largest N is therefore a lower bound.`,
      );
    }
    if (failAt !== undefined) {
      const f = ladder.find((s) => s.streams === failAt)!;
      notes.push(
        `Smallest failing step: N=${failAt} (loss ${f.lossPct} %, loop p99 ${f.gateway.loopP99Ms} ms).`,
      );
    }
    const ref = repeats;
    const cpu = spread(ref.map((s) => s.cpuPerStreamPct));
    const metrics: Metric[] = [
      {
        key: 'cpuPerStreamPct',
        label: `Gateway CPU per 4 Mbit/s stream, HLS on (N=${p.refStreams})`,
        value: cpu.median,
        unit: '% of a core',
        better: 'lower',
        target: { op: '<=', value: 0.8 },
        spread: cpu,
        headline: true,
      },
      {
        key: 'maxStreams',
        label: `Largest N with loss < ${LOSS_LIMIT_PCT} % and loop p99 < ${LOOP_P99_LIMIT_MS} ms`,
        value: best,
        unit: 'streams',
        better: 'higher',
        headline: true,
        ...(stopReason ? { note: `lower bound: ${stopReason}` } : {}),
      },
      {
        key: 'loopP99Ms',
        label: `Event-loop delay p99 (N=${p.refStreams})`,
        value: median(ref.map((s) => s.gateway.loopP99Ms)),
        unit: 'ms',
        better: 'lower',
        target: { op: '<', value: LOOP_P99_LIMIT_MS },
        spread: spread(ref.map((s) => s.gateway.loopP99Ms)),
      },
      {
        key: 'lossPct',
        label: `RTP loss (N=${p.refStreams}, worst run)`,
        value: Math.max(...ref.map((s) => s.lossPct)),
        unit: '%',
        better: 'lower',
        target: { op: '<', value: LOSS_LIMIT_PCT },
      },
      {
        key: 'rssMb',
        label: `Gateway RSS (N=${p.refStreams})`,
        value: median(ref.map((s) => s.gateway.rssMb)),
        unit: 'MB',
        better: 'lower',
        spread: spread(ref.map((s) => s.gateway.rssMb)),
      },
      {
        key: 'mbpsPerStream',
        label: 'Received per stream (PS/RTP payload)',
        value: round(nominal, 2),
        unit: 'Mbit/s',
        better: 'higher',
      },
      {
        key: 'simulatorCpuPerStreamPct',
        label: 'Simulator CPU per stream (the load generator, not the gateway)',
        value: round(median(ref.map((s) => s.simulator.cpuPct / s.streams)), 3),
        unit: '% of a core',
        better: 'lower',
      },
    ];
    const rssPerStream = (live: IngestStep, base: IngestStep) =>
      round((live.gateway.rssMb - base.gateway.rssMb) / live.streams, 2);
    if (idle) {
      metrics.push({
        key: 'rssPerStreamMb',
        label: `Gateway RSS per stream, HLS on (N=${p.refStreams}, above the RSS with no stream)`,
        value: rssPerStream(ref[0], idle),
        unit: 'MB',
        better: 'lower',
        target: { op: '<=', value: 3 },
      });
    }
    if (demand) {
      metrics.push(
        {
          key: 'cpuPerStreamDemandPct',
          label: `Gateway CPU per stream, HLS on demand and no HLS client (N=${p.refStreams})`,
          value: demand.live.cpuPerStreamPct,
          unit: '% of a core',
          better: 'lower',
        },
        {
          key: 'rssPerStreamDemandMb',
          label: `Gateway RSS per stream, HLS on demand and no HLS client (N=${p.refStreams}, above the RSS with no stream)`,
          value: rssPerStream(demand.live, demand.idle),
          unit: 'MB',
          better: 'lower',
          target: { op: '<=', value: 3 },
        },
      );
    }
    if (idle) {
      metrics.push({
        key: 'idleCpuPct',
        label: `Gateway CPU with ${p.refStreams} devices registered, no stream`,
        value: idle.gateway.cpuPct,
        unit: '% of a core',
        better: 'lower',
      });
    }
    const byN = [...ladder].sort((a, b) => a.streams - b.streams);
    const maxN = byN[byN.length - 1]?.streams ?? p.refStreams;
    return {
      method,
      metrics,
      notes,
      steps: [
        ...(idle ? [{ phase: 'idle', ...flatten(idle) }] : []),
        ...repeats.map((s, i) => ({ phase: `run ${i + 1}`, ...flatten(s) })),
        ...(demand
          ? [
              { phase: 'HLS on demand, idle', ...flatten(demand.idle) },
              { phase: 'HLS on demand, live', ...flatten(demand.live) },
            ]
          : []),
        ...ladder.slice(1).map((s) => ({ phase: 'search', ...flatten(s) })),
      ],
      charts: [
        {
          kind: 'line',
          id: 'ingest-cpu',
          title: 'Ingest: CPU against streams (4 Mbit/s 1080p PS/RTP, HLS on)',
          xLabel: 'streams',
          yLabel: '% of one core',
          series: [
            { name: 'gateway', points: byN.map((s) => ({ x: s.streams, y: s.gateway.cpuPct })) },
            {
              name: `gateway, each of the ${repeats.length} runs at N=${p.refStreams}`,
              points: repeats.map((s) => ({ x: s.streams, y: s.gateway.cpuPct })),
              style: 'points',
            },
            {
              name: 'simulator (load generator)',
              points: byN.map((s) => ({ x: s.streams, y: s.simulator.cpuPct })),
            },
            {
              name: 'target 0.8 % per stream',
              points: [
                { x: 0, y: 0 },
                { x: maxN, y: 0.8 * maxN },
              ],
            },
          ],
        },
        {
          kind: 'line',
          id: 'ingest-loop',
          title: 'Ingest: gateway event-loop delay against streams',
          xLabel: 'streams',
          yLabel: 'ms',
          series: [
            { name: 'loop delay p99', points: byN.map((s) => ({ x: s.streams, y: s.gateway.loopP99Ms })) },
            { name: 'loop delay max', points: byN.map((s) => ({ x: s.streams, y: s.gateway.loopMaxMs })) },
          ],
          rules: [{ y: LOOP_P99_LIMIT_MS, label: `${LOOP_P99_LIMIT_MS} ms limit` }],
        },
      ],
    };
  } finally {
    await rig?.close();
  }
}

function flatten(s: IngestStep): Record<string, unknown> {
  const { gateway, simulator, ...rest } = s;
  return { ...rest, gateway, simulatorCpuPct: simulator.cpuPct };
}

export const ingestSuite: Suite = { name: 'ingest', title: 'Ingest capacity', estimateSec: 280, run };
