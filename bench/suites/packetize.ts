// Suite `packetize`: access units → RTP payloads (RFC 6184 single NAL / STAP-A / FU-A for
// H.264, RFC 7798 for H.265) with the codecs' packetizers at the gateway's WebRTC MTU, over
// the video of the 1080p vectors. The gateway packetizes each AU once per stream and shares
// the payloads between viewers (gateway/outputs/webrtc/packetize-cache.ts), so this is a per-stream cost.
import { packetizeH264 } from '../../codecs/h264/rtp-packetizer.js';
import { packetizeH265 } from '../../codecs/h265/rtp-packetizer.js';
import { isVideoCodec } from '../../codecs/types.js';
import {
  VECTORS_1080P as INPUTS,
  steadiest,
  throughputMetrics,
  timePasses,
  timingFields,
  unitBytes,
  vectorAccessUnits,
} from '../lib/micro.js';
import { round } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

const MTU = 1200;

function run(ctx: SuiteContext): SuiteOutput {
  const passes = ctx.options.quick ? 9 : 51;
  const method =
    `The video access units of each 1080p vector (demuxed once, 250 frames, 10 s) are packetized with ` +
    `packetizeH264/packetizeH265(units, ${MTU}) per pass; 3 warm-up passes, then the median of ${passes} timed passes ` +
    `(process.hrtime.bigint); an unsteady round (median > 1.3 × fastest) is repeated, up to 3, keeping the fastest median. MB/s counts NAL bytes in; "% of a core per 4 Mbit/s stream" = 0.5 MB/s ÷ that speed.`;
  const metrics: Metric[] = [];
  const steps: Record<string, unknown>[] = [];
  const values: (number | null)[] = [];
  for (const [i, input] of INPUTS.entries()) {
    ctx.progress(i / INPUTS.length, input.file);
    const aus = vectorAccessUnits(input.file)?.filter((au) => isVideoCodec(au.codec));
    if (!aus || aus.length === 0) {
      values.push(null);
      continue;
    }
    const packetize = input.codec === 'H264' ? packetizeH264 : packetizeH265;
    const bytes = unitBytes(aus);
    let packets = 0;
    for (const au of aus) {
      packets += packetize(au.units, MTU).length;
    }
    let sink = 0;
    const t = steadiest(() =>
      timePasses(
        () => {
          for (const au of aus) {
            sink += packetize(au.units, MTU).length;
          }
        },
        { passes },
      ),
    );
    if (sink < 0) {
      ctx.log('unreachable'); // keeps the loop's result alive
    }
    const mbPerSec = round(bytes / 1e6 / (t.medianMs / 1000), 1);
    const pktPerSec = packets / (t.medianMs / 1000);
    values.push(mbPerSec);
    const { speed, corePer4Mbps } = throughputMetrics(
      input.codec,
      `${input.codec} 1080p → RTP payloads`,
      mbPerSec,
    );
    metrics.push(
      speed,
      {
        key: `${input.codec.toLowerCase()}.mPacketsPerSec`,
        label: `${input.codec} payloads out`,
        value: round(pktPerSec / 1e6, 2),
        unit: 'M packets/s',
        better: 'higher',
      },
      corePer4Mbps,
    );
    steps.push({
      codec: input.codec,
      file: input.file,
      aus: aus.length,
      bytes,
      packets,
      ...timingFields(t),
      mbPerSec,
    });
    ctx.log(
      `  ${input.codec}: ${mbPerSec} MB/s, ${round(pktPerSec / 1e6, 2)} M payloads/s (${packets} payloads per pass of ${aus.length} AUs)`,
    );
  }
  return {
    method,
    metrics,
    steps,
    charts: [
      {
        kind: 'bar',
        id: 'packetize-throughput',
        title: `AU → RTP payloads (MTU ${MTU})`,
        yLabel: 'MB/s',
        categories: INPUTS.map((i) => `${i.codec} 1080p`),
        series: [{ name: 'packetizer', values }],
      },
    ],
    ...(values.every((v) => v === null) ? { skipped: 'the 1080p vectors are missing' } : {}),
  };
}

export const packetizeSuite: Suite = { name: 'packetize', title: 'RTP packetize', estimateSec: 10, run };
