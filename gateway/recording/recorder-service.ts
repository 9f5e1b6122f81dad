// Cloud recording (docs/recording.md): each channel with a plan other than 'off' gets a recorder
// sink on its live stream while the plan wants it; the sink counts as a viewer, so the stream
// stays pulled (INVITE) while it records, and a stream that cannot start or ends is pulled
// again with backoff. Files and their index rows are made here; the quota, the retention days
// and the free-space floor are kept here; a disk that refuses writes stops recording with a
// clear error and an event, and live viewers never notice.
import { mkdirSync, statfsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import type { Stream } from '../hub/stream.js';
import type { Logger } from '../log.js';
import { RecorderSink } from '../outputs/recorder/recorder-sink.js';
import { RecordingFile } from '../outputs/recorder/recording-file.js';
import { createPrivateWriteStream, PRIVATE_DIR_MODE } from '../private-files.js';
import {
  DEFAULT_PLAN,
  type RecordingPlan,
  type RecordingReason,
  type RecordingRow,
  type SqliteRecordingStore,
} from '../store/recording-store.js';
import type {
  RecorderState,
  RecordingObserver,
  RecordingPlanView,
  RecordingQuery,
  RecordingServices,
  RecordingView,
} from '../views/recording.js';
import { recordingFileName } from './file-names.js';
import { inSchedule } from './schedule.js';
import { exportRange, type ExportStats } from './export.js';
import { vodPlaylist, type VodPlaylist } from './vod-playlist.js';

export interface RecorderServiceOptions {
  /** <data dir>/recordings */
  dir: string;
  store: SqliteRecordingStore;
  /** Starts (or joins) the channel's live stream: the upper platform's INVITE. */
  pull(deviceId: string, channelId: string): Promise<Stream>;
  /** Length of one file, seconds (cut at the next keyframe). */
  sliceSec: number;
  /** Total bytes of recordings kept; 0 for no quota. */
  quotaBytes: number;
  /** Free bytes kept on the recordings' file system; 0 for no floor. */
  minFreeBytes: number;
  /** Background sweep (retention days, free space, a failed disk's retry). */
  sweepIntervalMs: number;
  timeZone: string;
  observer?: RecordingObserver;
  /** The disk refused a write: published as an alarm-level event by the composition root. */
  diskFailed?(error: { code: string; message: string }): void;
  /** Test seam: what a file is written through. Default a 0600 write stream. */
  openOut?(path: string): Writable;
  /** Test seam: free bytes of the recordings' file system. */
  freeBytes?(dir: string): number;
  now?: () => number;
  log: Logger;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** Index rows of open files are brought up to date this often (the files are the truth). */
const INDEX_FLUSH_MS = 2000;

interface OpenFile {
  readonly row: RecordingRow;
  readonly file: RecordingFile;
  bytes: number;
  endMs: number;
  dirty: boolean;
}

class ChannelRecorder {
  plan: RecordingPlan = DEFAULT_PLAN;
  sink: RecorderSink | undefined;
  unsubscribe: (() => void) | undefined;
  pulling = false;
  retryTimer: NodeJS.Timeout | undefined;
  retryMs = RETRY_MIN_MS;
  state: RecorderState = 'off';
  error: string | null = null;
  constructor(
    readonly deviceId: string,
    readonly channelId: string,
  ) {}
}

export class RecorderService implements RecordingServices {
  readonly #o: RecorderServiceOptions;
  readonly #now: () => number;
  readonly #channels = new Map<string, ChannelRecorder>();
  readonly #open = new Map<RecordingFile, OpenFile>();
  /** Bytes of closed files (the index), plus what open files have queued. */
  #closedBytes = 0;
  #closedFiles = 0;
  #largestFragment = 0;
  #diskError: { code: string; message: string } | undefined;
  #tick: NodeJS.Timeout | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #flush: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: RecorderServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** After the reconciliation: loads the plans and starts recording what they say. */
  start(): void {
    mkdirSync(this.#o.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    for (const r of this.#o.store.all()) {
      this.#closedBytes += r.bytes;
      this.#closedFiles++;
    }
    for (const { deviceId, channelId, plan } of this.#o.store.plans()) {
      this.#channel(deviceId, channelId).plan = plan;
    }
    this.#enforceQuota(0);
    this.#tick = setInterval(() => this.#evaluateAll(), 1000);
    this.#tick.unref();
    this.#sweep = setInterval(() => this.sweep(), this.#o.sweepIntervalMs);
    this.#sweep.unref();
    this.#flush = setInterval(() => this.#flushIndex(), INDEX_FLUSH_MS);
    this.#flush.unref();
    this.#evaluateAll();
  }

  get bytesStored(): number {
    let open = 0;
    for (const f of this.#open.values()) {
      open += f.file.queuedBytes;
    }
    return this.#closedBytes + open;
  }

  get files(): number {
    return this.#closedFiles + this.#open.size;
  }

  getPlan(deviceId: string, channelId: string): RecordingPlanView {
    const ch = this.#channels.get(`${deviceId}/${channelId}`);
    const plan = ch?.plan ?? this.#o.store.getPlan(deviceId, channelId) ?? DEFAULT_PLAN;
    return { ...plan, state: ch?.state ?? 'off', error: ch?.error ?? null };
  }

  setPlan(deviceId: string, channelId: string, plan: RecordingPlan): RecordingPlanView {
    this.#o.store.putPlan(deviceId, channelId, plan);
    const ch = this.#channel(deviceId, channelId);
    const modeChanged = ch.plan.mode !== plan.mode || ch.plan.preAlarmSec !== plan.preAlarmSec;
    ch.plan = plan;
    if (modeChanged) {
      this.#stop(ch); // a sink of the old mode does not fit the new one
    }
    if (this.#diskError && ch.state === 'failed') {
      this.#diskError = undefined; // an operator's change is a retry
    }
    ch.retryMs = RETRY_MIN_MS;
    this.#evaluate(ch);
    return this.getPlan(deviceId, channelId);
  }

  list(q: RecordingQuery): RecordingView[] {
    return this.#o.store
      .list({
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...(q.channelId !== undefined ? { channelId: q.channelId } : {}),
        ...(q.start ? { startMs: q.start.getTime() } : {}),
        ...(q.end ? { endMs: q.end.getTime() } : {}),
      })
      .map((r) => {
        const live = [...this.#open.values()].find((f) => f.row.recordingId === r.recordingId);
        return {
          recordingId: r.recordingId,
          deviceId: r.deviceId,
          channelId: r.channelId,
          start: new Date(r.startMs).toISOString(),
          end: new Date(live?.endMs ?? r.endMs).toISOString(),
          bytes: live?.bytes ?? r.bytes,
          reason: r.reason,
          open: live !== undefined,
        };
      });
  }

  filePath(recordingId: string): string | undefined {
    const row = this.#o.store.get(recordingId);
    return row ? join(this.#o.dir, row.file) : undefined;
  }

  exportRange(deviceId: string, channelId: string, start: Date, end: Date): AsyncIterable<Uint8Array> {
    const rows = this.#o.store.list({ deviceId, channelId, startMs: start.getTime(), endMs: end.getTime() });
    const stats: ExportStats = { fragments: 0, files: 0 };
    const log = this.#o.log;
    const dir = this.#o.dir;
    return (async function* () {
      yield* exportRange(dir, rows, start.getTime(), end.getTime(), stats);
      log.info({ deviceId, channelId, ...stats }, 'recording export sent');
    })();
  }

  playlist(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    fileUrl: (recordingId: string) => string,
  ): Promise<VodPlaylist> {
    const rows = this.#o.store.list({ deviceId, channelId, startMs: start.getTime(), endMs: end.getTime() });
    return vodPlaylist(this.#o.dir, rows, start.getTime(), end.getTime(), fileUrl);
  }

  /** An alarm from a device: alarm-plan channels it names (or all of the device's) record. */
  alarm(deviceId: string, channelId: string): void {
    const armed = [...this.#channels.values()].filter(
      (c) => c.deviceId === deviceId && c.plan.mode === 'alarm',
    );
    const named = armed.filter((c) => c.channelId === channelId);
    for (const ch of named.length > 0 ? named : armed) {
      if (ch.sink) {
        ch.sink.alarm(this.#now() + ch.plan.postAlarmSec * 1000);
        ch.state = 'recording';
      }
    }
  }

  /** Retention days, the free-space floor, and a retry after a disk failure. */
  sweep(): void {
    const now = this.#now();
    let expired = 0;
    for (const row of this.#o.store.all()) {
      if (row.open || this.#isOpen(row)) {
        continue;
      }
      const days = this.#channels.get(`${row.deviceId}/${row.channelId}`)?.plan.retentionDays ?? 0;
      if (days > 0 && row.endMs < now - days * 86_400_000) {
        this.#delete(row, 'days');
        expired++;
      }
    }
    // Deletions unlink asynchronously, so the free space read now may not show them yet: after
    // expiring files the floor waits for the next sweep instead of deleting newer files too.
    if (this.#o.minFreeBytes > 0 && expired === 0) {
      let free = this.#freeBytes();
      if (free < this.#o.minFreeBytes) {
        for (const row of this.#closedRows()) {
          if (free >= this.#o.minFreeBytes) {
            break;
          }
          this.#delete(row, 'free-space');
          free += row.bytes;
        }
      }
    }
    if (this.#diskError && this.#freeBytes() > Math.max(this.#o.minFreeBytes, 64 * 1024 * 1024)) {
      this.#o.log.info({ error: this.#diskError }, 'retrying recording after a disk failure');
      this.#diskError = undefined;
      this.#evaluateAll();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#tick);
    clearInterval(this.#sweep);
    clearInterval(this.#flush);
    const files = [...this.#open.keys()];
    for (const ch of this.#channels.values()) {
      this.#stop(ch);
    }
    await Promise.all(files.map((f) => f.end()));
    // Let the fileDone continuations update the index before the last flush.
    await new Promise<void>((r) => setImmediate(r));
    this.#flushIndex();
  }

  #channel(deviceId: string, channelId: string): ChannelRecorder {
    const key = `${deviceId}/${channelId}`;
    let ch = this.#channels.get(key);
    if (!ch) {
      ch = new ChannelRecorder(deviceId, channelId);
      this.#channels.set(key, ch);
    }
    return ch;
  }

  #evaluateAll(): void {
    for (const ch of this.#channels.values()) {
      this.#evaluate(ch);
    }
  }

  #wanted(ch: ChannelRecorder): boolean {
    switch (ch.plan.mode) {
      case 'off':
        return false;
      case 'always':
      case 'alarm':
        return true;
      case 'schedule':
        return inSchedule(ch.plan.schedule, this.#now(), this.#o.timeZone);
    }
  }

  #evaluate(ch: ChannelRecorder): void {
    if (this.#closed) {
      return;
    }
    if (this.#diskError) {
      if (ch.plan.mode !== 'off') {
        this.#stop(ch);
        ch.state = 'failed';
        ch.error = `recording stopped: the disk refused a write (${this.#diskError.code}: ${this.#diskError.message})`;
      }
      return;
    }
    if (!this.#wanted(ch)) {
      this.#stop(ch);
      ch.state = ch.plan.mode === 'off' ? 'off' : 'idle';
      ch.error = null;
      return;
    }
    if (ch.sink || ch.pulling || ch.retryTimer) {
      return;
    }
    ch.pulling = true;
    this.#o.pull(ch.deviceId, ch.channelId).then(
      (stream) => {
        ch.pulling = false;
        if (this.#closed || !this.#wanted(ch) || this.#diskError || ch.sink) {
          return;
        }
        this.#attach(ch, stream);
      },
      (err: unknown) => {
        ch.pulling = false;
        this.#retryLater(ch, (err as Error).message);
      },
    );
  }

  #attach(ch: ChannelRecorder, stream: Stream): void {
    const alarmMode = ch.plan.mode === 'alarm';
    const reason: RecordingReason = ch.plan.mode === 'off' ? 'manual' : ch.plan.mode;
    const sink: RecorderSink = new RecorderSink({
      id: `recorder-${ch.deviceId}-${ch.channelId}`,
      mode: alarmMode ? 'alarm' : 'continuous',
      sliceSec: this.#o.sliceSec,
      preAlarmSec: ch.plan.preAlarmSec,
      now: this.#now,
      openFile: (startMs, firstDts) => this.#openFile(ch, reason, startMs, firstDts, stream),
      fileDone: (file) => this.#fileDone(file),
      closed: (why) => {
        if (ch.sink !== sink) {
          return;
        }
        ch.sink = undefined;
        ch.unsubscribe = undefined;
        if (!this.#closed && this.#wanted(ch) && !this.#diskError) {
          this.#retryLater(ch, `the stream ended (${stream.info.closeCause ?? why})`);
        }
      },
    });
    ch.sink = sink;
    ch.state = alarmMode ? 'armed' : 'recording';
    ch.error = null;
    ch.unsubscribe = stream.subscribe(sink, { viewer: true });
    // Reset the backoff once the stream has carried media for a while.
    const started = this.#now();
    const reset = setTimeout(() => {
      if (ch.sink === sink && this.#now() - started >= 10_000) {
        ch.retryMs = RETRY_MIN_MS;
      }
    }, 10_000);
    reset.unref();
  }

  #retryLater(ch: ChannelRecorder, error: string): void {
    ch.state = 'retrying';
    ch.error = error;
    const delay = ch.retryMs;
    ch.retryMs = Math.min(RETRY_MAX_MS, ch.retryMs * 2);
    this.#o.log.warn(
      { deviceId: ch.deviceId, channelId: ch.channelId, error, retryInMs: delay },
      'recording: stream not pulled, retrying',
    );
    ch.retryTimer = setTimeout(() => {
      ch.retryTimer = undefined;
      this.#evaluate(ch);
    }, delay);
    ch.retryTimer.unref();
  }

  #stop(ch: ChannelRecorder): void {
    clearTimeout(ch.retryTimer);
    ch.retryTimer = undefined;
    const sink = ch.sink;
    const unsubscribe = ch.unsubscribe;
    ch.sink = undefined;
    ch.unsubscribe = undefined;
    sink?.finish();
    unsubscribe?.();
  }

  #openFile(
    ch: ChannelRecorder,
    reason: RecordingReason,
    startMs: number,
    firstDts: number,
    stream: Stream,
  ): RecordingFile | undefined {
    if (this.#diskError) {
      return undefined;
    }
    const rel = recordingFileName(ch.deviceId, ch.channelId, startMs, reason);
    const full = join(this.#o.dir, rel);
    let out: Writable;
    try {
      mkdirSync(dirname(full), { recursive: true, mode: PRIVATE_DIR_MODE });
      out = this.#o.openOut ? this.#o.openOut(full) : createPrivateWriteStream(full, 'w');
    } catch (err) {
      this.#failed(err as NodeJS.ErrnoException);
      return undefined;
    }
    const audio = stream.info.audioCodec;
    const row = this.#o.store.add({
      deviceId: ch.deviceId,
      channelId: ch.channelId,
      startMs: Math.round(startMs),
      endMs: Math.round(startMs),
      bytes: 0,
      file: rel,
      reason,
      open: true,
    });
    const entry: { value?: OpenFile } = {};
    const file = new RecordingFile({
      startMs,
      firstDts,
      ...(audio === 'PCMA' || audio === 'PCMU' ? { audio } : {}),
      out,
      now: this.#now,
      events: {
        queued: (bytes) => {
          this.#largestFragment = Math.max(this.#largestFragment, bytes);
          this.#enforceQuota(bytes);
        },
        written: (endMs, bytes, latencyMs) => {
          const e = entry.value;
          if (e) {
            this.#o.observer?.written(bytes - e.bytes, latencyMs);
            e.bytes = bytes;
            e.endMs = Math.round(endMs);
            e.dirty = true;
          }
        },
        failed: (err) => this.#failed(err),
      },
    });
    entry.value = { row, file, bytes: 0, endMs: row.startMs, dirty: false };
    this.#open.set(file, entry.value);
    return file;
  }

  #fileDone(file: RecordingFile): void {
    const entry = this.#open.get(file);
    if (!entry) {
      return;
    }
    void file.end().then(() => {
      this.#open.delete(file);
      if (file.failed && entry.bytes === 0) {
        this.#o.store.remove(entry.row.recordingId);
        void unlink(join(this.#o.dir, entry.row.file)).catch(() => {});
        return;
      }
      this.#o.store.update(entry.row.recordingId, entry.endMs, entry.bytes, false);
      this.#closedBytes += entry.bytes;
      this.#closedFiles++;
    });
  }

  #flushIndex(): void {
    for (const f of this.#open.values()) {
      if (f.dirty) {
        f.dirty = false;
        this.#o.store.update(f.row.recordingId, f.endMs, f.bytes, true);
      }
    }
  }

  #isOpen(row: RecordingRow): boolean {
    for (const f of this.#open.values()) {
      if (f.row.recordingId === row.recordingId) {
        return true;
      }
    }
    return false;
  }

  /** Closed files, oldest first (the ones retention may delete). */
  #closedRows(): RecordingRow[] {
    return this.#o.store.all().filter((r) => !r.open && !this.#isOpen(r));
  }

  /**
   * Before `incoming` bytes are written: delete the oldest closed files until the total, with
   * room for one more fragment of the largest size seen, fits the quota. Never an open file.
   */
  #enforceQuota(incoming: number): void {
    const quota = this.#o.quotaBytes;
    if (quota <= 0) {
      return;
    }
    const limit = quota - this.#largestFragment;
    if (this.bytesStored + incoming <= limit) {
      return;
    }
    for (const row of this.#closedRows()) {
      if (this.bytesStored + incoming <= limit) {
        break;
      }
      this.#delete(row, 'quota');
    }
  }

  #delete(row: RecordingRow, why: 'quota' | 'days' | 'free-space'): void {
    this.#o.store.remove(row.recordingId);
    this.#closedBytes -= row.bytes;
    this.#closedFiles--;
    this.#o.observer?.deleted(why);
    void unlink(join(this.#o.dir, row.file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') {
        this.#o.log.warn({ file: row.file, err }, 'recording: delete failed');
      }
    });
  }

  #freeBytes(): number {
    if (this.#o.freeBytes) {
      return this.#o.freeBytes(this.#o.dir);
    }
    try {
      const s = statfsSync(this.#o.dir);
      return s.bavail * s.bsize;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  #failed(err: NodeJS.ErrnoException): void {
    const code = err.code ?? 'EIO';
    this.#o.observer?.writeError(code);
    if (this.#diskError) {
      return;
    }
    this.#diskError = { code, message: err.message };
    this.#o.log.error(
      { code, err: err.message, dir: this.#o.dir },
      'recording stopped: the disk refused a write',
    );
    this.#o.diskFailed?.(this.#diskError);
    // Off the write callback: stopping unsubscribes sinks from their streams.
    setImmediate(() => this.#evaluateAll());
  }
}
