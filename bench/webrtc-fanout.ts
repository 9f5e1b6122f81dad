// WebRTC fan-out cost: one camera-like H.264 + PCMA stream (real Stream hub, real WHEP router,
// werift SRTP) sent to N viewers on loopback. Viewers are werift peers in a child process that
// complete ICE/DTLS and then only count SRTP packets (no decryption), so the receivers do not
// starve the sender on a 2-core box (docs/browser-notes.md §3).
//
//   npx tsx bench/webrtc-fanout.ts                      # N = 0 1 10 25 50, fanout sliced
//   FANOUT=sync SEND_PATH=werift N=0,10,50 WINDOW_S=20 npx tsx bench/webrtc-fanout.ts
//   HEIGHT=720 BITRATE=2M npx tsx bench/webrtc-fanout.ts
//
// Reported per N (JSON line, then a table): sender CPU-seconds per second (user+sys), the
// marginal cost per viewer over N=0, event-loop delay p99/max (ms) in the sender, and packets
// per second each viewer received (min over viewers) against what the source produced.
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { packetizeH264 } from '../codecs/h264/rtp-packetizer.js';
import { setLogLevel } from '../gateway/log.js';
import { Stream } from '../gateway/hub/stream.js';
import { makeClip } from '../test/helpers/media-clip.js';
import { pace } from '../test/helpers/clip-pacer.js';
import { WeriftViewer } from '../test/helpers/werift-viewer.js';
import { whepRouter } from '../gateway/outputs/webrtc/whep-router.js';
import { CLOCK_HZ } from '../codecs/types.js';

const VIDEO_PT = 108;
const AUDIO_PT = 8;

interface ChildReport {
  type: 'ready' | 'counts';
  connected?: number;
  video?: number[];
  audio?: number[];
}

// ---- receiver child ---------------------------------------------------------------------
async function runReceivers(url: string, n: number): Promise<void> {
  const viewers: WeriftViewer[] = [];
  // Connect in small batches, as a burst of page loads would.
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, () => new WeriftViewer({ url, light: true }));
    await Promise.all(
      batch.map(async (v) => {
        if ((await v.connect()) !== 201) {
          throw new Error(`WHEP POST failed: ${v.status} ${JSON.stringify(v.errorBody)}`);
        }
        await v.connected(20_000);
      }),
    );
    viewers.push(...batch);
  }
  const send = (m: ChildReport) => process.send?.(m);
  send({ type: 'ready', connected: viewers.length });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'report') {
      send({
        type: 'counts',
        video: viewers.map((v) => v.packets(VIDEO_PT)),
        audio: viewers.map((v) => v.packets(AUDIO_PT)),
      });
    }
    if (m.type === 'exit') {
      void Promise.all(viewers.map((v) => v.close())).finally(() => process.exit(0));
    }
  });
}

