// Suite `webrtc`: viewers of one 2 Mbit/s 1080p stream (+ G.711) over WebRTC. The sender is the
// gateway's media path in its own process (children/media-child.ts: Stream hub, HLS, whepRouter
// with the default sliced fan-out and SRTP sender, clip paced in real time); the viewers are
// werift peers in 2 other processes that complete ICE/DTLS and then count SRTP packets by
// sequence number without decrypting (docs/browser-notes.md §3). Viewers are added in steps; each
// step measures the sender's CPU, event-loop delay and every viewer's loss.
import type { MediaReady, MediaStats } from '../children/media-child.js';
import type { ViewerSnapshot } from '../children/viewers-child.js';
import { ensureClip } from '../lib/clip-cache.js';
import { openWindow, type WindowResult } from '../lib/cpu-window.js';
import { childModule, fixtureMedia } from '../lib/paths.js';
import { benchPorts } from '../lib/ports.js';
import { ChildRpc } from '../lib/rpc-parent.js';
import { round, sleep } from '../lib/stats.js';
import { ViewerPool } from '../lib/viewer-pool.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

const LOSS_LIMIT_PCT = 0.1;
const LOOP_P99_LIMIT_MS = 50;
/** A viewer must receive this share of the video packets the source produced (sender-side drops count too). */
const DELIVERY_MIN = 0.99;
const PORTS = 500;

interface Step {
  viewers: number;
  sender: WindowResult;
  /** Viewer worker threads: sessions in each, and the worst worker's loop delay over the window. */
  workers?: { load: number[]; loopP99Ms: number; loopMaxMs: number };
  receiversCpuPct: number[];
  lossPct: number;
  /** Worst viewer: video packets received / produced over the window. */
  minDelivery: number;
  producedVideoPktPerSec: number;
  failedConnects: number;
  pass: boolean;
}

