// The recorder: a hub sink that turns a channel's access units into time-sliced recording files
// (docs/recording.md §1). The hub hands it every access unit in decode order, starting at a
// keyframe; files start at keyframes and are cut at the first keyframe past the slice length, so
// consecutive files of one stream meet without a gap. In alarm mode the sink keeps a ring of the
// last GOPs covering the pre-alarm time and, on an alarm, starts the file at the oldest of them,
// so the recording begins before the alarm; it ends at the first keyframe after the post-alarm
// time.
import { CLOCK_HZ, isVideoCodec, type AccessUnit } from '../../../codecs/types.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import type { RecordingFile } from './recording-file.js';

export interface RecorderSinkOptions {
  readonly id: string;
  /** 'continuous': every access unit is recorded; 'alarm': only around alarms (ring buffer). */
  readonly mode: 'continuous' | 'alarm';
  readonly sliceSec: number;
  /** Alarm mode: seconds kept before an alarm. */
  readonly preAlarmSec?: number;
  /** Alarm mode: the ring's bound in bytes, whatever preAlarmSec says. Default 64 MiB. */
  readonly maxRingBytes?: number;
  /** Opens the next file (index row, path, write stream); undefined when recording must not go on. */
  openFile(startMs: number, firstDts: number): RecordingFile | undefined;
  /** The file is complete (rotation, alarm over, stream closed). */
  fileDone(file: RecordingFile): void;
  /** The hub closed the sink (stream gone): the owner decides about a retry. */
  closed(reason: CloseReason): void;
  now?: () => number;
}

const ALARM_TRIP_MS = 1000;

const auBytes = (au: AccessUnit): number => au.units.reduce((n, u) => n + u.byteLength, 0);

export class RecorderSink implements Sink {
  readonly id: string;
  readonly #o: RecorderSinkOptions;
  readonly #now: () => number;
  #file: RecordingFile | undefined;
  #fileFirstDts = 0;
  /** Wall-clock ms of `#anchorDts`; moved earlier when access units come faster than real time. */
  #anchorMs: number | undefined;
  #anchorDts = 0;
  /** Alarm mode: access units since the oldest keyframe still needed for the pre-alarm time. */
  #ring: AccessUnit[] = [];
  #ringBytes = 0;
  #alarmUntilMs = 0;
  #closed = false;
  #session: { ms: number; dts: number } | undefined;

  constructor(o: RecorderSinkOptions) {
    this.id = o.id;
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  get recording(): boolean {
    return this.#file !== undefined;
  }

  /** Wall-clock time of a DTS of this stream. */
  wallMsOf(dts: number): number {
    return (this.#anchorMs ?? this.#now()) + ((dts - this.#anchorDts) * 1000) / CLOCK_HZ;
  }

  write(au: AccessUnit): void {
    if (this.#closed) {
      return;
    }
    this.#anchor(au);
    const video = isVideoCodec(au.codec);
    if (this.#o.mode === 'alarm') {
      if (!this.#file && video && au.keyframe && this.#alarmUntilMs > this.#now()) {
        this.#startFromRing(au);
        return;
      }
      if (this.#file && video && au.keyframe && this.#now() >= this.#alarmUntilMs) {
        this.#finishFile();
      }
      if (!this.#file) {
        this.#toRing(au, video);
        return;
      }
    } else if (video && au.keyframe && !this.#file) {
      this.#open(au);
    }
    if (this.#file && video && au.keyframe && au.dts - this.#fileFirstDts >= this.#o.sliceSec * CLOCK_HZ) {
      this.#finishFile();
      this.#open(au);
    }
    this.#file?.push(au);
  }

  /** Alarm mode: record now (from the ring) until `untilMs`; a later alarm extends it. */
  alarm(untilMs: number): void {
    this.#alarmUntilMs = Math.max(this.#alarmUntilMs, untilMs);
    if (!this.#file && this.#ring.length > 0) {
      this.#startFromRing(undefined);
    }
  }

  /** Ends the open file (the plan no longer records); the sink stays subscribed only if the owner keeps it. */
  finish(): void {
    this.#finishFile();
    this.#ring = [];
    this.#ringBytes = 0;
  }

  close(reason: CloseReason): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.finish();
    this.#o.closed(reason);
  }

  #anchor(au: AccessUnit): void {
    const now = this.#now();
    if (this.#anchorMs === undefined) {
      this.#anchorMs = now;
      this.#anchorDts = au.dts;
      return;
    }
    // The newest access unit is "now": a burst (the GOP cache replayed at subscribe) pulls the
    // anchor back to where those frames really were.
    const candidate = now - ((au.dts - this.#anchorDts) * 1000) / CLOCK_HZ;
    if (candidate < this.#anchorMs) {
      this.#anchorMs = candidate;
    }
  }

  #open(keyframe: AccessUnit): void {
    // Files of one stream are placed by media time from the first one, so consecutive files meet
    // exactly; only the first takes its start from the wall clock.
    this.#session ??= { ms: this.wallMsOf(keyframe.dts), dts: keyframe.dts };
    const startMs = this.#session.ms + ((keyframe.dts - this.#session.dts) * 1000) / CLOCK_HZ;
    this.#file = this.#o.openFile(startMs, keyframe.dts);
    this.#fileFirstDts = keyframe.dts;
  }

  #finishFile(): void {
    const file = this.#file;
    this.#file = undefined;
    if (file) {
      void file.end();
      this.#o.fileDone(file);
    }
  }

  #toRing(au: AccessUnit, video: boolean): void {
    if (this.#ring.length === 0 && !(video && au.keyframe)) {
      return; // the ring starts at a keyframe
    }
    this.#ring.push(au);
    this.#ringBytes += auBytes(au);
    if (!(video && au.keyframe)) {
      return;
    }
    // Drop whole GOPs while the next keyframe is still at or before the pre-alarm start, and
    // while the ring is over its byte bound.
    // One second more than asked: the alarm's trip from the device (SIP MESSAGE) happened before
    // we hear of it, and the recording must start preAlarmSec before the device's alarm time.
    const cutoff = this.#now() - (this.#o.preAlarmSec ?? 0) * 1000 - ALARM_TRIP_MS;
    const maxBytes = this.#o.maxRingBytes ?? 64 * 1024 * 1024;
    for (;;) {
      const next = this.#ring.findIndex((a, i) => i > 0 && a.keyframe && isVideoCodec(a.codec));
      if (next < 0) {
        return;
      }
      if (this.wallMsOf(this.#ring[next].dts) > cutoff && this.#ringBytes <= maxBytes) {
        return;
      }
      for (const dropped of this.#ring.splice(0, next)) {
        this.#ringBytes -= auBytes(dropped);
      }
    }
  }

  #startFromRing(current: AccessUnit | undefined): void {
    const ring = this.#ring;
    this.#ring = [];
    this.#ringBytes = 0;
    const first = ring[0] ?? current;
    if (!first) {
      return;
    }
    this.#open(first);
    for (const au of ring) {
      this.#file?.push(au);
    }
    if (current) {
      this.#file?.push(current);
    }
  }
}
