// Part 1 of the latency suite: the delay the gateway's media path adds. A PS/RTP "camera" in
// this process (jitter-pacer.ts) sends to a UDP ingest port of the media path in another
// process (children/media-child.ts: IngestSession → Stream → WHEP + HLS, as gateway/main.ts
// wires them). In this process too, one light WHEP viewer timestamps every RTP packet and an
// LL-HLS client holds blocking requests for the next part, so all times are on one clock.
import { performance } from 'node:perf_hooks';
import type { MediaReady } from '../children/media-child.js';
import { PsRtpSender } from '../../gateway/outbound/ps-rtp-sender.js';
import { viewerSocket } from '../../gateway/outputs/webrtc/socket-queue.js';
import { WeriftViewer } from '../../test/helpers/werift-viewer.js';
import { loadClip } from '../../simulator/clip-loader.js';
import { fragmentTimes } from '../lib/fmp4-times.js';
import { findRtpOffset, mod32 } from '../lib/frame-match.js';
import { JitterPacer, type SentFrame } from '../lib/jitter-pacer.js';
import { childModule } from '../lib/paths.js';
import { ChildRpc } from '../lib/rpc-parent.js';
import { RtpTap, type RtpArrival } from '../lib/rtp-tap.js';
import { sleep } from '../lib/stats.js';

const VIDEO_PT = 108;

export interface MediaLatency {
  /** ms from the last RTP packet of a frame sent to the gateway to the last RTP packet of it out to the viewer. */
  webrtcLast: number[];
  /** … to the first RTP packet of the frame out. */
  webrtcFirst: number[];
  /**
   * ms from sending the *next* frame to the last packet of this one out: the processing part
   * alone, since the demuxer can only end an access unit when the next one begins.
   */
  webrtcAfterNext: number[];
  /** ms from sending the last frame a part holds to the part being served. */
  hlsFromLastFrame: number[];
  /**
   * ms from sending the frame two later: the demuxer ends frame k+1 when k+2 begins, and the
   * segmenter closes a part when frame k+1 shows frame k's duration.
   */
  hlsAfterTrigger: number[];
  framesSent: number;
  webrtcMatched: number;
  hlsParts: number;
  hlsUnmatched: number;
  ingestLost: number;
}

interface PartSeen {
  atMs: number;
  videoDts: number[];
}

/** Fetches LL-HLS parts one after the other as a player would, each request held until the part exists. */
async function followParts(base: string, stopAt: () => boolean, seen: PartSeen[]): Promise<void> {
  // Fragment decode times count from a whole Unix second, the first frame's (docs/fmp4.md §5):
  // segment 0 starts there, and is still in the window a few seconds into the stream.
  const first = await fetch(`${base}/0.m4s`);
  if (first.status !== 200) {
    throw new Error(`HLS segment 0 answered ${first.status}`);
  }
  const origin =
    fragmentTimes(new Uint8Array(await first.arrayBuffer())).find((t) => t.trackId === 1)?.baseDts ?? 0;
  const playlist = await (await fetch(`${base}/media.m3u8`)).text();
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(\d+)\.(\d+)\.m4s/.exec(playlist);
  let msn = hint ? Number(hint[1]) : 0;
  let part = hint ? Number(hint[2]) : 0;
  while (!stopAt()) {
    const res = await fetch(`${base}/${msn}.${part}.m4s`);
    const atMs = performance.now();
    if (res.status === 200) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      const video = fragmentTimes(bytes).filter((t) => t.trackId === 1);
      seen.push({ atMs, videoDts: video.flatMap((t) => t.dts.map((d) => d - origin)) });
      part++;
    } else {
      await res.arrayBuffer();
      // That segment ended: its next part is part 0 of the next segment.
      msn++;
      part = 0;
    }
  }
}

