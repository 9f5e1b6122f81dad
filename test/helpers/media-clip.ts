// Real media for the output tests and benchmarks: a clip that ffmpeg encodes on the spot (testsrc2
// in H.264 or H.265, 25 fps, no B-frames, parameter sets on every keyframe, as cameras send; a
// 1 kHz G.711 sine), turned into the AccessUnits a PS demuxer would emit. One clip, several uses:
// the units as they are (a WebRTC pacer), interleaved in decode order at a chosen start time
// (HLS), and the shared PS vectors through our own demuxer.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitAnnexB } from '../../codecs/bytes/start-codes.js';
import * as h264 from '../../codecs/h264/nal.js';
import * as h265 from '../../codecs/h265/nal.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import type { AccessUnit, VideoCodec } from '../../codecs/types.js';
import { loadVector } from './paths.js';

/** 25 fps at 90 kHz. */
export const FRAME_TICKS = 3600;
/** One G.711 access unit: 160 samples, 20 ms at 8 kHz. */
export const AUDIO_FRAME_BYTES = 160;
export const AUDIO_TICKS = 1800;

export interface ClipOptions {
  /** Default H264. */
  codec?: VideoCodec;
  /** Default 640 × 360. */
  width?: number;
  height?: number;
  /** Default 4. */
  seconds?: number;
  /** Frames per keyframe. Default 50 (2 s). */
  gop?: number;
  /** A G.711 track (1 kHz sine, 8 kHz mono) in this flavour; none when omitted. */
  audio?: 'PCMA' | 'PCMU';
  /** H.264 only: a constant bitrate such as '2M' instead of CRF 23 (benchmarks). */
  bitrate?: string;
}

export interface TestClip {
  codec: VideoCodec;
  /** Decode order, pts = dts = i × 3600 from 0. */
  video: AccessUnit[];
  /** 160-byte G.711 frames, dts = i × 1800 from 0; empty when the clip has no audio. */
  audio: AccessUnit[];
  width: number;
  height: number;
  /** The video's length in 90 kHz ticks (the loop period of a pacer). */
  durationTicks: number;
}

export function haveFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
}

/** Runs a tool (ffmpeg, ffprobe) to completion; its exit status, stdout and stderr. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr?.toString() ?? '' };
}

/**
 * run() without blocking the event loop: for a tool that reads from a gateway running in this
 * process (ffmpeg on its HLS), which spawnSync would leave unanswered until the tool times out.
 */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

function ffmpeg(dir: string, args: string[]): void {
  const r = run('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: dir });
  if (r.status !== 0) {
    throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
  }
}

function videoEncoder(codec: VideoCodec, gop: number, bitrate: string | undefined): string[] {
  if (codec === 'H265') {
    // Closed GOPs and parameter sets on every IRAP, as cameras send them.
    const params = `keyint=${gop}:min-keyint=${gop}:bframes=0:scenecut=0:open-gop=0:repeat-headers=1:log-level=error`;
    return ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', params, '-f', 'hevc'];
  }
  const rate = bitrate ? ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate] : ['-crf', '23'];
  // Constrained Baseline (what every WebRTC browser decodes), one slice per frame, SPS/PPS on every IDR.
  return [
    ...['-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'veryfast', ...rate],
    ...['-g', String(gop), '-bf', '0', '-x264-params', 'repeat-headers=1:sliced-threads=0', '-f', 'h264'],
  ];
}

/** Encodes the clip in a temp dir (removed before returning) and splits it into access units. */
export function makeClip(o: ClipOptions = {}): TestClip {
  const codec = o.codec ?? 'H264';
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const seconds = String(o.seconds ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'test-clip-'));
  try {
    const source = ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=25`, '-t', seconds];
    ffmpeg(dir, [...source, ...videoEncoder(codec, o.gop ?? 50, o.bitrate), 'v.es']);
    const video = groupAccessUnits(codec, new Uint8Array(readFileSync(join(dir, 'v.es')))).map(
      (units, i): AccessUnit => {
        const t = i * FRAME_TICKS;
        return { codec, pts: t, dts: t, keyframe: (codec === 'H264' ? h264 : h265).isKeyframe(units), units };
      },
    );
    const audio: AccessUnit[] = [];
    if (o.audio) {
      const sine = ['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=8000', '-t', seconds];
      ffmpeg(dir, [
        ...sine,
        '-ar',
        '8000',
        '-ac',
        '1',
        '-f',
        o.audio === 'PCMA' ? 'alaw' : 'mulaw',
        'a.g711',
      ]);
      const samples = new Uint8Array(readFileSync(join(dir, 'a.g711')));
      for (let at = 0, i = 0; at + AUDIO_FRAME_BYTES <= samples.length; at += AUDIO_FRAME_BYTES, i++) {
        const t = i * AUDIO_TICKS;
        const units = [samples.subarray(at, at + AUDIO_FRAME_BYTES)];
        audio.push({ codec: o.audio, pts: t, dts: t, keyframe: true, units });
      }
    }
    return { codec, video, audio, width, height, durationTicks: video.length * FRAME_TICKS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Groups Annex-B NAL units into access units the way the PS demuxer does: an AUD, a parameter
 * set or the first slice of a picture after a VCL unit starts the next one; AUDs are dropped.
 */
export function groupAccessUnits(codec: VideoCodec, es: Uint8Array): Uint8Array[][] {
  const nal = codec === 'H264' ? h264 : h265;
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let seenVcl = false;
  for (const u of splitAnnexB(es)) {
    const t = nal.nalType(u[0]);
    const vcl = nal.isVcl(t);
    if (seenVcl && (nal.startsAccessUnit(t) || (vcl && nal.isFirstSlice(u)))) {
      out.push(current);
      current = [];
      seenVcl = false;
    }
    if (t !== nal.NalType.AUD) {
      current.push(u);
    }
    seenVcl ||= vcl;
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
  /** Leave the audio out. Default true when the clip has audio. */
  audio?: boolean;
}

/** Video and audio shifted to `start` and merged by DTS, as a PS stream carries them. */
export function interleave(clip: TestClip, o: InterleaveOptions): AccessUnit[] {
  const shift = (au: AccessUnit, by: number): AccessUnit => ({ ...au, pts: au.pts + by, dts: au.dts + by });
  const video = clip.video.map((au) => shift(au, o.start));
  const audio = o.audio === false ? [] : clip.audio.map((au) => shift(au, o.start - (o.audioLead ?? 0)));
  // Stable: at equal times video goes first, as the PS pack of a frame precedes its audio.
  return [...video, ...audio].sort((a, b) => a.dts - b.dts || rank(a) - rank(b));
}

const rank = (au: AccessUnit): number => (au.codec === 'H264' || au.codec === 'H265' ? 0 : 1);

/** Access units of one of the shared PS vectors, through the project's PsDemuxer. */
export function demuxVector(name: string): AccessUnit[] {
  const d = new PsDemuxer();
  return [...d.push({ payload: loadVector(name) }), ...d.flush()];
}

/** The G.711 bytes of the audio units, concatenated (the reference for decode checks). */
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
