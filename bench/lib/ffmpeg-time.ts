// ffmpeg's time to read the same PS file, as a reference for the demux suite: the wall time of
// the whole process (`ffmpeg -f mpeg -i FILE -c copy -f null -`, startup included), median of
// a few runs. ffmpeg's mpeg demuxer does not know the G.711 stream types a GB28181 PSM declares
// and then cannot copy that stream to the null muxer, so on failure the run is repeated with
// `-map 0:v` (every pack is still read and demuxed).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median } from './stats.js';

export interface FfmpegTime {
  wallMs: number;
  /** Extra arguments that were needed ('' or '-map 0:v'). */
  extra: string;
}

export function ffmpegReadTime(file: string, runs = 3): FfmpegTime | undefined {
  for (const extra of [[], ['-map', '0:v']]) {
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(
        'ffmpeg',
        [
          '-hide_banner',
          '-nostdin',
          '-v',
          'error',
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
        ],
        {
          stdio: 'ignore',
        },
      );
      if (r.error || r.status !== 0) {
        break;
      }
      walls.push(performance.now() - t0);
    }
    if (walls.length === runs) {
      return { wallMs: median(walls), extra: extra.join(' ') };
    }
  }
  return undefined;
}
