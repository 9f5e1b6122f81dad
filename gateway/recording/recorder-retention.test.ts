// The recorder's sweep (docs/recording.md): closed files older than the channel's retention days
// go, and below the free-space floor the oldest closed files go until the floor is met. The file
// being recorded is never deleted. The clock is injected; the closed files are index rows with
// real files behind them, the open one is recorded from a live stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Stream } from '../hub/stream.js';
import { createLogger } from '../log.js';
import { SqliteRecordingStore, type RecordingRow } from '../store/recording-store.js';
import { loadClip } from '../../simulator/clip-loader.js';
import { DEFAULT_AUDIO, fixturePath } from '../../simulator/options.js';
import { waitFor } from '../../test/helpers/wait.js';
import { recordingFileName } from './file-names.js';
import { RecorderService } from './recorder-service.js';

const DEVICE = '34020000001180000001';
/** Records, with the retention plan under test. */
const CH_REC = '34020000001310000001';
/** Only old closed files, no plan (retention days 0). */
const CH_IDLE = '34020000001310000002';
const DAY_MS = 86_400_000;
/** Monday 2026-12-07 12:00 UTC. */
const T0 = Date.UTC(2026, 11, 7, 12, 0);

interface Rig {
  readonly dir: string;
  readonly store: SqliteRecordingStore;
  readonly rec: RecorderService;
  readonly deleted: string[];
  setClock(ms: number): void;
  /** A closed file of `bytes` zero bytes and its index row. */
  closedFile(channelId: string, startMs: number, endMs: number, bytes: number): RecordingRow;
  /** Starts the recorder and records the clip on CH_REC; resolves with the open file's row. */
  recordOpenFile(retentionDays: number): Promise<RecordingRow>;
  close(): Promise<void>;
}

