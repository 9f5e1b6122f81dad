// Device-record download (docs/recording.md §10): an s=Download INVITE with a=downloadspeed:N;
// the device sends the range as fast as it likes and the access units go, with their own media
// timestamps (not their arrival times), through the export-mode fMP4 writer into a file in the
// data dir. Progress is media time received against the requested range, never falling; the
// device's MediaStatus 121 or BYE ends it. A download that stalls (the stream's no-media
// timeout) is invited again from where it stopped, a few times, then fails with the reason.
// Several run at once, up to a bound.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Fmp4FileWriter } from '../../codecs/fmp4/file-writer.js';
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../codecs/types.js';
import type { Stream } from '../hub/stream.js';
import type { Logger } from '../log.js';
import { createPrivateWriteStream, PRIVATE_DIR_MODE } from '../private-files.js';

export interface DownloadView {
  downloadId: string;
  state: 'running' | 'done' | 'failed';
  progress: number;
  bytes: number;
  mediaSeconds: number;
  error?: string;
}

export interface DownloadServiceOptions {
  /** <data dir>/downloads */
  dir: string;
  /** The s=Download INVITE; the stream's close cause says how it ended. */
  startDownload(deviceId: string, channelId: string, start: Date, end: Date, speed: number): Promise<Stream>;
  maxRunning: number;
  /** Re-invitations after a stall before the download fails. Default 3. */
  maxRetries?: number;
  log: Logger;
}

export class DownloadLimitError extends Error {}

/** A finished range reaches this share of the request: the last GOP may end a frame short. */
const DONE_SHARE = 0.98;

