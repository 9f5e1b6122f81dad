// `npm run bench:demux -- --input FILE [--json] [--chunk N] [--passes N]`: demuxes one PS
// file in process to access units (NAL units split) and reports throughput as the median
// of timed passes after warm-up. With --json: exactly one JSON line. Otherwise a table,
// plus ffmpeg's time for the same file (`ffmpeg -f mpeg -i FILE -c copy -f null -`) when
// ffmpeg is on PATH.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { measureDemux, type DemuxMeasurement } from './demux-measure.js';

interface FfmpegTiming {
  /** Wall time of the whole ffmpeg process (startup included), median of the runs. */
  wallMs: number;
  /** ffmpeg's own `-benchmark` rtime: the demux/copy loop without process startup. */
  loopMs: number | null;
  /** Extra arguments that were needed, if any. */
  note: string;
}

function usage(message: string): never {
  console.error(`${message}\nusage: demux-file --input FILE [--json] [--chunk N] [--passes N]`);
  process.exit(2);
}

function ffmpegTiming(file: string, runs: number): FfmpegTiming | null {
  const probe = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    return null;
  }
  // ffmpeg's mpeg demuxer does not know the PSM's G.711 stream types (it reports the 0xC0
  // stream as mp2 with 0 channels) and then cannot write the copy to the null muxer; in
  // that case only the video is mapped (every packet is still read and demuxed).
  for (const extra of [[], ['-map', '0:v']]) {
    const walls: number[] = [];
    const loops: number[] = [];
    let ok = true;
    for (let i = 0; i < runs && ok; i++) {
      const t0 = performance.now();
      const args = [
        '-hide_banner',
        '-nostdin',
        '-benchmark',
        '-f',
        'mpeg',
        '-i',
        file,
        ...extra,
        '-c',
        'copy',
        '-f',
        'null',
        '-',
      ];
      const r = spawnSync('ffmpeg', args, { encoding: 'utf8' });
      walls.push(performance.now() - t0);
      ok = r.status === 0;
      const m = /rtime=([\d.]+)s/.exec(r.stderr ?? '');
      if (m) {
        loops.push(Number(m[1]) * 1000);
      }
    }
    if (!ok) {
      continue;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    return { wallMs: median(walls), loopMs: loops.length ? median(loops) : null, note: extra.join(' ') };
  }
  return null;
}

function table(file: string, m: DemuxMeasurement, ff: FfmpegTiming | null): string {
  const rows: [string, string][] = [
    ['file', file],
    ['bytes', String(m.bytes)],
    [
      'video',
      `${m.videoCodec ?? '-'} ${m.width ?? '?'}x${m.height ?? '?'}, ${m.videoFrames} frames, ${m.keyframes} keyframes`,
    ],
    ['audio', `${m.audioCodec ?? '-'}, ${m.audioFrames} frames, ${m.audioBytes} bytes`],
    ['chunk', m.chunk > 0 ? `${m.chunk} bytes` : 'whole file'],
    ['passes', `${m.passes} (median ${m.medianMs.toFixed(2)} ms, best ${m.minMs.toFixed(2)} ms)`],
    ['throughput', `${m.mbPerSec.toFixed(1)} MB/s`],
  ];
  if (ff) {
    const mbs = (ms: number) => m.bytes / 1e6 / (ms / 1000);
    if (ff.note) {
      rows.push(['ffmpeg note', `ran with ${ff.note}: the audio stream type is unknown to ffmpeg`]);
    }
    rows.push([
      'ffmpeg wall',
      `${ff.wallMs.toFixed(1)} ms (${mbs(ff.wallMs).toFixed(1)} MB/s, process startup included)`,
    ]);
    if (ff.loopMs !== null) {
      rows.push([
        'ffmpeg rtime',
        `${ff.loopMs.toFixed(1)} ms (${mbs(ff.loopMs).toFixed(1)} MB/s, -benchmark)`,
      ]);
    }
    const ref = ff.loopMs ?? ff.wallMs;
    rows.push([
      'ratio',
      `${(m.mbPerSec / mbs(ref)).toFixed(1)}x ffmpeg ${ff.loopMs !== null ? 'rtime' : 'wall time'}`,
    ]);
  } else {
    rows.push(['ffmpeg', 'not on PATH, or failed on this file (skipped)']);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        input: { type: 'string' },
        json: { type: 'boolean', default: false },
        chunk: { type: 'string' },
        passes: { type: 'string' },
      },
    }));
  } catch (err) {
    usage(String((err as Error).message));
  }
  if (!values.input) {
    usage('--input is required');
  }
  const chunk = values.chunk === undefined ? 0 : Number(values.chunk);
  const passes = values.passes === undefined ? 11 : Number(values.passes);
  if (!Number.isInteger(chunk) || chunk < 0) {
    usage('--chunk must be a non-negative integer');
  }
  if (!Number.isInteger(passes) || passes < 1) {
    usage('--passes must be a positive integer');
  }

  const buf = readFileSync(values.input);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const m = measureDemux(bytes, { passes, chunk });
  const file = basename(values.input);
  if (values.json) {
    const {
      bytes: n,
      videoCodec,
      audioCodec,
      width,
      height,
      videoFrames,
      keyframes,
      audioFrames,
      audioBytes,
      mbPerSec,
    } = m;
    console.log(
      JSON.stringify({
        file,
        bytes: n,
        videoCodec,
        audioCodec,
        width,
        height,
        videoFrames,
        keyframes,
        audioFrames,
        audioBytes,
        mbPerSec,
        passes: m.passes,
      }),
    );
    return;
  }
  console.log(table(file, m, ffmpegTiming(values.input, 3)));
}

main();
