// Bench-only entry: the gateway's media path without SIP, in its own process — the stream hub
// (Stream), HLS (HlsOutput, LL-HLS parts) and WHEP (whepRouter), wired as gateway/main.ts
// wires them. The source is either a clip paced in real time inside this process ('pace': the
// WebRTC fan-out suite, so the viewer cost is not mixed with ingest) or a real UDP PS/RTP
// ingest port ('udp': the latency suite sends to it). Unlike startGateway, the WHEP session
// cap is raised so the fan-out suite can look for the real limit.
// argv[2]: JSON MediaChildOptions. Calls: stats, metrics.*, close.
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import express from 'express';
import { packetizeH264 } from '../../codecs/h264/rtp-packetizer.js';
import { isVideoCodec, type AccessUnit } from '../../codecs/types.js';
import { setLogLevel } from '../../gateway/log.js';
import { ClipPlayer } from '../../gateway/outbound/clip-player.js';
import { IngestSession } from '../../gateway/ingest/ingest-session.js';
import { PortPool } from '../../gateway/ingest/port-pool.js';
import { Stream } from '../../gateway/hub/stream.js';
import { HlsOutput } from '../../gateway/outputs/hls/hls-output.js';
import { hlsRouter } from '../../gateway/outputs/hls/hls-routes.js';
import { whepRouter } from '../../gateway/outputs/webrtc/whep-router.js';
import { ViewerWorkers } from '../../gateway/outputs/webrtc/workers/viewer-workers.js';
import { loadClip } from '../../simulator/clip-loader.js';
import { serveRpc } from '../lib/rpc-child.js';
import { selfMetricsHandlers } from '../lib/self-metrics.js';

export interface MediaChildOptions {
  source: { kind: 'pace'; video: string; audio?: string } | { kind: 'udp'; ports: string };
  webrtcPorts: string;
  /** Default 2000. */
  maxSessions?: number;
  /** WebRTC RTP payload limit, as the gateway's default. */
  mtu?: number;
  /** Viewer worker threads, as --media-workers (default: one per core, the gateway's default). */
  mediaWorkers?: number;
}

export interface MediaReady {
  httpPort: number;
  streamId: string;
  /** 'udp' source: where to send PS/RTP. */
  rtpPort?: number;
}

export interface MediaStats {
  /** RTP packets the WebRTC packetizer makes of what was published (one viewer's worth). */
  videoPackets: number;
  audioPackets: number;
  videoAus: number;
  viewers: number;
  ingest?: { packets: number; lost: number; accessUnits: number };
  /** Viewer workers: threads running, sessions in each, and the worst one's loop delay since the last stats call. */
  workers?: { threads: number; load: number[]; loopP99Ms: number; loopMaxMs: number };
}

const STREAM_ID = 'bench';
const range = (s: string) => {
  const [min, max] = s.split('-').map(Number) as [number, number];
  return { min, max };
};

serveRpc(async () => {
  setLogLevel(process.env.GB_LOG_LEVEL ?? 'warn');
  const opts = JSON.parse(process.argv[2] ?? '{}') as MediaChildOptions;
  const mtu = opts.mtu ?? 1200;
  const stream = new Stream({
    id: STREAM_ID,
    source: { start: async () => {}, stop: () => {} },
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
  });
  const hls = new HlsOutput({ targetDurationSec: 2, id: STREAM_ID });
  stream.subscribe(hls.sink, { viewer: false });
  const workerCount = opts.mediaWorkers ?? availableParallelism();
  const workers =
    workerCount > 0
      ? new ViewerWorkers({
          count: workerCount,
          net: { publicIp: '127.0.0.1', portRange: range(opts.webrtcPorts), bindAddress: '127.0.0.1' },
          mtu,
          resolveStream: (id) => (id === STREAM_ID ? stream : undefined),
        })
      : undefined;
  const whep = whepRouter({
    resolveStream: (id) => (id === STREAM_ID ? stream : undefined),
    publicIp: '127.0.0.1',
    webrtc: {
      portRange: range(opts.webrtcPorts),
      bindAddress: '127.0.0.1',
      maxSessions: opts.maxSessions ?? 2000,
      mtu,
    },
    ...(workers ? { workers } : {}),
  });
  const app = express();
  app.use(whep);
  app.use(
    '/hls',
    hlsRouter((id) => (id === STREAM_ID ? hls : undefined)),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));

  // What one viewer should receive, counted where the media enters the hub.
  const produced = { videoPackets: 0, audioPackets: 0, videoAus: 0 };
  const packetCount = new WeakMap<readonly Uint8Array[], number>();
  const publish = (au: AccessUnit): void => {
    if (isVideoCodec(au.codec)) {
      let n = packetCount.get(au.units);
      if (n === undefined) {
        n = packetizeH264(au.units, mtu).length;
        packetCount.set(au.units, n);
      }
      produced.videoPackets += n;
      produced.videoAus++;
    } else {
      produced.audioPackets++;
    }
    stream.publish(au);
  };

  let player: ClipPlayer | undefined;
  let ingest: IngestSession | undefined;
  const ready: MediaReady = { httpPort: (server.address() as AddressInfo).port, streamId: STREAM_ID };
  if (opts.source.kind === 'pace') {
    const clip = loadClip(opts.source.video, opts.source.audio);
    // Packet counts are computed before any window opens (the pacer reuses each AU's units).
    for (const au of clip.accessUnits) {
      if (isVideoCodec(au.codec)) {
        packetCount.set(au.units, packetizeH264(au.units, mtu).length);
      }
    }
    player = new ClipPlayer({ clip: clip.accessUnits, onAccessUnit: publish });
    player.start();
  } else {
    ingest = await IngestSession.open({
      transport: 'udp',
      bindHost: '127.0.0.1',
      portPool: new PortPool(range(opts.source.ports)),
      onAccessUnit: publish,
    });
    ready.rtpPort = ingest.localPort;
  }

  return {
    ready,
    handlers: {
      ...selfMetricsHandlers(),
      stats: async (): Promise<MediaStats> => {
        const s = ingest?.stats;
        // The workers' loop delay since the previous stats call: the bench's window.
        const loop = await workers?.loopDelay();
        return {
          ...produced,
          ...(workers && loop
            ? {
                workers: {
                  threads: workers.count,
                  load: workers.load,
                  loopP99Ms: loop.p99Ms,
                  loopMaxMs: loop.maxMs,
                },
              }
            : {}),
          viewers: whep.sessions.size,
          ...(s
            ? {
                ingest: {
                  packets: s.packets,
                  lost: s.lost,
                  accessUnits: stream.info.frames + stream.info.audioFrames, // counted by the hub
                },
              }
            : {}),
        };
      },
      close: async () => {
        player?.stop();
        ingest?.close('bench-end');
        whep.sessions.closeAll();
        stream.close('bench-end');
        await workers?.close();
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    },
  };
});
