// One recording file being written (docs/recording.md §1): the access units of one stream go
// through the export-mode fMP4 writer (codecs/fmp4/file-writer.ts: a header, then one moof+mdat
// per GOP), and each piece is appended to the file asynchronously. A GOP is the write unit, so
// the disk sees one write every GOP per channel (batched further by the stream's writev when the
// disk lags) and the event loop never waits on it. A crash loses at most the GOP in flight: the
// reconciliation at start cuts a half-written fragment off (§3).
import type { Writable } from 'node:stream';
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../../codecs/types.js';
import { Fmp4FileWriter } from '../../../codecs/fmp4/file-writer.js';

/** What the file tells its owner; every call comes from an I/O callback or from push(). */
export interface RecordingFileEvents {
  /** Bytes about to be written (quota accounting happens before they land). */
  queued(bytes: number): void;
  /** A fragment reached the disk: the file now covers [first keyframe, endMs) and holds `bytes`. */
  written(endMs: number, bytes: number, latencyMs: number): void;
  /** The disk refused a write (ENOSPC, EROFS, EIO...): the file is abandoned. */
  failed(err: NodeJS.ErrnoException): void;
}

export interface RecordingFileOptions {
  /** Wall-clock time of the first keyframe's DTS: the file's start. */
  readonly startMs: number;
  readonly firstDts: number;
  readonly audio?: 'PCMA' | 'PCMU';
  readonly out: Writable;
  readonly events: RecordingFileEvents;
  readonly now?: () => number;
}

export class RecordingFile {
  readonly startMs: number;
  readonly #writer: Fmp4FileWriter;
  readonly #out: Writable;
  readonly #events: RecordingFileEvents;
  readonly #now: () => number;
  readonly #firstDts: number;
  /** Bytes handed to the stream (quota accounting counts them before they land). */
  #queued = 0;
  #written = 0;
  #lastVideoDts: number;
  #prevVideoDts: number | undefined;
  #failed = false;
  #ended: Promise<void> | undefined;

  constructor(o: RecordingFileOptions) {
    this.startMs = o.startMs;
    this.#firstDts = o.firstDts;
    this.#lastVideoDts = o.firstDts;
    this.#writer = new Fmp4FileWriter(o.audio ? { audio: o.audio } : {});
    this.#out = o.out;
    this.#events = o.events;
    this.#now = o.now ?? Date.now;
    this.#out.on('error', (err: NodeJS.ErrnoException) => this.#fail(err));
  }

  get queuedBytes(): number {
    return this.#queued;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Media time written so far, as wall-clock ms from the file's start. */
  mediaMsAt(dts: number): number {
    return this.startMs + ((dts - this.#firstDts) * 1000) / CLOCK_HZ;
  }

  /** Returns the bytes of the fragments this access unit completed (0 most of the time). */
  push(au: AccessUnit): number {
    if (this.#failed || this.#ended) {
      return 0;
    }
    const pieces = this.#writer.push(au);
    if (isVideoCodec(au.codec) && au.dts > this.#lastVideoDts) {
      this.#prevVideoDts = this.#lastVideoDts;
      this.#lastVideoDts = au.dts;
    }
    // A piece pushed with a keyframe ends at that keyframe's DTS.
    return this.#append(pieces, this.mediaMsAt(au.dts));
  }

  /** Writes the last GOP and closes the file; resolves when it is on disk (or failed). */
  end(): Promise<void> {
    if (!this.#ended) {
      const pieces = this.#failed ? [] : this.#writer.flush();
      // flush() lets the last frame last as long as the one before it.
      const frame =
        this.#prevVideoDts === undefined ? CLOCK_HZ / 25 : this.#lastVideoDts - this.#prevVideoDts;
      this.#append(pieces, this.mediaMsAt(this.#lastVideoDts + frame));
      this.#ended = new Promise<void>((resolve) => {
        if (this.#failed) {
          this.#out.destroy();
          resolve();
          return;
        }
        this.#out.end(() => resolve());
        this.#out.once('error', () => resolve());
      });
    }
    return this.#ended;
  }

  #append(pieces: Uint8Array[], endMs: number): number {
    let bytes = 0;
    for (const piece of pieces) {
      if (piece.byteLength === 0) {
        continue;
      }
      bytes += piece.byteLength;
      this.#queued += piece.byteLength;
      this.#events.queued(piece.byteLength);
      const size = piece.byteLength;
      const started = this.#now();
      this.#out.write(piece, (err) => {
        if (err) {
          this.#fail(err);
          return;
        }
        this.#written += size;
        this.#events.written(endMs, this.#written, this.#now() - started);
      });
    }
    return bytes;
  }

  #fail(err: NodeJS.ErrnoException): void {
    if (this.#failed) {
      return;
    }
    this.#failed = true;
    this.#events.failed(err);
  }
}
