// H.265 → H.264 for browsers without an H.265 WebRTC decoder (Debian Chromium has none,
// docs/browser-notes.md §1). One ffmpeg per H.265 stream, running only while H.264-only WebRTC
// viewers watch it. The H.264 side is a second hub (gateway/hub/stream.ts Stream), so those
// viewers get the usual GOP cache, fan-out and idle stop; the hub's start/stop spawn and
// kill ffmpeg. Audio bypasses ffmpeg unchanged.
//
// Raw Annex-B in carries no timestamps, so output frames take the input PTS in order: x264
// runs without B-frames or lookahead (zerolatency), ffmpeg without frame-rate conversion
// (-fps_mode passthrough), giving one output frame per input frame, with an IDR wherever the
// camera sent one (-force_key_frames source), which also realigns the order. Output is FLV
// because its tags are length-framed: an AU is complete as soon as it is written.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { AccessUnit } from '../../../codecs/types.js';
import { createLogger } from '../../log.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import { Stream } from '../../hub/stream.js';
import { FlvReader, type FlvVideoFrame } from './flv-reader.js';
import type { WhepStream } from './whep-session.js';

const log = createLogger('gateway:transcoder');
const START_CODE = Buffer.from([0, 0, 0, 1]);

export interface TranscoderOptions {
  /** Default 'ffmpeg' from PATH. */
  ffmpegPath?: string;
  /** x264 rate control. Default ['-crf', '25', '-maxrate', '4M', '-bufsize', '2M']. */
  rateArgs?: string[];
  /** Keep ffmpeg this long after the last viewer leaves. Default 5000 ms. */
  idleStopMs?: number;
}

/**
 * The H.264 level the transcoder writes for a picture size (ITU-T H.264 Table A-1: the smallest
 * of 3.0, 3.1, 4.0 and 5.1 whose frame size fits at 25-30 fps), and the RFC 6381 codec string
 * of its Constrained Baseline output. Fixed up front, so the HLS multivariant playlist can name
 * the H.264 variant's CODECS exactly before ffmpeg has written a frame.
 */
export function h264LevelFor(width: number, height: number): { level: string; codecString: string } {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const [level, idc] =
    macroblocks <= 1620
      ? ['3.0', 0x1e]
      : macroblocks <= 3600
        ? ['3.1', 0x1f]
        : macroblocks <= 8192
          ? ['4.0', 0x28]
          : ['5.1', 0x33];
  return { level, codecString: `avc1.42C0${idc.toString(16).toUpperCase()}` };
}

/** Builds the ffmpeg command line; exported for the test that checks it. */
export function ffmpegArgs(rateArgs: readonly string[], level = '3.1'): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    // Small probe so the first frame is not held back; one decoder thread so decoding adds no frame delay.
    // (-fflags nobuffer made the hevc parser lose frames here, breaking the 1:1 frame order.)
    ...['-probesize', '32768', '-analyzeduration', '0', '-threads', '1', '-f', 'hevc', '-i', 'pipe:0'],
    ...['-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-threads', '1'],
    // Constrained-Baseline-compatible output: what every WebRTC H.264 decoder takes (42e01f).
    ...['-profile:v', 'baseline', '-level:v', level, '-pix_fmt', 'yuv420p', '-bf', '0', ...rateArgs],
    ...['-force_key_frames', 'source', '-g', '600', '-x264-params', 'repeat-headers=1'],
    ...['-fps_mode', 'passthrough', '-flush_packets', '1', '-f', 'flv', 'pipe:1'],
  ];
}

interface Pending {
  pts: number;
  dts: number;
  keyframe: boolean;
}

/** Drives one ffmpeg for one H.265 stream; the H.264 hub's StreamSource. */
class TranscodeRun {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly order: Pending[] = [];
  private readonly reader = new FlvReader((frame) => this.onOutput(frame));
  private stopped = false;

  constructor(
    private readonly input: WhepStream,
    private readonly output: Stream,
    private readonly opts: TranscoderOptions,
  ) {}

