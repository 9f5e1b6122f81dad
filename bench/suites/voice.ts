// Suite `voice`: mouth-to-device latency of a talk (docs/voice.md §3, §5). Chromium (the
// e2e browser) speaks into the gateway over WHIP as the demo page does, from a Web Audio graph
// whose tone bursts start at known instants; a simulated device records when the first RTP
// packet carrying each burst reaches it. p50 and p99 over the bursts; target p50 < 150 ms.
import { decodeAlaw, decodeUlaw } from '../../codecs/g711/g711.js';
import { rmsOf } from '../../codecs/audio/tone.js';
import type { Speaker } from '../../gateway/gb28181/lower/backend.js';
import { isMediaRefusal } from '../../gateway/gb28181/lower/backend.js';
import { browserSkipReason, launchChromium } from '../../test/helpers/browser.js';
import { startHarness } from '../../test/helpers/gateway-harness.js';
import { benchPorts } from '../lib/ports.js';
import { quantile, round, sleep } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

/** Frames above this level (dBFS) after a quiet one start a burst at the device. */
const ONSET_DBFS = -40;

interface PageResult {
  onsets: number[];
  talkId: string;
  payloadType: number | null;
}

/** Runs in the page: talk, WHIP from a Web Audio tone, bursts at known epoch times. */
async function speak(args: {
  deviceId: string;
  channelId: string;
  token: string;
  bursts: number;
  periodMs: number;
  burstMs: number;
}): Promise<PageResult> {
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(path, {
      ...init,
      headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/json' },
    });
    return (await res.json()) as { talkId: string; whip: string };
  };
  const talk = await api(`/api/devices/${args.deviceId}/channels/${args.channelId}/talk`, {
    method: 'POST',
    body: JSON.stringify({ mode: 'broadcast' }),
  });
  const ctx = new AudioContext({ sampleRate: 48000 });
  const osc = ctx.createOscillator();
  osc.frequency.value = 1000;
  const gain = ctx.createGain();
  gain.gain.value = 0;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  await ctx.resume();
  const pc = new RTCPeerConnection({ iceServers: [] });
  const tr = pc.addTransceiver(dest.stream.getAudioTracks()[0], { direction: 'sendonly' });
  const caps = RTCRtpSender.getCapabilities('audio');
  if (caps) {
    const g711 = caps.codecs.filter((c) => /PCMA|PCMU/i.test(c.mimeType));
    tr.setCodecPreferences([...g711, ...caps.codecs.filter((c) => !g711.includes(c))]);
  }
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => setTimeout(r, 500));
  const res = await fetch(talk.whip, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: pc.localDescription!.sdp,
  });
  const location = res.headers.get('Location');
  const answer = await res.text();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('WHIP did not connect')), 10_000);
    pc.addEventListener(
      'connectionstatechange',
      () => pc.connectionState === 'connected' && (clearTimeout(t), resolve()),
    );
  });
  const start = ctx.currentTime + 1.5;
  const times: number[] = [];
  for (let i = 0; i < args.bursts; i++) {
    const t = start + (i * args.periodMs) / 1000;
    gain.gain.setValueAtTime(0.5, t);
    gain.gain.setValueAtTime(0, t + args.burstMs / 1000);
    times.push(t);
  }
  // Context time → epoch ms at render time (when the graph hands the sample to the track; the
  // output timestamp would add the output device's latency, which capture does not have).
  // currentTime moves in steps, one per render callback: performance.now() − currentTime is
  // smallest when read just after a step, so the minimum over many reads is the render instant.
  let offset = Infinity;
  for (let i = 0; i < 100; i++) {
    offset = Math.min(offset, performance.now() - ctx.currentTime * 1000);
    await new Promise((r) => setTimeout(r, 3));
  }
  const onsets = times.map((t) => performance.timeOrigin + t * 1000 + offset);
  await new Promise((r) => setTimeout(r, 1500 + args.bursts * args.periodMs + 1000));
  if (location) {
    await fetch(location, { method: 'DELETE' });
  }
  pc.close();
  await ctx.close();
  const pt8 = /m=audio \d+ \S+ (\d+)/.exec(answer);
  return { onsets, talkId: talk.talkId, payloadType: pt8 ? Number(pt8[1]) : null };
}