function rig(o: { minFreeBytes?: number; freeBytes?: () => number } = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'gb-rec-retention-'));
  const store = new SqliteRecordingStore(':memory:');
  const stream = new Stream({ id: `${DEVICE}/${CH_REC}`, source: { start: async () => {}, stop: () => {} } });
  const deleted: string[] = [];
  let clock = T0;
  const rec = new RecorderService({
    dir,
    store,
    pull: () => Promise.resolve(stream),
    sliceSec: 60,
    quotaBytes: 0,
    minFreeBytes: o.minFreeBytes ?? 0,
    // Only the test's explicit sweep() calls run.
    sweepIntervalMs: 3_600_000,
    timeZone: 'UTC',
    ...(o.freeBytes ? { freeBytes: o.freeBytes } : {}),
    observer: { written: () => {}, writeError: () => {}, deleted: (why) => deleted.push(why) },
    now: () => clock,
    log: createLogger('test'),
  });
  return {
    dir,
    store,
    rec,
    deleted,
    setClock: (ms) => {
      clock = ms;
    },
    closedFile(channelId, startMs, endMs, bytes) {
      const file = recordingFileName(DEVICE, channelId, startMs, 'always');
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), new Uint8Array(bytes));
      return store.add({
        deviceId: DEVICE,
        channelId,
        startMs,
        endMs,
        bytes,
        file,
        reason: 'always',
        open: false,
      });
    },
    async recordOpenFile(retentionDays) {
      rec.start();
      rec.setPlan(DEVICE, CH_REC, {
        mode: 'always',
        schedule: [],
        preAlarmSec: 0,
        postAlarmSec: 0,
        retentionDays,
      });
      await waitFor(() => stream.info.sinks === 1, 2000, 'the recorder on the stream');
      const clip = loadClip(fixturePath('ch1-testsrc2.h264'), fixturePath(DEFAULT_AUDIO));
      for (const au of clip.accessUnits) {
        stream.publish(au);
      }
      const open = await waitFor(
        () => rec.list({ channelId: CH_REC }).find((r) => r.open && r.bytes > 0),
        5000,
        'a fragment of the open file on disk',
      );
      const row = store.get(open.recordingId);
      assert.ok(row?.open, 'the index row of the file being recorded is open');
      return row;
    },
    async close() {
      await rec.close();
      stream.close('test');
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ids = (store: SqliteRecordingStore): string[] => store.all().map((r) => r.recordingId);

test('sweep deletes closed files older than the retention days by the clock; newer, open and other channels stay', async () => {
  const r = rig();
  try {
    const expired = r.closedFile(CH_REC, T0 - 7 * DAY_MS - 120_000, T0 - 7 * DAY_MS - 60_000, 1000);
    const recent = r.closedFile(CH_REC, T0 - 7 * DAY_MS, T0 - 7 * DAY_MS + 60_000, 1000);
    const noPlan = r.closedFile(CH_IDLE, T0 - 400 * DAY_MS, T0 - 400 * DAY_MS + 60_000, 1000);
    const open = await r.recordOpenFile(7);

    r.rec.sweep();
    assert.deepEqual(ids(r.store).sort(), [recent, noPlan, open].map((x) => x.recordingId).sort());
    assert.deepEqual(r.deleted, ['days']);
    await waitFor(() => !existsSync(join(r.dir, expired.file)), 2000, 'the expired file unlinked');
    assert.ok(existsSync(join(r.dir, recent.file)), 'a file ended less than 7 days ago is kept');
    assert.equal(r.rec.files, 3);

    // Eight days on, the recent file is past the limit; so is the open file's start, but it is
    // still being written.
    r.setClock(T0 + 8 * DAY_MS);
    r.rec.sweep();
    assert.deepEqual(ids(r.store).sort(), [noPlan, open].map((x) => x.recordingId).sort());
    assert.deepEqual(r.deleted, ['days', 'days']);
    await waitFor(() => !existsSync(join(r.dir, recent.file)), 2000, 'the recent file unlinked');
    assert.ok(existsSync(join(r.dir, open.file)), 'the open file stays');
    assert.ok(existsSync(join(r.dir, noPlan.file)), 'retention days 0 keeps files');
  } finally {
    await r.close();
  }
});

test('below the free-space floor sweep deletes the oldest closed files until the floor is met, never the open one', async () => {
  const FLOOR = 1_000_000;
  // The file system: free space grows by what leaves the index (CH_IDLE's files are the only
  // ones that may go); it starts 2500 bytes under the floor.
  let spare = FLOOR + 1500;
  const r = rig({
    minFreeBytes: FLOOR,
    freeBytes: () =>
      spare -
      r.store
        .all()
        .filter((x) => x.channelId === CH_IDLE)
        .reduce((n, x) => n + x.bytes, 0),
  });
  try {
    // Inserted newest first: "oldest" is by start time, not by insertion.
    const d = r.closedFile(CH_IDLE, T0 + 4 * 60_000, T0 + 5 * 60_000, 1000);
    const c = r.closedFile(CH_IDLE, T0 + 3 * 60_000, T0 + 4 * 60_000, 1000);
    const b = r.closedFile(CH_IDLE, T0 + 2 * 60_000, T0 + 3 * 60_000, 1000);
    const a = r.closedFile(CH_IDLE, T0 + 1 * 60_000, T0 + 2 * 60_000, 1000);
    // Recorded from T0: older than every closed file, so first in line if it were not open.
    const open = await r.recordOpenFile(0);

    r.rec.sweep();
    // 2500 under: three 1000-byte files must go, the newest stays.
    assert.deepEqual(ids(r.store).sort(), [open, d].map((x) => x.recordingId).sort());
    assert.deepEqual(r.deleted, ['free-space', 'free-space', 'free-space']);
    for (const gone of [a, b, c]) {
      await waitFor(() => !existsSync(join(r.dir, gone.file)), 2000, `${gone.file} unlinked`);
    }
    assert.ok(existsSync(join(r.dir, d.file)));

    r.rec.sweep();
    assert.equal(r.deleted.length, 3, 'at the floor nothing more goes');

    // Something else fills the disk: no closed file is enough, and the open file still stays.
    spare = 0;
    r.rec.sweep();
    assert.deepEqual(ids(r.store), [open.recordingId]);
    assert.deepEqual(r.deleted, ['free-space', 'free-space', 'free-space', 'free-space']);
    assert.ok(existsSync(join(r.dir, open.file)), 'the open file stays');
  } finally {
    await r.close();
  }
});

test('a sweep that expires files leaves the floor to the next sweep, which sees the space they freed', async () => {
  const FLOOR = 1_000_000;
  // Free space as the file system reports it. Unlinks run on libuv's threads, so the report read
  // just after a deletion may or may not show it; here it does not until the test says so.
  let reported = FLOOR - 1000;
  const r = rig({ minFreeBytes: FLOOR, freeBytes: () => reported });
  try {
    const expired = r.closedFile(CH_REC, T0 - 9 * DAY_MS, T0 - 9 * DAY_MS + 60_000, 1500);
    const newer = r.closedFile(CH_REC, T0 - DAY_MS, T0 - DAY_MS + 60_000, 1000);
    const open = await r.recordOpenFile(7);

    r.rec.sweep();
    assert.deepEqual(r.deleted, ['days'], 'only the expired file, though the floor looked unmet');
    await waitFor(() => !existsSync(join(r.dir, expired.file)), 2000, 'the expired file unlinked');
    reported += expired.bytes;
    r.rec.sweep();
    assert.deepEqual(r.deleted, ['days'], 'with the expired file gone the floor is met');
    assert.deepEqual(ids(r.store).sort(), [newer, open].map((x) => x.recordingId).sort());
  } finally {
    await r.close();
  }
});
