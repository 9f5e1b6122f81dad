// Facts about this installation that several composition roots share (the single-process
// gateway, a --role media node, the demo): where the package is installed, its version, the
// address devices reach us at, and whether ffmpeg is on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The install directory (holds package.json and web-demo/), whether run from dist/ or from source. */
export function findInstallRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) {
      return process.cwd();
    }
    dir = up;
  }
  return dir;
}
export const VERSION = '0.1.0';

/** ffmpeg on PATH (H.265 → H.264 transcoding for WebRTC viewers). */
export function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** The address devices reach us at: the SIP host when it is specific, else the first external IPv4. */
export function guessPublicIp(sipHost: string): string {
  if (sipHost !== '0.0.0.0' && sipHost !== '::') {
    return sipHost;
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        return a.address;
      }
    }
  }
  return '127.0.0.1';
}
