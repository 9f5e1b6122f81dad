// Part 2 of the latency suite: how long a viewer waits after asking for a stream. Through the
// real gateway (its own process) and a simulated device, POST …/live starts the stream
// (INVITE → 200 → ACK → PS/RTP); right after the answer a light WHEP viewer connects and a
// blocking request waits for the first LL-HLS part. The gateway's own diagnosis timestamps
// give the first keyframe at the hub. Times are wall clock (Date.now / ISO), shared by both
// processes on one machine.
import { performance } from 'node:perf_hooks';
import { viewerSocket } from '../../gateway/outputs/webrtc/socket-queue.js';
import { WeriftViewer } from '../../test/helpers/werift-viewer.js';
import { GatewayRig } from '../lib/gateway-rig.js';
import { waitUntil } from '../lib/gateway-client.js';
import { RtpTap } from '../lib/rtp-tap.js';
import { sleep } from '../lib/stats.js';

export interface LiveTrial {
  /** POST …/live answered. */
  answerMs: number;
  /** The hub's first keyframe (diagnosis 'first-keyframe'), from the POST. */
  hubKeyframeMs: number | null;
  /** First video RTP packet at a WHEP viewer that connected after the answer (ICE + DTLS included). */
  webrtcFirstVideoMs: number | null;
  /** First LL-HLS part served (≈ keyframe + one part duration). */
  hlsFirstPartMs: number | null;
}

async function firstVideoPacket(url: string, t0: number): Promise<number | null> {
  const viewer = new WeriftViewer({ url, light: true });
  try {
    if ((await viewer.connect()) !== 201) {
      return null;
    }
    let first: number | null = null;
    const got = new Promise<void>((resolve) => {
      // Light mode starts once DTLS is up; the tap is attached right after, so nothing is missed
      // that the light viewer would count.
      void viewer.connected(15_000).then(() => {
        new RtpTap(viewerSocket(viewer.pc)!, (p) => {
          if (first === null && p.pt === 108) {
            first = performance.now() - t0;
            resolve();
          }
        });
      });
    });
    await Promise.race([got, sleep(15_000)]);
    return first;
  } finally {
    await viewer.close().catch(() => undefined);
  }
}

async function firstPart(url: string, t0: number): Promise<number | null> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status === 200 ? performance.now() - t0 : null;
}

export async function measureLiveStart(opts: {
  clip: string;
  audio: string;
  ports: { media: string; webrtc: string };
  trials: number;
  progress: (f: number, label: string) => void;
}): Promise<LiveTrial[]> {
  const rig = await GatewayRig.start('latency-live', {
    'media-ports': opts.ports.media,
    'webrtc-ports': opts.ports.webrtc,
  });
  const trials: LiveTrial[] = [];
  try {
    const devices = Math.min(4, opts.trials);
    await rig.addDevices(devices, { media: [opts.clip], audio: opts.audio });
    for (let i = 0; i < opts.trials; i++) {
      opts.progress(0.65 + (0.3 * i) / opts.trials, `live start ${i + 1}/${opts.trials}`);
      const d = rig.devices[i % devices];
      const wallT0 = Date.now();
      const t0 = performance.now();
      const live = await rig.client.live(d.deviceId, d.channelId);
      const answerMs = performance.now() - t0;
      const base = rig.client.base;
      const [webrtc, hls] = await Promise.all([
        firstVideoPacket(base + live.whep, t0),
        firstPart(base + live.hls.replace('index.m3u8', '0.0.m4s'), t0),
      ]);
      const diag = await rig.client.api<{ steps: { at: string; step: string }[] }>(
        `/api/streams/${encodeURIComponent(live.streamId)}/diagnosis`,
      );
      const key = diag.status === 200 ? diag.body.steps.find((s) => s.step === 'first-keyframe') : undefined;
      trials.push({
        answerMs,
        hubKeyframeMs: key ? Date.parse(key.at) - wallT0 : null,
        webrtcFirstVideoMs: webrtc,
        hlsFirstPartMs: hls,
      });
      await rig.client.stop(live.streamId);
      await waitUntil(async () => (await rig.simCounts()).sessions === 0, 10_000, 'the BYE');
      d.streamId = undefined;
    }
  } finally {
    await rig.close();
  }
  return trials;
}
