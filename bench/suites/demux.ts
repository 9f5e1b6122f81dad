// Suite `demux`: PS → access units in process, MB/s per vector in ../shared/vectors/, via
// measureDemux (bench/demux-measure.ts: median of timed passes after warm-up), once with the
// whole file in one push and once in 1400-byte pushes (the RTP payload size ingest sees),
// beside ffmpeg's whole-process time for the same file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureDemux } from '../demux-measure.js';
import { ffmpegReadTime } from '../lib/ffmpeg-time.js';
import { hasFfmpeg } from '../lib/clip-cache.js';
import { steadiest } from '../lib/micro.js';
import { vectorsDir } from '../lib/paths.js';
import { round } from '../lib/stats.js';
import type { Metric, Suite, SuiteContext, SuiteOutput } from '../suite.js';

const HEADLINE_VECTOR = 'ms_h264_1080p_g711u.ps';
const RTP_CHUNK = 1400;

function run(ctx: SuiteContext): SuiteOutput {
  let files: string[];
  try {
    files = readdirSync(vectorsDir)
      .filter((f) => f.endsWith('.ps'))
      .sort();
  } catch {
    files = [];
  }
  const method =
    `Each PS vector in ${vectorsDir} is read into memory and demuxed by PsDemuxer to access units (NAL units split, ` +
    `keyframes and codec parameters found) with measureDemux: 3 untimed warm-up passes, then the median of ` +
    `${ctx.options.quick ? 7 : 41} timed passes (performance.now()); a round whose median is over 30 % above its fastest pass (other load) is repeated, up to 3 rounds, keeping the fastest median. "whole" pushes the file at once; "1400 B" pushes it ` +
    `in RTP-payload-sized chunks as UDP ingest does. MB/s = file bytes / 10^6 / median seconds. ffmpeg: median wall time ` +
    `of 3 runs of \`ffmpeg -f mpeg -i FILE -c copy -f null -\` (process startup included), when ffmpeg is installed.`;
  if (files.length === 0) {
    return { method, metrics: [], skipped: `no .ps vectors in ${vectorsDir} (set GB_VECTORS_DIR)` };
  }
  const ffmpeg = hasFfmpeg();
  const passes = ctx.options.quick ? 7 : 41;
  const metrics: Metric[] = [];
  const steps: Record<string, unknown>[] = [];
  const whole: (number | null)[] = [];
  const chunked: (number | null)[] = [];
  const ff: (number | null)[] = [];
  const notes: string[] = [];
  for (const [i, file] of files.entries()) {
    ctx.progress(i / files.length, file);
    const buf = readFileSync(join(vectorsDir, file));
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const a = steadiest(() => measureDemux(bytes, { passes }));
    const b = steadiest(() => measureDemux(bytes, { passes, chunk: RTP_CHUNK }));
    const f = ffmpeg ? ffmpegReadTime(join(vectorsDir, file)) : undefined;
    const ffMbps = f ? round(bytes.length / 1e6 / (f.wallMs / 1000), 1) : null;
    if (f?.extra) {
      notes.push(`${file}: ffmpeg ran with ${f.extra} (it does not know the PSM's G.711 stream type).`);
    }
    whole.push(a.mbPerSec);
    chunked.push(b.mbPerSec);
    ff.push(ffMbps);
    steps.push({
      file,
      bytes: bytes.length,
      video: a.videoCodec,
      size: `${a.width}x${a.height}`,
      frames: a.videoFrames,
      audioFrames: a.audioFrames,
      mbPerSec: a.mbPerSec,
      mbPerSecChunked: b.mbPerSec,
      medianMs: a.medianMs,
      rounds: a.rounds,
      roundsChunked: b.rounds,
      bestPassMbPerSec: round(bytes.length / 1e6 / (a.minMs / 1000), 1),
      ffmpegWallMs: f ? round(f.wallMs, 1) : null,
      ffmpegMbPerSec: ffMbps,
    });
    ctx.log(
      `  ${file.padEnd(26)} ${String(a.mbPerSec).padStart(8)} MB/s whole  ${String(b.mbPerSec).padStart(8)} MB/s in ${RTP_CHUNK} B pushes  ffmpeg ${ffMbps ?? '-'} MB/s (whole process)`,
    );
    const key = file.replace(/\.ps$/, '');
    const isHeadline = file === HEADLINE_VECTOR;
    metrics.push({
      key: `${key}.mbPerSec`,
      label: `${file}, whole file`,
      value: a.mbPerSec,
      unit: 'MB/s',
      better: 'higher',
      ...(isHeadline ? { target: { op: '>=', value: 1300 }, headline: true } : {}),
    });
    if (isHeadline) {
      metrics.push({
        key: `${key}.bestMbPerSec`,
        label: `${file}, whole file, fastest of ${passes} passes`,
        value: round(bytes.length / 1e6 / (a.minMs / 1000), 1),
        unit: 'MB/s',
        better: 'higher',
        note: 'less sensitive to other load on the machine',
      });
    }
    metrics.push({
      key: `${key}.mbPerSecChunked`,
      label: `${file}, ${RTP_CHUNK} B pushes`,
      value: b.mbPerSec,
      unit: 'MB/s',
      better: 'higher',
    });
    if (ffMbps !== null) {
      metrics.push({
        key: `${key}.ffmpegMbPerSec`,
        label: `${file}, ffmpeg whole process`,
        value: ffMbps,
        unit: 'MB/s',
        better: 'higher',
        note: 'reference, not ours',
      });
    }
  }
  if (!ffmpeg) {
    notes.push('ffmpeg is not installed: no reference times.');
  }
  return {
    method,
    metrics,
    steps,
    notes,
    charts: [
      {
        kind: 'bar',
        id: 'demux-throughput',
        title: 'PS demux throughput per vector',
        yLabel: 'MB/s',
        categories: files.map((f) => f.replace(/\.ps$/, '')),
        series: [
          { name: 'PsDemuxer, whole file', values: whole },
          { name: `PsDemuxer, ${RTP_CHUNK} B pushes`, values: chunked },
          ...(ffmpeg ? [{ name: 'ffmpeg (whole process)', values: ff }] : []),
        ],
        rules: [{ y: 1300, label: 'target 1300 MB/s' }],
      },
    ],
  };
}

export const demuxSuite: Suite = { name: 'demux', title: 'PS demux', estimateSec: 20, run };