  start(): void {
    const proc = spawn(
      this.opts.ffmpegPath ?? 'ffmpeg',
      ffmpegArgs(
        this.opts.rateArgs ?? ['-crf', '25', '-maxrate', '4M', '-bufsize', '2M'],
        h264LevelFor(this.input.info.width ?? 1920, this.input.info.height ?? 1080).level,
      ),
    );
    this.proc = proc;
    proc.on('error', (err) => this.output.close(`transcoder failed: ${err.message}`));
    proc.on('exit', (code, signal) => {
      if (!this.stopped) {
        this.output.close(`transcoder exited (${signal ?? code})`);
      }
    });
    proc.stdin.on('error', () => {}); // EPIPE after exit is reported by 'exit'
    proc.stderr.on('data', (d: Buffer) =>
      log.debug({ stream: this.input.id, ffmpeg: d.toString().trim() }, 'ffmpeg'),
    );
    proc.stdout.on('data', (chunk: Buffer) => this.reader.push(chunk));
    const feed: Sink = {
      id: `transcode:${this.output.id}`,
      write: (au) => this.onInput(au),
      // ffmpeg behind (stdin buffer full): the hub skips this feed to the next keyframe.
      isCongested: () => proc.stdin.writableNeedDrain,
      close: (reason: CloseReason) => this.output.close(`source ${reason}`),
    };
    // Counts as one viewer of the camera stream, which therefore stays up while anyone watches the H.264 view.
    this.unsubscribe = this.input.subscribe(feed);
    log.info({ stream: this.input.id, pid: proc.pid }, 'H.265 → H.264 transcoder started');
  }

  stop(reason: string): void {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    this.unsubscribe?.();
    this.reader.reset();
    this.proc?.stdin.destroy();
    this.proc?.kill('SIGKILL');
    log.info({ stream: this.input.id, reason }, 'H.265 → H.264 transcoder stopped');
  }

  requestKeyframe(): void {
    this.input.requestKeyframe();
  }

  private onInput(au: AccessUnit): void {
    if (au.codec !== 'H265') {
      if (au.codec !== 'H264') {
        this.output.publish(au); // audio passes straight through
      }
      return;
    }
    const stdin = this.proc?.stdin;
    if (!stdin || this.stopped) {
      return;
    }
    const parts: Buffer[] = [];
    for (const unit of au.units) {
      parts.push(START_CODE, Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength));
    }
    this.order.push({ pts: au.pts, dts: au.dts, keyframe: au.keyframe });
    stdin.write(Buffer.concat(parts));
  }

  private onOutput({ units }: FlvVideoFrame): void {
    const keyframe = units.some((u) => (u[0] & 0x1f) === 5); // IDR slice (H.264 Table 7-1)
    // An output IDR stands for an input keyframe: drop stale entries if ffmpeg ever lost a frame.
    if (keyframe) {
      while (this.order.length > 1 && !this.order[0].keyframe) {
        this.order.shift();
      }
    }
    const at = this.order.shift();
    if (!at) {
      return; // output without a matching input frame: cannot be timed
    }
    this.output.publish({ codec: 'H264', pts: at.pts, dts: at.pts, keyframe, units });
  }
}

export class H265Transcoder {
  private readonly views = new Map<string, Stream>();
  private readonly watched = new WeakSet<WhepStream>();

  constructor(private readonly opts: TranscoderOptions = {}) {}

  /** Running ffmpeg processes. */
  get active(): number {
    return [...this.views.values()].filter((v) => !v.closed).length;
  }

  /** The H.264 hub for an H.265 stream; created (not started) on demand, shared by viewers. */
  h264View(input: WhepStream): WhepStream {
    const existing = this.views.get(input.id);
    if (existing && !existing.closed) {
      return existing;
    }
    let run: TranscodeRun | undefined;
    const view: Stream = new Stream({
      id: `${input.id}~h264`,
      source: {
        start: () => {
          run = new TranscodeRun(input, view, this.opts);
          run.start(); // spawn errors arrive as events and close the view
          return Promise.resolve();
        },
        stop: (reason) => run?.stop(reason),
        requestKeyframe: () => run?.requestKeyframe(),
      },
      idleStopMs: this.opts.idleStopMs ?? 5000,
    });
    if (!this.watched.has(input)) {
      this.watched.add(input); // one listener per camera stream, however often its view restarts
      input.onClose((cause) => this.views.get(input.id)?.close(`source closed: ${cause}`));
    }
    view.onClose(() => {
      if (this.views.get(input.id) === view) {
        this.views.delete(input.id);
      }
    });
    this.views.set(input.id, view);
    return view;
  }

  closeAll(): void {
    for (const view of [...this.views.values()]) {
      view.close('shutdown');
    }
  }
}
