// Suite `latency`: the delay the gateway adds on the media path (RTP in → WebRTC RTP out, and
// → LL-HLS part served), p50/p99, and the time from POST …/live to the first keyframe at the
// hub and at a viewer. latency-media.ts and latency-live.ts do the measuring.
import { ensureClip } from '../lib/clip-cache.js';
import { fixtureMedia } from '../lib/paths.js';
import { benchPorts } from '../lib/ports.js';
import { quantile, round } from '../lib/stats.js';
import type { Metric, Series, Suite, SuiteContext, SuiteOutput } from '../suite.js';
import { measureLiveStart } from './latency-live.js';
import { measureMediaLatency } from './latency-media.js';

function cdf(name: string, values: readonly number[]): Series {
  const sorted = [...values].filter((v) => v > 0).sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(sorted.length / 200));
  const points = sorted
    .filter((_, i) => i % step === 0 || i === sorted.length - 1)
    .map((v, i, a) => ({ x: round(v, 3), y: round(((i + 1) / a.length) * 100, 2) }));
  return { name, points };
}

const q = (xs: readonly number[], p: number): number | null =>
  xs.length > 0 ? round(quantile(xs, p), 2) : null;

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const quick = ctx.options.quick;
  const windowSec = quick ? 8 : 40;
  const trials = quick ? 2 : 8;
  const clip = ensureClip({ width: 1920, height: 1080, bitrate: '4M' });
  const audio = fixtureMedia('sine440.g711a');
  const method =
    `Media path: a PS/RTP sender in the benchmark process plays a ${round(clip.mbps, 2)} Mbit/s 1080p25 H.264 clip + G.711 in real time to ` +
    `a UDP ingest port of the gateway's media path in another process (IngestSession → Stream hub → WHEP and HLS, wired as in ` +
    `gateway/main.ts). Each frame's timestamp carries ±20 ticks of pseudo-random jitter so frames can be recognised at the outputs. ` +
    `In the benchmark process, on the same clock, one WHEP viewer (werift, light: RTP headers read without decrypting) records ` +
    `when each frame's first and last RTP packet arrive, and an LL-HLS client holds a blocking request for the next part (1/3 s ` +
    `parts). Over a ${windowSec} s window: WebRTC delay = last packet of a frame out − last packet of it in; HLS delay = part served − ` +
    `its last frame sent. The ingest closes a frame on its RTP marker / timestamp boundary once the stream has shown that ` +
    `boundary to be reliable (codecs/ps/frame-boundary.ts); before that, and for streams whose markers lie, a frame waits ` +
    `for the next one to begin (one frame interval). An HLS part closes one frame later, when the next frame gives the last one ` +
    `its duration; its processing part alone is also given, measured from that trigger frame. Live start: ${trials} times, POST …/live on the full gateway with a simulated ` +
    `device (clip starting at a keyframe), then a WHEP viewer connects and the first HLS part is requested; the hub's first ` +
    `keyframe comes from the gateway's diagnosis timestamps. Loopback, so network time is near zero.`;
  ctx.progress(0, 'media path');
  const m = await measureMediaLatency({
    clip: clip.path,
    audio,
    ports: benchPorts(2),
    windowSec,
    progress: (f, l) => ctx.progress(f, l),
  });
  ctx.log(
    `  media path: ${m.framesSent} frames in the window, ${m.webrtcLast.length} matched at the WebRTC viewer, ${m.hlsParts} HLS parts (${m.hlsUnmatched} unmatched), ${m.ingestLost} RTP packets lost at ingest`,
  );
  ctx.log(
    `  WebRTC last packet: p50 ${q(m.webrtcLast, 0.5)} ms, p99 ${q(m.webrtcLast, 0.99)} ms ; HLS part p50 ${q(m.hlsFromLastFrame, 0.5)} ms (after its trigger frame: p50 ${q(m.hlsAfterTrigger, 0.5)}, p99 ${q(m.hlsAfterTrigger, 0.99)})`,
  );
  const live = await measureLiveStart({
    clip: clip.path,
    audio,
    ports: benchPorts(3),
    trials,
    progress: (f, l) => ctx.progress(f, l),
  });
  const col = (f: (t: (typeof live)[number]) => number | null) =>
    live.map(f).filter((v): v is number => v !== null);
  const hub = col((t) => t.hubKeyframeMs);
  const webrtc = col((t) => t.webrtcFirstVideoMs);
  const hls = col((t) => t.hlsFirstPartMs);
  const answer = col((t) => t.answerMs);
  ctx.log(
    `  live start: answer p50 ${q(answer, 0.5)} ms, hub keyframe p50 ${q(hub, 0.5)} ms, WebRTC first video p50 ${q(webrtc, 0.5)} ms, HLS first part p50 ${q(hls, 0.5)} ms`,
  );
  const notes: string[] = [];
  if (m.webrtcLast.length < m.framesSent * 0.95) {
    notes.push(
      `Only ${m.webrtcLast.length} of ${m.framesSent} frames were matched at the WebRTC viewer (lost or unmatched).`,
    );
  }
  if (m.hlsUnmatched > 0) {
    notes.push(`${m.hlsUnmatched} HLS part(s) could not be matched to sent frames.`);
  }
  const metrics: Metric[] = [
    {
      key: 'webrtcP50Ms',
      label: 'RTP in → WebRTC RTP out, p50 (last packet of a frame)',
      value: q(m.webrtcLast, 0.5),
      unit: 'ms',
      better: 'lower',
      target: { op: '<', value: 2 },
      headline: true,
    },
    {
      key: 'webrtcP99Ms',
      label: 'RTP in → WebRTC RTP out, p99',
      value: q(m.webrtcLast, 0.99),
      unit: 'ms',
      better: 'lower',
      target: { op: '<', value: 10 },
      headline: true,
    },
    {
      key: 'webrtcFirstP50Ms',
      label: 'RTP in → first WebRTC packet of the frame, p50',
      value: q(m.webrtcFirst, 0.5),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'hlsPartP50Ms',
      label: 'Last frame of a part in → LL-HLS part served, p50',
      value: q(m.hlsFromLastFrame, 0.5),
      unit: 'ms',
      better: 'lower',
      headline: true,
    },
    {
      key: 'hlsPartP99Ms',
      label: 'Last frame of a part in → LL-HLS part served, p99',
      value: q(m.hlsFromLastFrame, 0.99),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'hlsProcessingP50Ms',
      label: 'Processing only: releasing frame in → LL-HLS part served, p50',
      value: q(m.hlsAfterTrigger, 0.5),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'hlsProcessingP99Ms',
      label: 'Processing only: releasing frame in → LL-HLS part served, p99',
      value: q(m.hlsAfterTrigger, 0.99),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'liveAnswerP50Ms',
      label: 'POST …/live answered, p50',
      value: q(answer, 0.5),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'liveToKeyframeP50Ms',
      label: 'POST …/live → first keyframe at the hub, p50',
      value: q(hub, 0.5),
      unit: 'ms',
      better: 'lower',
      headline: true,
    },
    {
      key: 'liveToWebrtcP50Ms',
      label: 'POST …/live → first video packet at a new WHEP viewer, p50 (ICE + DTLS included)',
      value: q(webrtc, 0.5),
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'liveToHlsPartP50Ms',
      label: 'POST …/live → first LL-HLS part served, p50',
      value: q(hls, 0.5),
      unit: 'ms',
      better: 'lower',
    },
  ];
  return {
    method,
    metrics,
    notes,
    steps: [
      {
        part: 'media',
        framesSent: m.framesSent,
        webrtcMatched: m.webrtcLast.length,
        hlsParts: m.hlsParts,
        hlsUnmatched: m.hlsUnmatched,
        ingestLost: m.ingestLost,
        webrtcMaxMs: m.webrtcLast.length ? round(Math.max(...m.webrtcLast), 2) : null,
      },
      ...live.map((t, i) => ({ part: 'live', trial: i + 1, ...t })),
    ],
    charts: [
      {
        kind: 'line',
        id: 'latency-cdf',
        title: 'Gateway-added delay, distribution (loopback)',
        xLabel: 'ms (log scale)',
        yLabel: '% of frames / parts at or below',
        xLog: true,
        yMax: 100,
        series: [
          cdf('WebRTC: frame in → frame out', m.webrtcLast),
          cdf('HLS: last frame in → part served', m.hlsFromLastFrame),
          cdf('HLS: processing only', m.hlsAfterTrigger),
        ],
        rules: [
          { y: 50, label: 'p50' },
          { y: 99, label: 'p99' },
        ],
      },
    ],
  };
}

export const latencySuite: Suite = { name: 'latency', title: 'Latency', estimateSec: 90, run };
