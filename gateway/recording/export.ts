// A time range of one channel's recordings as one fragmented MP4 (docs/recording.md §8),
// assembled while it is sent: the first file's header, then every fragment whose middle falls in
// the range, each moof retimed onto one timeline (codecs/fmp4/retime.ts) and its mdat streamed
// from the file as it is. Nothing is re-encoded and no copy of the range is made. Files meet on
// the timeline where their wall-clock starts say; a hole between them stays a hole. The export
// stops before a file whose header differs from the first (a codec or size change): one MP4
// holds one sample entry per track.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { retimeMoof } from '../../codecs/fmp4/retime.js';
import { CLOCK_HZ } from '../../codecs/types.js';
import type { RecordingRow } from '../store/recording-store.js';
import { walkRecording } from './file-walk.js';
import { readFileRange } from '../file-range.js';

/** The export-mode writer's tracks (codecs/fmp4/file-writer.ts): video in 90 kHz, G.711 in 8 kHz. */
const VIDEO_TRACK_ID = 1;
const AUDIO_RATE = 8000;
/**
 * A file that starts less than this after the previous one ended, or overlaps it, is laid end to
 * end with it: files of two sessions (a restart) have wall-clock starts that can be off by the
 * jitter of the first packet's arrival.
 */
const SNAP_TICKS = CLOCK_HZ / 10;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

export interface ExportStats {
  fragments: number;
  files: number;
  /** Why the export ended before the range did, if it did. */
  stoppedAt?: string;
}

/** Yields the MP4's bytes in order. `rows` are the channel's recordings overlapping the range. */
export async function* exportRange(
  dir: string,
  rows: readonly RecordingRow[],
  startMs: number,
  endMs: number,
  stats: ExportStats = { fragments: 0, files: 0 },
): AsyncGenerator<Uint8Array> {
  let header: Uint8Array | undefined;
  let originMs = 0;
  let sequence = 1;
  let prevEndTicks: number | undefined;
  for (const row of [...rows].sort((a, b) => a.startMs - b.startMs)) {
    const path = join(dir, row.file);
    let layout;
    try {
      layout = await walkRecording(path);
    } catch {
      continue; // deleted by retention meanwhile
    }
    const picked = layout.fragments.filter((f) => {
      const mid = row.startMs + (f.startSec + f.durationSec / 2) * 1000;
      return mid >= startMs && mid < endMs;
    });
    if (picked.length === 0) {
      continue;
    }
    const fileHeader = await readFileRange(path, 0, layout.headerEnd);
    if (!header) {
      header = fileHeader;
      originMs = row.startMs + picked[0].startSec * 1000;
      yield header;
    } else if (!sameBytes(header, fileHeader)) {
      stats.stoppedAt = `${row.file}: its header differs (codec, picture size or audio changed)`;
      return;
    }
    stats.files++;
    // This file's media time 0 on the export's timeline, in 90 kHz.
    let shiftTicks = Math.round((row.startMs - originMs) * (CLOCK_HZ / 1000));
    const firstTicks = picked[0].startSec * CLOCK_HZ + shiftTicks;
    if (prevEndTicks !== undefined && firstTicks - prevEndTicks < SNAP_TICKS) {
      shiftTicks += prevEndTicks - firstTicks;
    }
    const shift = (trackId: number) =>
      trackId === VIDEO_TRACK_ID ? shiftTicks : Math.round((shiftTicks * AUDIO_RATE) / CLOCK_HZ);
    for (const f of picked) {
      const head = await readFileRange(path, f.offset, Math.min(f.size, 64 * 1024));
      const moofSize = (head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
      const moof =
        moofSize <= head.byteLength
          ? head.subarray(0, moofSize)
          : await readFileRange(path, f.offset, moofSize);
      const retimed = retimeMoof(moof, sequence++, shift);
      if (!retimed) {
        stats.stoppedAt = `${row.file}: a fragment at ${f.offset} does not parse`;
        return;
      }
      yield retimed;
      for await (const chunk of createReadStream(path, {
        start: f.offset + moofSize,
        end: f.offset + f.size - 1,
      })) {
        yield chunk as Buffer;
      }
      stats.fragments++;
      prevEndTicks = (f.startSec + f.durationSec) * CLOCK_HZ + shiftTicks;
    }
  }
}