export async function measureMediaLatency(opts: {
  clip: string;
  audio: string;
  ports: { media: string; webrtc: string };
  windowSec: number;
  progress: (f: number, label: string) => void;
}): Promise<MediaLatency> {
  const media = await ChildRpc.start<MediaReady>(childModule(import.meta.url, '../children/media-child.js'), {
    name: 'latency-media',
    args: [
      JSON.stringify({ source: { kind: 'udp', ports: opts.ports.media }, webrtcPorts: opts.ports.webrtc }),
    ],
  });
  const sender = new PsRtpSender({
    ssrc: 0x0bec0001,
    transport: 'udp',
    remoteHost: '127.0.0.1',
    remotePort: media.ready.rtpPort!,
    bindHost: '127.0.0.1',
  });
  let pacer: JitterPacer | undefined;
  let viewer: WeriftViewer | undefined;
  try {
    await sender.open();
    pacer = new JitterPacer(loadClip(opts.clip, opts.audio).accessUnits, sender);
    opts.progress(0.05, 'media path: first GOP');
    await sleep(2500);
    const base = `http://127.0.0.1:${media.ready.httpPort}`;
    viewer = new WeriftViewer({ url: `${base}/whep/${media.ready.streamId}`, light: true });
    if ((await viewer.connect()) !== 201) {
      throw new Error(`WHEP POST answered ${viewer.status}: ${JSON.stringify(viewer.errorBody)}`);
    }
    await viewer.connected(15_000);
    const arrivals: RtpArrival[] = [];
    new RtpTap(viewerSocket(viewer.pc)!, (p) => {
      if (p.pt === VIDEO_PT) {
        arrivals.push(p);
      }
    });
    const parts: PartSeen[] = [];
    let stop = false;
    const following = followParts(`${base}/hls/${media.ready.streamId}`, () => stop, parts);
    await sleep(2000);
    const windowStart = performance.now();
    const t0 = Date.now();
    while (Date.now() - t0 < opts.windowSec * 1000) {
      opts.progress(0.1 + (0.5 * (Date.now() - t0)) / (opts.windowSec * 1000), 'media path: measuring');
      await sleep(1000);
    }
    const windowEnd = performance.now();
    await sleep(1500); // let the last frames and parts of the window arrive
    stop = true;
    pacer.stop();
    await following.catch(() => undefined);
    const ingest = (await media.call<{ ingest?: { lost: number } }>('stats')).ingest;
    return analyse(pacer.frames, arrivals, parts, windowStart, windowEnd, ingest?.lost ?? 0);
  } finally {
    pacer?.stop();
    await viewer?.close().catch(() => undefined);
    sender.close();
    await media.stop();
  }
}

function analyse(
  frames: SentFrame[],
  arrivals: RtpArrival[],
  parts: PartSeen[],
  from: number,
  to: number,
  lost: number,
): MediaLatency {
  const inWindow = (f: SentFrame) => f.sentAtMs >= from && f.sentAtMs <= to;
  // WebRTC: first and marker (last) packet per RTP timestamp.
  const firstAt = new Map<number, number>();
  const lastAt = new Map<number, number>();
  for (const a of arrivals) {
    if (!firstAt.has(a.timestamp)) {
      firstAt.set(a.timestamp, a.atMs);
    }
    if (a.marker) {
      lastAt.set(a.timestamp, a.atMs);
    }
  }
  const { offset, matched } = findRtpOffset(
    frames.map((f) => f.dts),
    [...lastAt.keys()],
  );
  const webrtcLast: number[] = [];
  const webrtcFirst: number[] = [];
  const webrtcAfterNext: number[] = [];
  frames.forEach((f, i) => {
    if (!inWindow(f)) {
      return;
    }
    const ts = mod32(f.dts + offset);
    const last = lastAt.get(ts);
    const first = firstAt.get(ts);
    if (last !== undefined) {
      webrtcLast.push(last - f.sentAtMs);
      const next = frames[i + 1];
      if (next) {
        webrtcAfterNext.push(last - next.sentAtMs);
      }
    }
    if (first !== undefined) {
      webrtcFirst.push(first - f.sentAtMs);
    }
  });
  // HLS: output decode time 0 is the first keyframe the HLS sink got: the first frame sent.
  const origin = frames[0]?.dts ?? 0;
  const index = new Map(frames.map((f, i) => [f.dts, i]));
  const hlsFromLastFrame: number[] = [];
  const hlsAfterTrigger: number[] = [];
  let unmatched = 0;
  let counted = 0;
  for (const p of parts) {
    const lastDts = p.videoDts[p.videoDts.length - 1];
    if (lastDts === undefined) {
      continue;
    }
    const i = index.get(lastDts + origin);
    if (i === undefined) {
      unmatched++;
      continue;
    }
    const f = frames[i];
    if (!inWindow(f)) {
      continue;
    }
    counted++;
    hlsFromLastFrame.push(p.atMs - f.sentAtMs);
    // The next frame releases the part (it gives the last one its duration). The ingest emits
    // that frame at its own last packet (frame-boundary.ts), so its send time is the trigger.
    const trigger = frames[i + 1];
    if (trigger) {
      hlsAfterTrigger.push(p.atMs - trigger.sentAtMs);
    }
  }
  return {
    webrtcLast,
    webrtcFirst,
    webrtcAfterNext,
    hlsFromLastFrame,
    hlsAfterTrigger,
    framesSent: frames.filter(inWindow).length,
    webrtcMatched: matched,
    hlsParts: counted,
    hlsUnmatched: unmatched,
    ingestLost: lost,
  };
}
