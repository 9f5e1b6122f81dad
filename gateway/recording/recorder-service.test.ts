// The recorder against a disk that refuses writes (/dev/full answers ENOSPC): recording stops
// with a clear error and one event, the recorder leaves the stream, and the stream's other
// viewers keep getting every access unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stream } from '../hub/stream.js';
import type { Sink } from '../hub/sink.js';
import { createLogger } from '../log.js';
import { SqliteRecordingStore } from '../store/recording-store.js';
import { loadClip } from '../../simulator/clip-loader.js';
import { DEFAULT_AUDIO, fixturePath } from '../../simulator/options.js';
import { waitFor } from '../../test/helpers/wait.js';
import { RecorderService } from './recorder-service.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';

test('a full disk stops recording with an error and an event; live viewers go on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-rec-full-'));
  const clip = loadClip(fixturePath('ch1-testsrc2.h264'), fixturePath(DEFAULT_AUDIO));
  const stream = new Stream({
    id: `${DEVICE}/${CHANNEL}`,
    source: { start: async () => {}, stop: () => {} },
  });
  const store = new SqliteRecordingStore(':memory:');
  const failures: { code: string; message: string }[] = [];
  const errors: string[] = [];
  const rec = new RecorderService({
    dir,
    store,
    pull: () => Promise.resolve(stream),
    sliceSec: 60,
    quotaBytes: 0,
    minFreeBytes: 0,
    sweepIntervalMs: 60_000,
    timeZone: 'UTC',
    openOut: () => createWriteStream('/dev/full'),
    observer: { written: () => {}, deleted: () => {}, writeError: (code) => errors.push(code) },
    diskFailed: (e) => failures.push(e),
    log: createLogger('test'),
  });
  let viewerFrames = 0;
  const viewer: Sink = { id: 'viewer', write: () => viewerFrames++, close: () => {} };
  try {
    stream.subscribe(viewer);
    rec.start();
    rec.setPlan(DEVICE, CHANNEL, {
      mode: 'always',
      schedule: [],
      preAlarmSec: 0,
      postAlarmSec: 0,
      retentionDays: 0,
    });
    await waitFor(() => stream.info.sinks === 2, 2000, 'the recorder on the stream');
    let dtsBase = 0;
    const publishClip = () => {
      for (const au of clip.accessUnits) {
        stream.publish({ ...au, dts: au.dts + dtsBase, pts: au.pts + dtsBase });
      }
      dtsBase += 4 * 90_000;
    };
    publishClip();
    publishClip();
    await waitFor(() => failures.length > 0, 5000, 'the disk failure');
    assert.equal(failures[0].code, 'ENOSPC');
    assert.deepEqual(errors.slice(0, 1), ['ENOSPC']);
    await waitFor(() => rec.getPlan(DEVICE, CHANNEL).state === 'failed', 2000, 'state failed');
    assert.match(rec.getPlan(DEVICE, CHANNEL).error ?? '', /disk refused a write \(ENOSPC/);
    await waitFor(() => stream.info.sinks === 1, 2000, 'the recorder off the stream');
    const before = viewerFrames;
    publishClip();
    assert.equal(viewerFrames - before, clip.accessUnits.length, 'the viewer got every access unit');
    assert.equal(failures.length, 1, 'one event, not one per write');
    assert.equal(stream.closed, false);
  } finally {
    await rec.close();
    stream.close('test');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
