// Suite `fmp4`: access units → fMP4 (CMAF) fragments through the gateway's HLS sink
// (gateway/outputs/hls/hls-sink.ts: rebasing, AVCC length prefixes, G.711 → FLAC, the segmenter's
// LL-HLS parts, the CMAF moof + mdat of each track), i.e. the whole per-stream HLS packaging cost, without HTTP.
import { HlsSink, type HlsSinkTarget } from '../../gateway/outputs/hls/hls-sink.js';
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

interface Counts {
  parts: number;
  segments: number;
  bytesOut: number;
}

function countingTarget(c: Counts): HlsSinkTarget {
  return {
    onInit: () => {},
    onPart: (track, p) => {
      c.parts += track === 'video' ? 1 : 0;
      c.bytesOut += p.bytes.byteLength;
    },
    onSegmentEnd: () => {
      c.segments++;
    },
    onEnd: () => {},
  };
}

function run(ctx: SuiteContext): SuiteOutput {
  const passes = ctx.options.quick ? 7 : 41;
  const method =
    `Every access unit (video and G.711 audio) of each 1080p vector is written to a fresh HlsSink (2 s segments, ` +
    `1/3 s LL-HLS parts) per pass and the sink is closed; 3 warm-up passes, median of ${passes} timed passes; an unsteady round (median > 1.3 × fastest) is repeated, up to 3, keeping the fastest median. ` +
    `MB/s counts input bytes (NAL units + audio); "% of a core per 4 Mbit/s stream" = 0.5 MB/s ÷ that speed.`;
  const metrics: Metric[] = [];
  const steps: Record<string, unknown>[] = [];
  const values: (number | null)[] = [];
  for (const [i, input] of INPUTS.entries()) {
    ctx.progress(i / INPUTS.length, input.file);
    const aus = vectorAccessUnits(input.file);
    if (!aus || aus.length === 0) {
      values.push(null);
      continue;
    }
    const bytesIn = unitBytes(aus);
    const counts: Counts = { parts: 0, segments: 0, bytesOut: 0 };
    const pass = (): void => {
      counts.parts = 0;
      counts.segments = 0;
      counts.bytesOut = 0;
      const sink = new HlsSink(countingTarget(counts), { id: 'bench' });
      for (const au of aus) {
        sink.write(au);
      }
      sink.close('stream-closed');
    };
    const t = steadiest(() => timePasses(pass, { passes }));
    const mbPerSec = round(bytesIn / 1e6 / (t.medianMs / 1000), 1);
    values.push(mbPerSec);
    const { speed, corePer4Mbps } = throughputMetrics(
      input.codec,
      `${input.codec} 1080p + G.711 → fMP4 parts`,
      mbPerSec,
    );
    metrics.push(
      speed,
      {
        key: `${input.codec.toLowerCase()}.partsPerSec`,
        label: `${input.codec} LL-HLS parts built`,
        value: round(counts.parts / (t.medianMs / 1000), 0),
        unit: 'parts/s',
        better: 'higher',
      },
      corePer4Mbps,
    );
    steps.push({
      codec: input.codec,
      file: input.file,
      aus: aus.length,
      bytesIn,
      ...counts,
      ...timingFields(t),
      mbPerSec,
    });
    ctx.log(
      `  ${input.codec}: ${mbPerSec} MB/s in, ${counts.parts} parts and ${counts.segments} segments per pass (${round(t.medianMs, 2)} ms)`,
    );
  }
  return {
    method,
    metrics,
    steps,
    charts: [
      {
        kind: 'bar',
        id: 'fmp4-throughput',
        title: 'AU → fMP4 fragments (HLS sink)',
        yLabel: 'MB/s',
        categories: INPUTS.map((i) => `${i.codec} 1080p`),
        series: [{ name: 'HlsSink', values }],
      },
    ],
    ...(values.every((v) => v === null) ? { skipped: 'the 1080p vectors are missing' } : {}),
  };
}

export const fmp4Suite: Suite = { name: 'fmp4', title: 'fMP4 fragments', estimateSec: 10, run };