async function run(ctx: SuiteContext): Promise<SuiteOutput> {
  const skip = browserSkipReason();
  const bursts = ctx.options.quick ? 20 : 80;
  // Not a multiple of 20 ms: burst starts sweep across the G.711 frame, as speech does.
  const periodMs = 410;
  const burstMs = 100;
  const method =
    `Chromium (headless, the e2e browser) opens a page of the gateway on loopback, starts a talk to a simulated ` +
    `device (POST …/talk) and publishes over WHIP, as the demo page does, a Web Audio graph: a 1 kHz oscillator ` +
    `behind a gain that opens for ${burstMs} ms every ${periodMs} ms (${bursts} bursts). Each burst's start is the ` +
    `render time of its first sample: its AudioContext time mapped to the wall clock by the smallest ` +
    `performance.now() − currentTime over 100 reads (currentTime steps once per render callback). The device is ` +
    `the simulator's speaker in the same process as the ` +
    `gateway: the wall-clock arrival of the first RTP packet whose G.711 rises above ${ONSET_DBFS} dBFS after a quiet ` +
    `one is that burst at the device. Latency = device arrival − burst start: browser audio capture and encoding ` +
    `(20 ms G.711 frames), WebRTC, the gateway's WHIP receive, fan-out and 20 ms pacer, RTP to the device. ` +
    `Browser, gateway and simulator share the machine's cores.`;
  if (skip) {
    return { method, metrics: [], skipped: skip };
  }
  ctx.progress(0, 'gateway and simulator');
  const ports = benchPorts(7);
  const h = await startHarness({
    gateway: { 'media-ports': ports.media, 'webrtc-ports': ports.webrtc },
    simulator: { channels: 1 },
  });
  const arrivals: number[] = [];
  try {
    const deviceId = h.sim.devices[0].deviceId;
    const channelId = h.sim.devices[0].backend.channelIds[0];
    await h.waitForChannels(deviceId, 1);
    const backend = h.sim.devices[0].backend;
    const open = backend.openSpeaker.bind(backend);
    let quiet = true;
    backend.openSpeaker = (target: string, source: string): Speaker | ReturnType<typeof open> => {
      const speaker = open(target, source);
      if (isMediaRefusal(speaker)) {
        return speaker;
      }
      return {
        write: (frame) => {
          const at = Date.now();
          const pcm = frame.law === 'PCMA' ? decodeAlaw(frame.payload) : decodeUlaw(frame.payload);
          const loud = 20 * Math.log10(rmsOf(pcm) || 1e-9) > ONSET_DBFS;
          if (loud && quiet) {
            arrivals.push(at);
          }
          quiet = !loud;
          speaker.write(frame);
        },
        close: (reason) => speaker.close(reason),
      };
    };
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${h.base}/openapi.json`);
      ctx.progress(0.1, `${bursts} bursts`);
      const ticker = setInterval(
        () =>
          ctx.progress(0.1 + 0.85 * Math.min(1, arrivals.length / bursts), `${arrivals.length} bursts heard`),
        1000,
      );
      let result: PageResult;
      try {
        result = await page.evaluate(speak, {
          deviceId,
          channelId,
          token: h.token,
          bursts,
          periodMs,
          burstMs,
        });
      } finally {
        clearInterval(ticker);
      }
      await sleep(500);
      const latencies: number[] = [];
      let unmatched = 0;
      let next = 0;
      for (const t of result.onsets) {
        while (next < arrivals.length && arrivals[next] < t - 20) {
          next++;
        }
        if (next < arrivals.length && arrivals[next] < t + 1000) {
          latencies.push(arrivals[next] - t);
          next++;
        } else {
          unmatched++;
        }
      }
      const q = (p: number) => (latencies.length > 0 ? round(quantile(latencies, p), 1) : null);
      ctx.log(
        `  ${latencies.length}/${bursts} bursts heard (PT ${result.payloadType}): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, min ${q(0)} ms, max ${q(1)} ms`,
      );
      const metrics: Metric[] = [
        {
          key: 'mouthToDeviceP50Ms',
          label: 'Browser capture → RTP at the device, p50',
          value: q(0.5),
          unit: 'ms',
          better: 'lower',
          target: { op: '<', value: 150 },
          headline: true,
        },
        {
          key: 'mouthToDeviceP99Ms',
          label: 'Browser capture → RTP at the device, p99',
          value: q(0.99),
          unit: 'ms',
          better: 'lower',
          headline: true,
        },
        {
          key: 'burstsHeardPct',
          label: 'Bursts heard at the device',
          value: round((latencies.length / bursts) * 100, 1),
          unit: '%',
          better: 'higher',
          target: { op: '>=', value: 99 },
        },
      ];
      const notes = unmatched > 0 ? [`${unmatched} burst(s) had no matching onset at the device.`] : [];
      ctx.progress(1, 'done');
      return {
        method,
        metrics,
        notes,
        steps: [{ bursts, heard: latencies.length, payloadType: result.payloadType, latencies }],
      };
    } finally {
      await browser.close();
    }
  } finally {
    await h.close();
  }
}

export const voiceSuite: Suite = {
  name: 'voice',
  title: 'Voice: mouth-to-device latency of a talk',
  estimateSec: 60,
  run,
};