class Download {
  state: DownloadView['state'] = 'running';
  error: string | undefined;
  bytes = 0;
  /** Media seconds written, from the first keyframe; only grows. */
  mediaSeconds = 0;
  retries = 0;
  /** Made once the media says whether it has audio (the header declares it up front). */
  writer: Fmp4FileWriter | undefined;
  /** Access units held until then. */
  pending: AccessUnit[] = [];
  out: Writable;
  /** DTS of the current attempt's first keyframe, and where on the file's timeline it goes. */
  attemptOrigin: number | undefined;
  attemptBase = 0;
  lastDts = 0;
  frameTicks = CLOCK_HZ / 25;
  unsubscribe: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly deviceId: string,
    readonly channelId: string,
    readonly start: Date,
    readonly end: Date,
    readonly speed: number,
    readonly path: string,
  ) {
    this.out = createPrivateWriteStream(path, 'w');
  }

  get rangeSec(): number {
    return (this.end.getTime() - this.start.getTime()) / 1000;
  }

  view(): DownloadView {
    return {
      downloadId: this.id,
      state: this.state,
      progress:
        this.state === 'done'
          ? 1
          : Math.min(1, Math.max(0, Math.floor((this.mediaSeconds / this.rangeSec) * 1000) / 1000)),
      bytes: this.bytes,
      mediaSeconds: Math.round(this.mediaSeconds * 1000) / 1000,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}

export class DownloadService {
  readonly #o: DownloadServiceOptions;
  readonly #downloads = new Map<string, Download>();

  constructor(o: DownloadServiceOptions) {
    this.#o = o;
  }

  get running(): number {
    return [...this.#downloads.values()].filter((d) => d.state === 'running').length;
  }

  async start(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    speed: number,
  ): Promise<{ downloadId: string }> {
    if (this.running >= this.#o.maxRunning) {
      throw new DownloadLimitError(`${this.#o.maxRunning} downloads are running: wait for one to finish`);
    }
    mkdirSync(this.#o.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const id = randomBytes(8).toString('hex');
    const stream = await this.#o.startDownload(deviceId, channelId, start, end, speed);
    const d = new Download(id, deviceId, channelId, start, end, speed, join(this.#o.dir, `${id}.mp4`));
    this.#downloads.set(id, d);
    d.out.on('error', (err: Error) => this.#fail(d, `the disk refused a write: ${err.message}`));
    this.#attach(d, stream);
    return { downloadId: id };
  }

  get(downloadId: string): DownloadView | undefined {
    return this.#downloads.get(downloadId)?.view();
  }

  /** The finished file's path (done downloads only). */
  filePath(downloadId: string): string | undefined {
    const d = this.#downloads.get(downloadId);
    return d?.state === 'done' ? d.path : undefined;
  }

  close(): void {
    for (const d of this.#downloads.values()) {
      if (d.state === 'running') {
        this.#fail(d, 'the gateway stopped');
      }
    }
  }

  #attach(d: Download, stream: Stream): void {
    d.attemptOrigin = undefined;
    d.unsubscribe = stream.subscribe(
      {
        id: `download-${d.id}`,
        write: (au) => this.#write(d, au),
        close: () => {},
      },
      { viewer: true },
    );
    stream.onClose((cause) => this.#ended(d, cause));
  }

  #write(d: Download, au: AccessUnit): void {
    if (d.state !== 'running') {
      return;
    }
    const video = isVideoCodec(au.codec);
    if (d.attemptOrigin === undefined) {
      if (!video || !au.keyframe) {
        return;
      }
      d.attemptOrigin = au.dts;
      // A retry continues the file's timeline one frame after where the last attempt stopped.
      d.attemptBase = d.lastDts === 0 && d.bytes === 0 ? 0 : d.lastDts + d.frameTicks;
    }
    const shift = d.attemptBase - d.attemptOrigin;
    const moved = { ...au, dts: au.dts + shift, pts: au.pts + shift };
    if (video) {
      if (moved.dts > d.lastDts && d.lastDts > 0) {
        d.frameTicks = Math.min(CLOCK_HZ, moved.dts - d.lastDts);
      }
      d.lastDts = Math.max(d.lastDts, moved.dts);
      d.mediaSeconds = Math.max(d.mediaSeconds, (d.lastDts + d.frameTicks) / CLOCK_HZ);
    }
    this.#toWriter(d, moved);
  }

  /** The writer starts once audio is seen, or after a second of video without it. */
  #toWriter(d: Download, au: AccessUnit): void {
    if (!d.writer) {
      d.pending.push(au);
      const audio = d.pending.find((a) => a.codec === 'PCMA' || a.codec === 'PCMU')?.codec;
      if (!audio && d.lastDts < CLOCK_HZ) {
        return;
      }
      d.writer = new Fmp4FileWriter(audio === 'PCMA' || audio === 'PCMU' ? { audio } : {});
      const held = d.pending;
      d.pending = [];
      for (const a of held) {
        this.#emit(d, d.writer.push(a));
      }
      return;
    }
    this.#emit(d, d.writer.push(au));
  }

  #emit(d: Download, pieces: Uint8Array[]): void {
    for (const piece of pieces) {
      d.bytes += piece.byteLength;
      d.out.write(piece);
    }
  }

  #ended(d: Download, cause: string): void {
    d.unsubscribe?.();
    d.unsubscribe = undefined;
    if (d.state !== 'running') {
      return;
    }
    const share = d.mediaSeconds / d.rangeSec;
    // MediaStatus 121 closes with 'end-of-file'; a device BYE with its own cause. Either is the
    // end when the range is in; anything short of it is a stall to resume.
    if (share >= DONE_SHARE) {
      this.#finish(d);
      return;
    }
    const retries = this.#o.maxRetries ?? 3;
    if (d.retries >= retries) {
      this.#fail(
        d,
        `the device stopped sending at ${(share * 100).toFixed(1)} % (${cause}) and ${retries} retries did not finish it`,
      );
      return;
    }
    d.retries++;
    const from = new Date(d.start.getTime() + Math.floor(d.mediaSeconds) * 1000);
    this.#o.log.warn(
      { downloadId: d.id, cause, from: from.toISOString(), retry: d.retries },
      'download stalled: inviting again from where it stopped',
    );
    this.#o.startDownload(d.deviceId, d.channelId, from, d.end, d.speed).then(
      (stream) => {
        // The new range starts at a whole second at or before where the file stopped: skip what
        // the file already holds.
        d.lastDts = Math.max(0, d.lastDts - (d.mediaSeconds - Math.floor(d.mediaSeconds)) * CLOCK_HZ);
        this.#attach(d, stream);
      },
      (err: Error) => this.#fail(d, `the retry failed: ${err.message}`),
    );
  }

  #finish(d: Download): void {
    if (!d.writer) {
      d.writer = new Fmp4FileWriter();
      for (const a of d.pending) {
        this.#emit(d, d.writer.push(a));
      }
    }
    this.#emit(d, d.writer.flush());
    d.out.end(() => {
      if (d.state === 'running') {
        d.state = 'done';
        this.#o.log.info({ downloadId: d.id, bytes: d.bytes, mediaSeconds: d.mediaSeconds }, 'download done');
      }
    });
  }

  #fail(d: Download, error: string): void {
    if (d.state !== 'running') {
      return;
    }
    d.state = 'failed';
    d.error = error;
    d.unsubscribe?.();
    d.out.destroy();
    this.#o.log.warn({ downloadId: d.id, error }, 'download failed');
  }
}
