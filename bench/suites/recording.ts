// Suite `recording`: what cloud recording costs on top of ingest (issue #16 acceptance 8: at
// most 0.2 % of a core per channel). N simulated devices stream 1080p25 H.264 at 4 Mbit/s +
// G.711 into one gateway (its own process); a window measures the gateway's CPU with the streams
// live and nothing recorded, then every channel gets the plan `always` and, after the first
// files are open, a second window measures it again. The difference over N is the recorder's
// cost per channel; the gateway's own write-latency histogram and bytes written are reported.
import { ensureClip } from '../lib/clip-cache.js';
import { promSum } from '../lib/gateway-client.js';
import { GatewayRig } from '../lib/gateway-rig.js';
import { fixtureMedia } from '../lib/paths.js';
import { benchPorts } from '../lib/ports.js';
import { round, sleep } from '../lib/stats.js';
import type { Suite, SuiteContext, SuiteOutput } from '../suite.js';
import { measureIngest, type IngestStep } from './ingest-step.js';

const TARGET_PCT_PER_CHANNEL = 0.2;

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const q = ctx.options.quick;
  const channels = Number(ctx.options.extra['recording-channels'] ?? (q ? 8 : 32));
  const windowSec = q ? 8 : 20;
  const warmSec = q ? 5 : 15;
  const clip = ensureClip({ width: 1920, height: 1080, bitrate: '4M' });
  const ports = benchPorts();
  const config = {
    'media-ports': ports.media,
    'webrtc-ports': ports.webrtc,
    'record-slice': 60,
    'record-min-free': 0,
  };
  const method =
    `The gateway runs in its own process (bench/children/gateway-child.ts, HLS on every stream as in production) and ` +
    `${channels} simulated devices in another, each looping a ${round(clip.mbps, 2)} Mbit/s 1080p25 H.264 clip (GOP 50) + ` +
    `G.711 A-law as PS over RTP/UDP in real time. With every stream live and warmed up for ${warmSec} s, a ${windowSec} s ` +
    `window measures the gateway's CPU (process.cpuUsage, all threads, % of one core) with nothing recorded; then every ` +
    `channel gets PUT …/recording-plan {mode: "always"} (60 s files into the data dir on the machine's disk), and after ` +
    `${warmSec} s a second window measures it again. Recording cost per channel = (CPU with − CPU without) / N. The write ` +
    `latency is the gateway's gb_recording_write_seconds histogram (a GOP per write, asynchronous).`;
  const notes: string[] = [];
  const rig = await GatewayRig.start('recording', config);
  let without: IngestStep;
  let withRec: IngestStep;
  let bytes = 0;
  let writeP50Ms: number | null = null;
  let meanWriteMs: number | null = null;
  try {
    ctx.progress(0.05, `${channels} devices register`);
    await rig.addDevices(channels, { media: [clip.path], audio: fixtureMedia('sine440.g711a') });
    ctx.progress(0.2, `${channels} streams live`);
    await rig.setLive(channels);
    await sleep(warmSec * 1000);
    ctx.progress(0.35, 'ingest only');
    without = await measureIngest(rig, windowSec);
    ctx.log(`  ingest only: gateway ${without.gateway.cpuPct} % of a core, loss ${without.lossPct} %`);
    ctx.progress(0.55, `recording ${channels} channels`);
    for (const d of rig.devices) {
      const r = await rig.client.api(`/api/devices/${d.deviceId}/channels/${d.channelId}/recording-plan`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'always' }),
      });
      if (r.status !== 200) {
        throw new Error(`recording plan: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    await sleep(warmSec * 1000);
    const prom0 = await rig.gw.call<string>('prom');
    withRec = await measureIngest(rig, windowSec);
    const prom1 = await rig.gw.call<string>('prom');
    const delta = (name: string) => promSum(prom1, name) - promSum(prom0, name);
    bytes = delta('gb_recording_written_bytes_total');
    const count = delta('gb_recording_write_seconds_count');
    const sum = delta('gb_recording_write_seconds_sum');
    meanWriteMs = count > 0 ? round((sum / count) * 1000, 2) : null;
    const under = (le: string) => {
      const m = new RegExp(`gb_recording_write_seconds_bucket\\{le="${le}"\\} (\\d+)`);
      return Number(m.exec(prom1)?.[1] ?? 0) - Number(m.exec(prom0)?.[1] ?? 0);
    };
    writeP50Ms =
      count > 0
        ? ([1, 5, 10, 50, 100, 500].find((ms) => under(String(ms / 1000)) >= count / 2) ?? null)
        : null;
    ctx.log(
      `  recording: gateway ${withRec.gateway.cpuPct} % of a core, ${round(bytes / 1e6, 1)} MB written, mean write ${meanWriteMs} ms`,
    );
  } finally {
    await rig.close();
  }
  const perChannel = round((withRec.gateway.cpuPct - without.gateway.cpuPct) / channels, 3);
  if (withRec.lossPct > 0.1 || without.lossPct > 0.1) {
    notes.push(
      `RTP loss ${without.lossPct} % / ${withRec.lossPct} %: the machine was short of CPU, figures are upper bounds`,
    );
  }
  notes.push(
    `machine busy ${without.gateway.machineBusyPct ?? '?'} % / ${withRec.gateway.machineBusyPct ?? '?'} % during the two windows (shared machine: the difference carries its noise)`,
  );
  return {
    method,
    metrics: [
      {
        key: 'recording_cpu_per_channel_pct',
        label: `Recording CPU per channel on top of ingest (${channels} channels)`,
        value: perChannel,
        unit: '% of a core',
        better: 'lower',
        target: { op: '<=', value: TARGET_PCT_PER_CHANNEL },
        headline: true,
      },
      {
        key: 'ingest_cpu_pct',
        label: 'Gateway CPU, ingest only',
        value: without.gateway.cpuPct,
        unit: '% of a core',
        better: 'lower',
      },
      {
        key: 'recording_cpu_pct',
        label: 'Gateway CPU, ingest + recording',
        value: withRec.gateway.cpuPct,
        unit: '% of a core',
        better: 'lower',
      },
      {
        key: 'recording_mbps',
        label: 'Written to disk',
        value: round((bytes * 8) / withRec.gateway.seconds / 1e6, 1),
        unit: 'Mbit/s',
        better: 'higher',
      },
      {
        key: 'recording_write_mean_ms',
        label: 'Mean write latency (one GOP)',
        value: meanWriteMs,
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'recording_write_p50_ms',
        label: 'Median write latency (histogram bucket)',
        value: writeP50Ms,
        unit: 'ms ≤',
        better: 'lower',
      },
      {
        key: 'recording_loop_p99_ms',
        label: 'Event-loop p99 while recording',
        value: withRec.gateway.loopP99Ms,
        unit: 'ms',
        better: 'lower',
      },
    ],
    steps: [
      { phase: 'ingest', ...without },
      { phase: 'ingest+recording', ...withRec },
    ] as unknown as Record<string, unknown>[],
    notes,
  };
}

export const recordingSuite: Suite = {
  name: 'recording',
  title: 'Cloud recording cost on top of ingest',
  estimateSec: 150,
  run,
};
