// Snapshots (docs/recording.md §9): a JPEG of a channel's newest keyframe. A one-shot hub sink
// takes the first keyframe it is given: at once from the GOP cache when the stream runs, else
// after the stream is started for it (the sink counts as a viewer while it waits). ffmpeg decodes
// that one access unit. A snapshot is kept for a second and concurrent requests share one
// decode, so a video wall polling thumbnails starts at most one decoder per channel per second.
import { spawn } from 'node:child_process';
import { isVideoCodec, type AccessUnit } from '../../../codecs/types.js';
import type { Stream } from '../../hub/stream.js';

export interface SnapshotServiceOptions {
  /** Starts (or joins) the channel's live stream. */
  pull(deviceId: string, channelId: string): Promise<Stream>;
  /** Whether ffmpeg can be run (checked once at start). */
  ffmpeg: boolean;
  /** Default 1000. */
  cacheMs?: number;
  /** Waiting for a keyframe of a stream started for the snapshot. Default 10000. */
  keyframeTimeoutMs?: number;
  now?: () => number;
}

export class SnapshotError extends Error {
  constructor(
    readonly reason: 'no-ffmpeg' | 'no-keyframe' | 'decode',
    message: string,
  ) {
    super(message);
  }
}

const START_CODE = new Uint8Array([0, 0, 0, 1]);

/** The access unit as an Annex-B elementary stream, what ffmpeg's h264/hevc demuxers read. */
function annexB(au: AccessUnit): Buffer {
  return Buffer.concat(au.units.flatMap((u) => [START_CODE, u]));
}

function firstKeyframe(stream: Stream, timeoutMs: number): Promise<AccessUnit> {
  return new Promise((resolve, reject) => {
    let done = false;
    const sub: { off?: () => void } = {};
    const finish = (err: Error | undefined, au?: AccessUnit) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      // Off the hub's write call: leaving from inside it is allowed, but keep the decode out of it.
      setImmediate(() => sub.off?.());
      if (err) {
        reject(err);
      } else {
        resolve(au!);
      }
    };
    const timer = setTimeout(
      () => finish(new SnapshotError('no-keyframe', `no keyframe from the camera within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sub.off = stream.subscribe(
      {
        id: `snapshot-${Date.now()}`,
        write: (au) => {
          if (isVideoCodec(au.codec) && au.keyframe) {
            finish(undefined, au);
          }
        },
        close: (reason) =>
          finish(new SnapshotError('no-keyframe', `the stream ended before a keyframe (${reason})`)),
      },
      { viewer: true },
    );
    if (done) {
      sub.off();
    }
  });
}

function decodeJpeg(au: AccessUnit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const format = au.codec === 'H265' ? 'hevc' : 'h264';
    const proc = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        format,
        '-i',
        'pipe:0',
        '-frames:v',
        '1',
        '-q:v',
        '3',
        '-f',
        'image2pipe',
        '-c:v',
        'mjpeg',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (b: Buffer) => out.push(b));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('error', (e) => reject(new SnapshotError('no-ffmpeg', `ffmpeg could not be run: ${e.message}`)));
    proc.on('close', (code) => {
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 0) {
        resolve(jpeg);
      } else {
        reject(
          new SnapshotError(
            'decode',
            `ffmpeg could not decode the keyframe (exit ${code}): ${err.trim().slice(0, 200)}`,
          ),
        );
      }
    });
    proc.stdin.on('error', () => {}); // ffmpeg gone early: its exit code tells
    proc.stdin.end(annexB(au));
  });
}

export class SnapshotService {
  readonly #o: SnapshotServiceOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; jpeg: Promise<Buffer> }>();
  /** Decoders started since start (tests, metrics). */
  decodersStarted = 0;

  constructor(o: SnapshotServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  snapshot(deviceId: string, channelId: string): Promise<Buffer> {
    if (!this.#o.ffmpeg) {
      return Promise.reject(
        new SnapshotError('no-ffmpeg', 'ffmpeg is not installed: snapshots need it to decode the keyframe'),
      );
    }
    const key = `${deviceId}/${channelId}`;
    const hit = this.#cache.get(key);
    const cacheMs = this.#o.cacheMs ?? 1000;
    if (hit && this.#now() - hit.at < cacheMs) {
      return hit.jpeg;
    }
    const jpeg = this.#take(deviceId, channelId);
    const entry = { at: this.#now(), jpeg };
    this.#cache.set(key, entry);
    // A failure is not cached: the next request tries again. A success counts from when it is ready.
    jpeg.then(
      () => (entry.at = this.#now()),
      () => {
        if (this.#cache.get(key) === entry) {
          this.#cache.delete(key);
        }
      },
    );
    return jpeg;
  }

  async #take(deviceId: string, channelId: string): Promise<Buffer> {
    const stream = await this.#o.pull(deviceId, channelId);
    const au = await firstKeyframe(stream, this.#o.keyframeTimeoutMs ?? 10_000);
    this.decodersStarted++;
    return decodeJpeg(au);
  }
}