function lossAndDelivery(
  a: ViewerSnapshot,
  b: ViewerSnapshot,
  producedVideo: number,
): { lossPct: number; minDelivery: number } {
  let expected = 0;
  let received = 0;
  let minDelivery = 1;
  for (let i = 0; i < b.video.length; i++) {
    const v0 = a.video[i] ?? { received: 0, expected: 0 };
    const a0 = a.audio[i] ?? { received: 0, expected: 0 };
    const dv = b.video[i].received - v0.received;
    expected += b.video[i].expected - v0.expected + (b.audio[i].expected - a0.expected);
    received += dv + (b.audio[i].received - a0.received);
    if (producedVideo > 0) {
      minDelivery = Math.min(minDelivery, dv / producedVideo);
    }
  }
  return { lossPct: expected > 0 ? Math.max(0, ((expected - received) / expected) * 100) : 0, minDelivery };
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx > 0 ? points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx : Number.NaN;
}

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const q = ctx.options.quick;
  const maxViewers = Math.min(PORTS, Number(ctx.options.extra['webrtc-max'] ?? (q ? 10 : PORTS)));
  const ladder = (q ? [0, 5, 10] : [0, 10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500]).filter(
    (n) => n <= maxViewers,
  );
  const windowSec = q ? 5 : 10;
  const warmSec = q ? 2 : 4;
  const receiverProcs = q ? 1 : 2;
  const workerOpt = ctx.options.extra['webrtc-workers'];
  const mediaWorkers = workerOpt === undefined ? undefined : Number(workerOpt);
  const clip = ensureClip({ width: 1920, height: 1080, bitrate: '2M' });
  const method =
    `One ${round(clip.mbps, 2)} Mbit/s 1080p25 H.264 clip (x264 Main, GOP 50, no B-frames) + 64 kbit/s G.711 A-law is paced in real ` +
    `time into the gateway's stream hub inside a sender process (bench/children/media-child.ts: Stream, HLS output, whepRouter with ` +
    `its defaults: sliced fan-out, own SRTP sender, MTU 1200, viewer sessions in ${mediaWorkers ?? 'one per core'} worker thread(s) as ` +
    `--media-workers; only the session cap is raised). Viewers are werift peers in ` +
    `${receiverProcs} other process(es): each POSTs a WHEP offer, completes ICE and DTLS (SRTP_AES128_CM_HMAC_SHA1_80 or what werift ` +
    `negotiates) and then reads only the clear RTP header of every packet: loss = sequence-number gaps (video + audio), delivery = ` +
    `video packets received ÷ packets the source produced. Steps of N viewers (${ladder.join(', ')}), ${warmSec} s settling, then a ` +
    `${windowSec} s window of sender CPU (process.cpuUsage, all threads) and event-loop delay. A step holds when loss < ${LOSS_LIMIT_PCT} %, ` +
    `every viewer got ≥ ${DELIVERY_MIN * 100} % and loop p99 < ${LOOP_P99_LIMIT_MS} ms. CPU per viewer = least-squares slope of sender CPU over the ` +
    `steps that held.`;
  const ports = benchPorts(1);
  const media = await ChildRpc.start<MediaReady>(childModule(import.meta.url, '../children/media-child.js'), {
    name: 'webrtc-sender',
    args: [
      JSON.stringify({
        source: { kind: 'pace', video: clip.path, audio: fixtureMedia('sine440.g711a') },
        webrtcPorts: ports.webrtc,
        maxSessions: PORTS,
        ...(mediaWorkers !== undefined ? { mediaWorkers } : {}),
      }),
    ],
  });
  let pool: ViewerPool | undefined;
  const steps: Step[] = [];
  const notes: string[] = [];
  let stopReason = '';
  try {
    pool = await ViewerPool.start(
      'webrtc',
      `http://127.0.0.1:${media.ready.httpPort}/whep/${media.ready.streamId}`,
      receiverProcs,
    );
    await sleep(2000); // the hub has a GOP before the first viewer
    let connected = 0;
    const p = pool;
    /** Brings the pool to n viewers, lets it settle, measures one window. */
    const measure = async (n: number, fraction: number): Promise<Step> => {
      ctx.progress(fraction, `${n} viewers: connecting`);
      let failedConnects = 0;
      if (n > connected) {
        const r = await p.add(n - connected);
        connected = r.connected;
        failedConnects = r.failed;
      } else if (n < connected) {
        connected = await p.removeTo(n);
      }
      ctx.progress(fraction + 0.3 / ladder.length, `${n} viewers: measuring ${windowSec} s`);
      await sleep(warmSec * 1000);
      const snap0 = await p.snapshot();
      const stats0 = await media.call<MediaStats>('stats');
      const senderWin = await openWindow(media);
      const recvWins = await Promise.all(p.children.map((c) => openWindow(c)));
      await sleep(windowSec * 1000);
      const sender = await senderWin.close();
      const receivers = await Promise.all(recvWins.map((w) => w.close()));
      const snap1 = await p.snapshot();
      const stats1 = await media.call<MediaStats>('stats');
      const produced = stats1.videoPackets - stats0.videoPackets;
      const w = stats1.workers;
      const { lossPct, minDelivery } = lossAndDelivery(snap0, snap1, produced);
      const step: Step = {
        viewers: connected,
        sender,
        ...(w
          ? { workers: { load: w.load, loopP99Ms: round(w.loopP99Ms, 2), loopMaxMs: round(w.loopMaxMs, 2) } }
          : {}),
        receiversCpuPct: receivers.map((r) => r.cpuPct),
        lossPct: round(lossPct, 4),
        minDelivery: round(connected > 0 ? minDelivery : 1, 4),
        producedVideoPktPerSec: round(produced / sender.seconds, 1),
        failedConnects,
        pass: false,
      };
      step.pass =
        failedConnects === 0 &&
        connected === n &&
        step.lossPct < LOSS_LIMIT_PCT &&
        step.minDelivery >= DELIVERY_MIN &&
        sender.loopP99Ms < LOOP_P99_LIMIT_MS &&
        (step.workers?.loopP99Ms ?? 0) < LOOP_P99_LIMIT_MS;
      steps.push(step);
      ctx.log(
        `  ${String(connected).padStart(3)} viewers: sender ${sender.cpuPct.toFixed(1)} % of a core (main thread ${sender.mainThreadPct ?? '?'} %), loop p99 ${sender.loopP99Ms} ms (max ${sender.loopMaxMs})` +
          `${step.workers ? `, workers ${step.workers.load.join('/')} viewers, worker loop p99 ${step.workers.loopP99Ms} ms (max ${step.workers.loopMaxMs})` : ''}, ` +
          `loss ${step.lossPct} %, worst delivery ${(step.minDelivery * 100).toFixed(2)} %, RSS ${sender.rssMb} MB, receivers ${step.receiversCpuPct.join(' / ')} %, ` +
          `machine busy ${sender.machineBusyPct ?? '?'} %${failedConnects ? `, ${failedConnects} failed to connect` : ''}${step.pass ? '' : '  ← does not hold'}`,
      );
      return step;
    };
    const fits = (n: number) => Date.now() + (60 + n * 0.05 + warmSec + windowSec) * 1000 <= ctx.deadlineMs;
    let lastHeld = -1;
    let failed: Step | undefined;
    for (const [i, n] of ladder.entries()) {
      if (i > 0 && !fits(n)) {
        stopReason = `the suite's time budget ran out before ${n} viewers`;
        break;
      }
      const step = await measure(n, i / ladder.length);
      if (!step.pass) {
        failed = step;
        break;
      }
      lastHeld = step.viewers;
      if (Math.max(...step.receiversCpuPct) > 90) {
        stopReason = `a receiver process reached ${Math.max(...step.receiversCpuPct)} % of a core at ${connected} viewers, so more viewers would measure the receivers`;
        break;
      }
    }
    // One bisection step between the last step that held and the first that did not.
    if (
      failed &&
      lastHeld > 0 &&
      failed.viewers - lastHeld > Math.max(5, lastHeld * 0.15) &&
      fits(failed.viewers)
    ) {
      await measure(Math.round((lastHeld + failed.viewers) / 2), 0.9);
    }
  } finally {
    await pool?.stop();
    await media.stop();
  }
  steps.sort((a, b) => a.viewers - b.viewers);
  const held = steps.filter((s) => s.pass);
  const best = held.length > 0 ? held[held.length - 1].viewers : 0;
  const fail = steps.find((s) => !s.pass && s.viewers > best);
  const perViewer =
    held.length >= 2 ? slope(held.map((s) => ({ x: s.viewers, y: s.sender.cpuPct }))) : Number.NaN;
  if (fail) {
    notes.push(
      `First step that did not hold: ${fail.viewers} viewers (loss ${fail.lossPct} %, worst delivery ${(fail.minDelivery * 100).toFixed(2)} %, loop p99 ${fail.sender.loopP99Ms} ms${fail.failedConnects ? `, ${fail.failedConnects} connects failed` : ''}).`,
    );
  } else if (stopReason) {
    notes.push(
      `No step failed; the search stopped because ${stopReason}. The largest number is a lower bound.`,
    );
  } else if (steps.length > 0) {
    notes.push(`Every step up to ${best} viewers held (the ladder's end): a lower bound.`);
  }
  const base = steps.find((s) => s.viewers === 0);
  const top = held[held.length - 1];
  const metrics: Metric[] = [
    {
      key: 'viewersPerCore',
      label: 'Viewers of a 2 Mbit/s stream per core (100 % ÷ CPU per viewer)',
      value: Number.isFinite(perViewer) && perViewer > 0 ? round(100 / perViewer, 0) : null,
      unit: 'viewers',
      better: 'higher',
      target: { op: '>=', value: 200 },
      headline: true,
    },
    {
      key: 'cpuPerViewerPct',
      label: 'Sender CPU per viewer (slope over the steps that held)',
      value: Number.isFinite(perViewer) ? round(perViewer, 3) : null,
      unit: '% of a core',
      better: 'lower',
    },
    {
      key: 'maxViewers',
      label: `Largest number of viewers held (loss < ${LOSS_LIMIT_PCT} %, loop p99 < ${LOOP_P99_LIMIT_MS} ms on every thread), one process`,
      value: best,
      unit: 'viewers',
      better: 'higher',
      headline: true,
      ...(!fail ? { note: `lower bound: ${stopReason || 'end of the ladder'}` } : {}),
    },
    {
      key: 'kneeViewers',
      label: 'Knee: the first step that did not hold (loss, delivery or loop delay)',
      value: fail?.viewers ?? null,
      unit: 'viewers',
      better: 'higher',
      ...(!fail ? { note: 'none: every step held' } : {}),
    },
    {
      key: 'baseCpuPct',
      label: 'Sender CPU with no viewer (pacing, hub, HLS)',
      value: base?.sender.cpuPct ?? null,
      unit: '% of a core',
      better: 'lower',
    },
  ];
  if (top) {
    metrics.push(
      {
        key: 'loopP99AtMaxMs',
        label: `Event-loop delay p99 at ${top.viewers} viewers`,
        value: top.sender.loopP99Ms,
        unit: 'ms',
        better: 'lower',
      },
      {
        // All threads of the process: the main thread (hub, WHEP HTTP, feeds) and the viewer workers.
        key: 'coresAtMax',
        label: `Cores the sender used at ${top.viewers} viewers (process CPU ÷ 100 %)`,
        value: round(top.sender.cpuPct / 100, 2),
        unit: 'cores',
        better: 'higher',
      },
      {
        key: 'mainThreadAtMaxPct',
        label: `Sender main thread at ${top.viewers} viewers (the rest ran in ${top.workers ? `${top.workers.load.length} viewer workers` : 'no worker'})`,
        value: top.sender.mainThreadPct ?? null,
        unit: '% of a core',
        better: 'lower',
      },
      {
        key: 'rssAtMaxMb',
        label: `Sender RSS at ${top.viewers} viewers`,
        value: top.sender.rssMb,
        unit: 'MB',
        better: 'lower',
      },
    );
  }
  const pts = (f: (s: Step) => number) => steps.map((s) => ({ x: s.viewers, y: f(s) }));
  return {
    method,
    metrics,
    notes,
    steps: steps.map((s) => ({ ...s })),
    charts: [
      {
        kind: 'line',
        id: 'webrtc-cpu',
        title: 'WebRTC: sender CPU against viewers (2 Mbit/s 1080p)',
        xLabel: 'viewers',
        yLabel: '% of one core',
        series: [
          { name: 'sender (gateway media path)', points: pts((s) => s.sender.cpuPct) },
          {
            name: 'receivers (werift, light), busiest process',
            points: pts((s) => Math.max(...s.receiversCpuPct, 0)),
          },
          {
            name: 'target 0.5 % per viewer (200 per core)',
            points: [
              { x: 0, y: base?.sender.cpuPct ?? 0 },
              {
                x: Math.max(10, ...steps.map((s) => s.viewers)),
                y: (base?.sender.cpuPct ?? 0) + 0.5 * Math.max(10, ...steps.map((s) => s.viewers)),
              },
            ],
          },
        ],
        rules: [{ y: 100, label: 'one core' }],
      },
      {
        kind: 'line',
        id: 'webrtc-loop',
        title: 'WebRTC: sender event-loop delay and what viewers missed',
        xLabel: 'viewers',
        yLabel: 'ms (loop delay) / % (packets missed)',
        series: [
          { name: 'loop delay p99 (ms)', points: pts((s) => s.sender.loopP99Ms) },
          { name: 'loop delay max (ms)', points: pts((s) => s.sender.loopMaxMs) },
          {
            name: 'worst viewer: % of video packets missed',
            points: pts((s) => round((1 - s.minDelivery) * 100, 2)),
          },
          { name: 'loss, sequence gaps (%)', points: pts((s) => s.lossPct) },
        ],
        rules: [{ y: LOOP_P99_LIMIT_MS, label: `${LOOP_P99_LIMIT_MS} ms limit` }],
      },
    ],
  };
}

export const webrtcSuite: Suite = { name: 'webrtc', title: 'WebRTC fan-out', estimateSec: 240, run };
