// Source clips for the load suites, made with ffmpeg at run time and cached under
// bench/.cache/ (gitignored; never committed). testsrc2 compresses too well to fill 4 Mbit/s,
// so light temporal noise is added and the rate held by x264's VBV (-maxrate/-bufsize):
// a camera-like stream, Main profile, no B-frames, SPS/PPS before every IDR, fixed GOP.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, ensureDir } from './paths.js';

export interface ClipSpec {
  width: number;
  height: number;
  /** Default 25. */
  fps?: number;
  /** Seconds; the simulator loops the clip. Default 10. */
  seconds?: number;
  /** x264 target, e.g. '4M'. */
  bitrate: string;
  /** Frames per GOP. Default 2 s worth. */
  gop?: number;
}

export interface CachedClip {
  path: string;
  /** Measured from the file: bytes × 8 / seconds. */
  mbps: number;
  spec: Required<ClipSpec>;
}

export function hasFfmpeg(): boolean {
  const r = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export function ensureClip(spec: ClipSpec): CachedClip {
  const s: Required<ClipSpec> = { fps: 25, seconds: 10, gop: 2 * (spec.fps ?? 25), ...spec };
  const name = `h264-${s.width}x${s.height}-${s.fps}fps-${s.bitrate}-g${s.gop}-${s.seconds}s.h264`;
  const path = join(ensureDir(cacheDir), name);
  if (!existsSync(path)) {
    if (!hasFfmpeg()) {
      throw new Error(`ffmpeg is needed once to make ${name} (apt-get install ffmpeg)`);
    }
    const tmp = `${path}.${process.pid}.tmp`;
    const bufsize = `${parseFloat(s.bitrate) * 2}${s.bitrate.replace(/[\d.]/g, '')}`;
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
      '-t',
      String(s.seconds),
      '-vf',
      'noise=alls=10:allf=t+u',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'main',
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      s.bitrate,
      '-maxrate',
      s.bitrate,
      '-bufsize',
      bufsize,
      '-g',
      String(s.gop),
      '-keyint_min',
      String(s.gop),
      '-sc_threshold',
      '0',
      '-bf',
      '0',
      '-x264-params',
      'repeat-headers=1',
      '-f',
      'h264',
      tmp,
    ]);
    renameSync(tmp, path);
  }
  return { path, mbps: (statSync(path).size * 8) / s.seconds / 1e6, spec: s };
}
