// Voice tests: tone files made by ffmpeg at test time, and reading what a simulated device's
// speaker heard (simulator/speaker.ts) as numbers to compare.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeardSecond } from '../../simulator/speaker.js';
import type { Simulator } from '../../simulator/index.js';

/** A sine as a 16-bit PCM WAV file, made by ffmpeg (lavfi `sine`). Returns its path. */
export function toneWav(opts: {
  hz: number;
  seconds: number;
  rate: number;
  channels: 1 | 2;
  dir?: string;
}): string {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gb-tone-'));
  const path = join(dir, `sine-${opts.hz}-${opts.rate}-${opts.channels}ch-${opts.seconds}s.wav`);
  const r = spawnSync(
    'ffmpeg',
    [
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${opts.hz}:sample_rate=${opts.rate}:duration=${opts.seconds}`,
      '-ac',
      String(opts.channels),
      '-c:a',
      'pcm_s16le',
      path,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new Error(`ffmpeg could not make the tone: ${r.stderr}`);
  }
  return path;
}

export const readFile = (path: string): Buffer => readFileSync(path);

/** What one channel's speaker of a simulated device heard. */
export function heardBy(sim: Simulator, deviceId: string, channelId: string): readonly HeardSecond[] {
  return sim.device(deviceId)?.backend.heard(channelId) ?? [];
}

/** The summary of the last broadcast that ended on a channel. */
export function lastBroadcast(sim: Simulator, deviceId: string, channelId: string) {
  const ended = sim.device(deviceId)?.backend.speakers.ended ?? [];
  return [...ended].reverse().find((s) => s.channelId === channelId);
}

/** The seconds whose dominant frequency is within `tolerance` of `hz`. */
export function secondsAt(heard: readonly HeardSecond[], hz: number, tolerance: number): HeardSecond[] {
  return heard.filter((s) => s.dominantHz !== null && Math.abs(s.dominantHz - hz) <= tolerance);
}
