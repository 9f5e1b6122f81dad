// Acceptance (HTTP API issue point 5): a second viewer of an active stream starts from the GOP
// cache at once (its first access unit is the cached keyframe, delivered inside subscribe()), and
// after the last viewer leaves the device gets BYE only once the idle grace (idle-stop) is over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import type { CloseReason, Sink } from '../../gateway/hub/sink.js';
import type { Stream } from '../../gateway/hub/stream.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const IDLE_STOP_SEC = 2;
let h: Harness;

before(async () => {
  h = await startHarness({ gateway: { 'idle-stop': IDLE_STOP_SEC }, simulator: { channels: 1 } });
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await h?.close();
});

/** A viewer that only records what it is given and when. */
class FakeSink implements Sink {
  readonly received: { at: number; au: AccessUnit }[] = [];
  closedWith: CloseReason | undefined;
  constructor(readonly id: string) {}
  write(au: AccessUnit): void {
    this.received.push({ at: performance.now(), au });
  }
  close(reason: CloseReason): void {
    this.closedWith ??= reason;
  }
}

test('a second viewer gets its first keyframe from the GOP cache at once; BYE follows the idle grace', async () => {
  const live = await h.api<{ streamId: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  const stream: Stream | undefined = h.gw.streams.get(live.body.streamId);
  assert.ok(stream, 'the stream is in the registry');

  const first = new FakeSink('viewer-1');
  const leave1 = stream.subscribe(first);
  // Let the first viewer watch past the cached keyframe, so the cache holds a GOP in progress.
  await waitFor(
    () => first.received.filter((r) => r.au.codec === 'H264').length > 20,
    10_000,
    'the first viewer to get 20 frames',
  );
  const newestDts = first.received.at(-1)!.au.dts;

  const second = new FakeSink('viewer-2');
  const t0 = performance.now();
  const leave2 = stream.subscribe(second);
  const deliveredInSubscribe = second.received.length;
  await waitFor(() => second.received.length > 0, 5_000, 'the second viewer to get an access unit');
  const firstAu = second.received[0];
  const ms = firstAu.at - t0;
  console.log(
    `second viewer: first AU after ${ms.toFixed(2)} ms (${deliveredInSubscribe} AUs replayed from the GOP cache inside subscribe())`,
  );
  assert.equal(firstAu.au.codec, 'H264');
  assert.equal(firstAu.au.keyframe, true, 'the first AU is a keyframe');
  assert.ok(firstAu.au.dts <= newestDts, 'it is the cached keyframe, not one that arrived later');
  assert.ok(deliveredInSubscribe > 1, 'the cached GOP was replayed synchronously');
  assert.ok(ms < 500, `${ms.toFixed(1)} ms to the first AU`);
  assert.equal(stream.info.viewers, 2);

  // The last viewer leaves: the device keeps streaming through the grace, then gets BYE.
  leave1();
  leave2();
  const left = Date.now();
  assert.equal(stream.info.viewers, 0);
  assert.equal(h.sim.counts().sessions, 1, 'still streaming at the start of the grace');
  // The poll sees the BYE at or after the moment it arrives: a time under the grace means too early.
  await waitFor(
    () => h.sim.counts().sessions === 0,
    IDLE_STOP_SEC * 1000 + 5_000,
    'the simulator to see BYE',
  );
  const byeAfter = Date.now() - left;
  console.log(
    `BYE reached the simulator ${byeAfter} ms after the last viewer left (idle-stop ${IDLE_STOP_SEC} s)`,
  );
  assert.ok(byeAfter >= IDLE_STOP_SEC * 1000 - 50, `BYE after ${byeAfter} ms`);
  assert.equal(stream.info.closeCause, 'idle');
  assert.equal(first.closedWith, undefined, 'a viewer that left is not closed by the hub');
  assert.equal(h.gw.streams.get(live.body.streamId), undefined);
});