// ---- sender -----------------------------------------------------------------------------
function ask(child: ChildProcess, type: string): Promise<ChildReport> {
  return new Promise((resolve) => {
    const on = (m: ChildReport) => {
      if (m.type === 'counts') {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send({ type });
  });
}

async function main(): Promise<void> {
  const ns = (process.env.N ?? '0,1,10,25,50').split(',').map(Number);
  const windowS = Number(process.env.WINDOW_S ?? 12);
  const warmS = Number(process.env.WARM_S ?? 3);
  const fanout = (process.env.FANOUT ?? 'sliced') as 'sliced' | 'sync';
  const sendPath = (process.env.SEND_PATH ?? 'direct') as 'direct' | 'werift';
  setLogLevel(process.env.GB_LOG_LEVEL ?? 'warn');
  const height = Number(process.env.HEIGHT ?? 1080);
  const width = Math.round((height * 16) / 9);
  const bitrate = process.env.BITRATE ?? '4M';
  const clip = makeClip({ width, height, seconds: 10, gop: 50, audio: 'PCMA', bitrate });
  let bytes = 0;
  for (const au of clip.video) {
    for (const u of au.units) {
      bytes += u.length;
    }
    packetsPerAu.set(au.units, packetizeH264(au.units, 1200).length);
  }
  const mbps = (bytes * 8) / (clip.durationTicks / CLOCK_HZ) / 1e6;
  process.stderr.write(
    `clip ${width}x${height} 25 fps GOP 50, ${mbps.toFixed(2)} Mbit/s video + PCMA; fanout=${fanout}; send path ${sendPath}; window ${windowS} s\n`,
  );

  const stream = new Stream({
    id: 'bench',
    source: { start: async () => {}, stop: () => {} },
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
  });
  const router = whepRouter({
    resolveStream: () => stream,
    publicIp: '127.0.0.1',
    webrtc: {
      fanout,
      sendPath,
      maxSessions: 1000,
      portRange: { min: 44000, max: 44999 },
      // Light receivers under load can let their own ICE consent lapse and stop sending RTCP;
      // the bench measures the sender, so it does not drop them for that.
      viewerTimeoutMs: 600_000,
    },
  });
  const app = express();
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whep/bench`;
  // Count what the source produced, to compare with what each viewer got.
  let producedVideoPackets = 0;
  let producedAudioPackets = 0;
  const counter = {
    id: 'bench-counter',
    write: (au: { codec: string; units: readonly Uint8Array[] }) => {
      if (au.codec === 'PCMA') {
        producedAudioPackets++;
      } else {
        producedVideoPackets += estimatePackets(au.units);
      }
    },
    close: () => {},
  };
  stream.subscribe(counter, { viewer: false });
  const stopPacing = pace(clip, stream);
  const rows: Record<string, number>[] = [];
  let baseCpu: number | undefined;
  for (const n of ns) {
    let child: ChildProcess | undefined;
    if (n > 0) {
      child = fork(fileURLToPath(import.meta.url), ['--receivers', String(n), url], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        child!.once('message', (m: ChildReport) =>
          m.type === 'ready' ? resolve() : reject(new Error('unexpected')),
        );
        child!.once('exit', (code) => reject(new Error(`receivers exited with ${code}`)));
      });
    }
    await sleep(warmS * 1000);
    const startCounts = child ? await ask(child, 'report') : undefined;
    const produced0 = { v: producedVideoPackets, a: producedAudioPackets };
    const loop = monitorEventLoopDelay({ resolution: 2 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    loop.disable();
    const endCounts = child ? await ask(child, 'report') : undefined;
    const cpuPerS = (cpu.user + cpu.system) / 1e6 / seconds;
    if (n === 0) {
      baseCpu = cpuPerS;
    }
    const perViewer = (counts: number[] | undefined, start: number[] | undefined) =>
      counts && start ? Math.min(...counts.map((c, i) => c - (start[i] ?? 0))) / seconds : 0;
    const row = {
      viewers: n,
      cpuPerS: round(cpuPerS, 3),
      userPerS: round(cpu.user / 1e6 / seconds, 3),
      sysPerS: round(cpu.system / 1e6 / seconds, 3),
      marginalPerViewer: n > 0 && baseCpu !== undefined ? round((cpuPerS - baseCpu) / n, 4) : 0,
      loopP99Ms: round(loop.percentile(99) / 1e6, 1),
      loopMaxMs: round(loop.max / 1e6, 1),
      producedVideoPktPerS: round((producedVideoPackets - produced0.v) / seconds, 0),
      producedAudioPktPerS: round((producedAudioPackets - produced0.a) / seconds, 0),
      minViewerVideoPktPerS: round(perViewer(endCounts?.video, startCounts?.video), 0),
      minViewerAudioPktPerS: round(perViewer(endCounts?.audio, startCounts?.audio), 0),
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
    rows.push(row);
    process.stdout.write(JSON.stringify({ name: `webrtc-fanout-${fanout}-${sendPath}`, ...row }) + '\n');
    if (child) {
      child.send({ type: 'exit' });
      await new Promise((r) => child.once('exit', r));
    }
    router.sessions.closeAll();
    await sleep(500);
  }
  stopPacing();
  stream.close('bench-end');
  server.closeAllConnections();
  server.close();
  process.stderr.write(
    `\nviewers  CPU-s/s  per-viewer  loop p99/max ms  pkt/s per viewer (video+audio, min)  of produced\n` +
      rows
        .map(
          (r) =>
            `${String(r.viewers).padStart(7)}  ${r.cpuPerS.toFixed(3).padStart(7)}  ${(r.marginalPerViewer ?? 0).toFixed(4).padStart(10)}  ${`${r.loopP99Ms} / ${r.loopMaxMs}`.padStart(15)}  ${String(r.minViewerVideoPktPerS + r.minViewerAudioPktPerS).padStart(35)}  ${r.producedVideoPktPerS + r.producedAudioPktPerS}`,
        )
        .join('\n') +
      '\n',
  );
}

/** RTP packets per clip AU, computed before measuring; the pacer reuses each AU's units array. */
const packetsPerAu = new WeakMap<readonly Uint8Array[], number>();
function estimatePackets(units: readonly Uint8Array[]): number {
  return packetsPerAu.get(units) ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

if (process.argv[2] === '--receivers') {
  runReceivers(process.argv[4], Number(process.argv[3])).catch((err: unknown) => {
    process.stderr.write(`receivers failed: ${String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
