// Acceptance 4 of issue #16: with an alarm plan, a simulated alarm produces a recording that
// starts at least preAlarmSec before the alarm time (from the pre-alarm ring of the stream) and
// ends postAlarmSec after it, at the next keyframe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../helpers/gateway-harness.js';
import { probeRecording } from '../helpers/recording-checks.js';
import { sleep, waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const PRE_SEC = 6;
const POST_SEC = 4;
const GOP_MS = 2000;

interface Rec {
  recordingId: string;
  start: string;
  end: string;
  reason: string;
  open: boolean;
}

test(
  'an alarm records from preAlarmSec before it to postAlarmSec after it',
  { timeout: 60_000 },
  async () => {
    const h = await startHarness({
      gateway: { 'record-min-free': 0 },
      simulator: { channels: 1, alarmRatePerMin: 0 },
    });
    try {
      await h.waitForChannels(DEVICE, 1);
      const r = await h.api<{ state: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/recording-plan`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'alarm', preAlarmSec: PRE_SEC, postAlarmSec: POST_SEC }),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await waitFor(
        async () =>
          (await h.api<{ state: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/recording-plan`)).body
            .state === 'armed',
        15_000,
        'the plan armed',
      );
      // The ring fills; nothing is recorded without an alarm.
      await sleep((PRE_SEC + 3) * 1000);
      assert.deepEqual((await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body, []);
      const alarmAt = Date.now();
      await h.sim.devices[0].platform.raiseAlarm({
        sourceId: CHANNEL,
        priority: 1,
        method: 5,
        type: 2,
        timeMs: alarmAt,
      });
      const rec = await waitFor(
        async () => {
          const list = (await h.api<Rec[]>(`/api/recordings?deviceId=${DEVICE}`)).body;
          return list.length === 1 && !list[0].open ? list[0] : undefined;
        },
        (POST_SEC + 10) * 1000,
        'the alarm recording, closed',
      );
      const start = Date.parse(rec.start);
      const end = Date.parse(rec.end);
      console.log(`# alarm at ${alarmAt}: recording from ${start - alarmAt} ms to +${end - alarmAt} ms`);
      assert.equal(rec.reason, 'alarm');
      assert.ok(start <= alarmAt - PRE_SEC * 1000, `starts ${alarmAt - start} ms before the alarm`);
      assert.ok(start >= alarmAt - (PRE_SEC + 1) * 1000 - 2 * GOP_MS, 'the ring keeps no more than it needs');
      assert.ok(end >= alarmAt + POST_SEC * 1000, `ends ${end - alarmAt} ms after the alarm`);
      const p = await probeRecording(h.gw.recorder!.filePath(rec.recordingId)!);
      assert.equal(p.errors, '');
      assert.equal(p.nonMonotonic, undefined);
      assert.ok(Math.abs(p.videoSec - (end - start) / 1000) < 0.1, `ffprobe ${p.videoSec} s`);
    } finally {
      await h.close();
    }
  },
);
