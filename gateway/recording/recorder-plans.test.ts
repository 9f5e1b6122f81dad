// When the recorder is on a channel's stream (docs/recording.md): a schedule plan joins the stream
// at the start of its weekly range and leaves at its end, by the recorder's one-second
// evaluation; a channel whose stream cannot be pulled (device offline) is retried with a delay
// that doubles from 1 s up to 60 s, and records once the pull succeeds. Time is mock.timers'
// (the evaluation tick, the retry timers and the injected clock all run on it).
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stream } from '../hub/stream.js';
import { createLogger } from '../log.js';
import { SqliteRecordingStore, type RecordingPlan } from '../store/recording-store.js';
import { loadClip } from '../../simulator/clip-loader.js';
import { DEFAULT_AUDIO, fixturePath } from '../../simulator/options.js';
import { waitFor } from '../../test/helpers/wait.js';
import { RecorderService } from './recorder-service.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
/** Monday 2026-12-07 08:59:00 UTC. */
const MON_0859 = Date.UTC(2026, 11, 7, 8, 59);

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: MON_0859 }));
afterEach(() => mock.timers.reset());

/** Lets promise continuations run (setImmediate is not mocked). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const plan = (p: Partial<RecordingPlan>): RecordingPlan => ({
  mode: 'always',
  schedule: [],
  preAlarmSec: 0,
  postAlarmSec: 0,
  retentionDays: 0,
  ...p,
});

function newStream(noMediaTimeoutMs?: number): Stream {
  return new Stream({
    id: `${DEVICE}/${CHANNEL}`,
    source: { start: async () => {}, stop: () => {} },
    ...(noMediaTimeoutMs !== undefined ? { noMediaTimeoutMs } : {}),
  });
}

function recorder(dir: string, store: SqliteRecordingStore, pull: () => Promise<Stream>): RecorderService {
  return new RecorderService({
    dir,
    store,
    pull,
    sliceSec: 60,
    quotaBytes: 0,
    minFreeBytes: 0,
    sweepIntervalMs: 3_600_000,
    timeZone: 'UTC',
    // Looked up at each call, so mock.timers' Date is the recorder's clock.
    now: () => Date.now(),
    log: createLogger('test'),
  });
}

test('a schedule plan puts the recorder on the stream inside its weekly range only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-rec-schedule-'));
  const store = new SqliteRecordingStore(':memory:');
  // No media in this test: the hub's no-media close (15 s) is off so the stream outlives the range.
  const stream = newStream(0);
  let pulls = 0;
  const rec = recorder(dir, store, () => {
    pulls++;
    return Promise.resolve(stream);
  });
  const state = () => rec.getPlan(DEVICE, CHANNEL).state;
  try {
    rec.start();
    rec.setPlan(
      DEVICE,
      CHANNEL,
      plan({ mode: 'schedule', schedule: [{ day: 1, start: '09:00', end: '09:30' }] }),
    );
    await settle();
    assert.equal(state(), 'idle');
    assert.equal(stream.info.sinks, 0);

    mock.timers.tick(59_000); // 08:59:59
    await settle();
    assert.equal(pulls, 0, 'not pulled before the range');
    assert.equal(state(), 'idle');

    mock.timers.tick(1000); // 09:00:00, the range's start, included
    await settle();
    assert.equal(pulls, 1);
    assert.equal(stream.info.sinks, 1, 'the recorder on the stream');
    assert.equal(stream.info.viewers, 1, 'it counts as a viewer, so the stream stays pulled');
    assert.equal(state(), 'recording');

    mock.timers.tick(30 * 60_000 - 1000); // 09:29:59
    await settle();
    assert.equal(pulls, 1, 'one pull for the whole range');
    assert.equal(stream.info.sinks, 1);

    mock.timers.tick(1000); // 09:30:00, the range's end, excluded
    await settle();
    assert.equal(stream.info.sinks, 0, 'the recorder off the stream');
    assert.equal(state(), 'idle');
  } finally {
    await rec.close();
    stream.close('test');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an offline device is retried at 1, 2, 4 … 60 s; recording starts once the pull succeeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-rec-retry-'));
  const store = new SqliteRecordingStore(':memory:');
  const OFFLINE_PULLS = 8;
  let stream = newStream();
  const pullTimes: number[] = [];
  const rec = recorder(dir, store, () => {
    pullTimes.push(Date.now());
    return pullTimes.length <= OFFLINE_PULLS
      ? Promise.reject(new Error(`device ${DEVICE} is offline`))
      : Promise.resolve(stream);
  });
  const view = () => rec.getPlan(DEVICE, CHANNEL);
  try {
    rec.start();
    rec.setPlan(DEVICE, CHANNEL, plan({ mode: 'always' }));
    await settle();
    assert.equal(pullTimes.length, 1);
    assert.equal(view().state, 'retrying');
    assert.match(view().error ?? '', /is offline/);

    const delays = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
    for (const [i, delay] of delays.entries()) {
      mock.timers.tick(delay - 1);
      await settle();
      assert.equal(pullTimes.length, i + 1, `no pull ${delay - 1} ms after pull ${i + 1}`);
      assert.equal(view().state, 'retrying');
      mock.timers.tick(1);
      await settle();
      assert.equal(pullTimes.length, i + 2, `pull ${i + 2} comes ${delay} ms after pull ${i + 1}`);
    }
    assert.deepEqual(
      pullTimes.slice(1).map((t, i) => t - pullTimes[i]),
      delays,
    );

    assert.equal(view().state, 'recording');
    assert.equal(view().error, null);
    assert.equal(stream.info.sinks, 1);
    const clip = loadClip(fixturePath('ch1-testsrc2.h264'), fixturePath(DEFAULT_AUDIO));
    for (const au of clip.accessUnits) {
      stream.publish(au);
    }
    await waitFor(
      () => rec.list({ deviceId: DEVICE, channelId: CHANNEL }).some((r) => r.open && r.bytes > 0),
      5000,
      'a recorded fragment on disk',
    );

    // Ten seconds on the stream resets the backoff: the stream's end is retried after 1 s again.
    mock.timers.tick(10_000);
    stream.close('bye');
    assert.equal(view().state, 'retrying');
    assert.match(view().error ?? '', /the stream ended/);
    stream = newStream();
    const before = pullTimes.length;
    mock.timers.tick(999);
    await settle();
    assert.equal(pullTimes.length, before);
    mock.timers.tick(1);
    await settle();
    assert.equal(pullTimes.length, before + 1);
    assert.equal(view().state, 'recording');
    assert.equal(stream.info.sinks, 1);
  } finally {
    await rec.close();
    stream.close('test');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
