// Test support for the HLS suites (not used at run time): real access units from clips that
// ffmpeg makes on the spot (Annex-B H.264/H.265 + G.711), split and grouped here, in the
// interleaved decode order a PS demuxer would emit them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK_HZ, type AccessUnit, type VideoCodec } from '../../../codecs/types.js';
import { splitAnnexB } from '../../../codecs/bytes/start-codes.js';
import * as h264 from '../../../codecs/h264/nal.js';
import * as h265 from '../../../codecs/h265/nal.js';
import { PsDemuxer } from '../../../codecs/ps/demuxer.js';
import { loadVector, vectorsDir } from '../../../test/helpers/paths.js';

export interface ClipOptions {
  codec: VideoCodec;
  width: number;
  height: number;
  seconds: number;
  /** G.711 flavour of the audio track (a 1 kHz sine, 8 kHz mono); none when omitted. */
  audio?: 'PCMA' | 'PCMU';
  /** Video frames per keyframe at 25 fps. Default 50 (2 s). */
  gop?: number;
}

export interface Clip {
  dir: string;
  video: Uint8Array;
  /** Raw G.711 bytes, when requested. */
  audio?: Uint8Array;
}

export function haveFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr?.toString() ?? '' };
}

/** Encodes testsrc2 (and a sine) with ffmpeg into a fresh temp dir. */
export function makeClip(o: ClipOptions): Clip {
  const dir = mkdtempSync(join(tmpdir(), 'hls-clip-'));
  const gop = o.gop ?? 50;
  const src = ['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=25`, '-t', String(o.seconds)];
  const enc =
    o.codec === 'H264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-bf', '0', '-f', 'h264', 'v.es']
      : [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-x265-params',
          `keyint=${gop}:min-keyint=${gop}:bframes=0:scenecut=0:log-level=error`,
          '-f',
          'hevc',
          'v.es',
        ];
  const v = run('ffmpeg', ['-v', 'error', '-y', ...src, ...enc], { cwd: dir });
  if (v.status !== 0) {
    throw new Error(`ffmpeg video: ${v.stderr}`);
  }
  const clip: Clip = { dir, video: new Uint8Array(readFileSync(join(dir, 'v.es'))) };
  if (o.audio) {
    const fmt = o.audio === 'PCMA' ? 'alaw' : 'mulaw';
    const a = run(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=1000:sample_rate=8000',
        '-t',
        String(o.seconds),
        '-ar',
        '8000',
        '-ac',
        '1',
        '-f',
        fmt,
        'a.g711',
      ],
      { cwd: dir },
    );
    if (a.status !== 0) {
      throw new Error(`ffmpeg audio: ${a.stderr}`);
    }
    clip.audio = new Uint8Array(readFileSync(join(dir, 'a.g711')));
  }
  return clip;
}

/** Groups Annex-B NAL units into access units (AUD dropped, as the PS demuxer does). */
export function groupAccessUnits(codec: VideoCodec, es: Uint8Array): Uint8Array[][] {
  const nal = codec === 'H264' ? h264 : h265;
  const typeOf = codec === 'H264' ? h264.nalType : h265.nalType;
  const aud = codec === 'H264' ? h264.NalType.AUD : h265.NalType.AUD;
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let seenVcl = false;
  for (const u of splitAnnexB(es)) {
    const t = typeOf(u[0]);
    const vcl = nal.isVcl(t);
    if (seenVcl && (nal.startsAccessUnit(t) || (vcl && nal.isFirstSlice(u)))) {
      out.push(current);
      current = [];
      seenVcl = false;
    }
    if (t !== aud) {
      current.push(u);
    }
    if (vcl) {
      seenVcl = true;
    }
  }
  if (current.length) {
    out.push(current);
  }
  return out;
}

export interface InterleaveOptions {
  /** 90 kHz time of the first video frame. */
  start: number;
  /** Audio starts this many ticks before (negative: after) the first video frame. Default 0. */
  audioLead?: number;
  /** G.711 bytes per audio access unit. Default 160 (20 ms). */
  audioChunk?: number;
}

/** Video at 25 fps (pts = dts, no B-frames) and G.711 in chunks, merged by time. */
export function accessUnits(
  codec: VideoCodec,
  clip: Clip,
  audioCodec: 'PCMA' | 'PCMU' | undefined,
  o: InterleaveOptions,
): AccessUnit[] {
  const video: AccessUnit[] = groupAccessUnits(codec, clip.video).map((units, i) => {
    const t = o.start + i * 3600;
    return { codec, pts: t, dts: t, keyframe: (codec === 'H264' ? h264 : h265).isKeyframe(units), units };
  });
  const audio: AccessUnit[] = [];
  if (clip.audio && audioCodec) {
    const chunk = o.audioChunk ?? 160;
    for (let at = 0, i = 0; at < clip.audio.length; at += chunk, i++) {
      const t = o.start - (o.audioLead ?? 0) + Math.round((at * CLOCK_HZ) / 8000);
      audio.push({
        codec: audioCodec,
        pts: t,
        dts: t,
        keyframe: true,
        units: [clip.audio.subarray(at, at + chunk)],
      });
    }
  }
  const all = [...video, ...audio];
  // stable: at equal times video goes first, as a PS pack of a frame precedes its audio
  return all.sort((a, b) => a.dts - b.dts || rank(a) - rank(b));
}

const rank = (au: AccessUnit): number => (au.codec === 'H264' || au.codec === 'H265' ? 0 : 1);

/** Whether the shared vectors are present beside the repo. */
export function haveVectors(): boolean {
  return existsSync(join(vectorsDir, 'manifest.json'));
}

/** Chromium for the browser suites: /usr/bin/chromium, or undefined when absent. */
export function chromiumPath(): string | undefined {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(p) ? p : undefined;
}

/** Access units of one of the shared PS vectors, through the project's PsDemuxer. */
export function demuxVector(name: string): AccessUnit[] {
  const d = new PsDemuxer();
  return [...d.push({ payload: loadVector(name) }), ...d.flush()];
}

/** The raw G.711 bytes of the audio units, concatenated (the reference for decode checks). */
export function audioBytes(aus: readonly AccessUnit[]): Uint8Array {
  const parts = aus.filter((a) => a.codec === 'PCMA' || a.codec === 'PCMU').flatMap((a) => a.units);
  const out = new Uint8Array(parts.reduce((n, u) => n + u.byteLength, 0));
  let at = 0;
  for (const u of parts) {
    out.set(u, at);
    at += u.byteLength;
  }
  return out;
}
