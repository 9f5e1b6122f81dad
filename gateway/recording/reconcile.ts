// The index and the files agree again after a crash (docs/recording.md §3), before any
// recording starts: a file without a row is indexed from its name and contents, a row without a
// file is dropped, a file cut in the middle of a fragment is truncated to its last complete one,
// and a file with no complete fragment is removed. Files closed cleanly (row closed, size equal)
// are not read.
import { readdir, stat, truncate, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '../log.js';
import type { RecordingRow, SqliteRecordingStore } from '../store/recording-store.js';
import { parseRecordingFileName } from './file-names.js';
import { walkRecording } from './file-walk.js';

export interface ReconcileReport {
  indexed: number;
  dropped: number;
  truncated: number;
  removed: number;
  checked: number;
}

async function listFiles(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory() && depth > 0) {
      out.push(...(await listFiles(full, depth - 1)));
    } else if (e.isFile() && depth === 0) {
      out.push(full);
    }
  }
  return out;
}

export async function reconcileRecordings(
  dir: string,
  store: SqliteRecordingStore,
  log: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { indexed: 0, dropped: 0, truncated: 0, removed: 0, checked: 0 };
  const rows = new Map<string, RecordingRow>(store.all().map((r) => [r.file, r]));
  const seen = new Set<string>();
  for (const full of await listFiles(dir, 2)) {
    const rel = relative(dir, full);
    const name = parseRecordingFileName(rel);
    if (!name) {
      continue; // not ours (a temp file, something an operator put there): left alone
    }
    seen.add(rel);
    const row = rows.get(rel);
    const size = (await stat(full)).size;
    if (row && !row.open && row.bytes === size) {
      continue;
    }
    report.checked++;
    const layout = await walkRecording(full);
    if (layout.fragments.length === 0) {
      await unlink(full);
      if (row) {
        store.remove(row.recordingId);
      }
      report.removed++;
      log.warn({ file: rel, bytes: size }, 'recording without a complete fragment removed');
      continue;
    }
    if (layout.validEnd < size) {
      await truncate(full, layout.validEnd);
      report.truncated++;
      log.warn(
        { file: rel, from: size, to: layout.validEnd },
        'recording cut back to its last complete fragment',
      );
    }
    const endMs = Math.round(name.startMs + layout.durationSec * 1000);
    if (row) {
      store.update(row.recordingId, endMs, layout.validEnd, false);
    } else {
      store.add({ ...name, endMs, bytes: layout.validEnd, file: rel, open: false });
      report.indexed++;
      log.warn({ file: rel }, 'recording found without its index row: indexed');
    }
  }
  for (const row of rows.values()) {
    if (!seen.has(row.file)) {
      store.remove(row.recordingId);
      report.dropped++;
      log.warn({ file: row.file, recordingId: row.recordingId }, 'index row without its file dropped');
    }
  }
  return report;
}
