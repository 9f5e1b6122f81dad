// Viewer-slot flood (issue #20 point 6): 100 WHEP offers that never finish ICE, sent within one
// second with one stream's media URL, used to fill every WebRTC slot of the process, so every
// viewer of every stream got 503 for ~20 s. With the default limits they fill only that stream's
// few pending slots: a viewer already watching another stream keeps its frames, a new viewer of
// that stream connects right after it, the refusals are counted where operators look, and the
// flooded stream takes viewers again once the unfinished offers time out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHROMIUM_FULL_OFFER } from '../../gateway/outputs/webrtc/fixtures/chromium-offers.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { CH1, DEVICE, startLive } from '../helpers/live-stream.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { WeriftViewer } from '../helpers/werift-viewer.js';

const CH2 = '34020000001310000002';
let h: Harness;
const viewers: WeriftViewer[] = [];

before(async () => {
  h = await startHarness({ simulator: { devices: 1, channels: 2 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
});
after(async () => {
  for (const v of viewers) {
    await v.close();
  }
  await h?.close();
});

async function watch(whep: string): Promise<WeriftViewer> {
  const v = new WeriftViewer({ url: h.base + whep });
  viewers.push(v);
  const status = await v.connect();
  assert.equal(status, 201, JSON.stringify(v.errorBody));
  await v.connected();
  return v;
}

test('100 unfinished WHEP offers in 1 s on one stream leave the viewers of another stream unaffected', async () => {
  const flooded = await startLive(h, DEVICE, CH1);
  const other = await startLive(h, DEVICE, CH2);
  const watcher = await watch(other.whep);
  await waitFor(() => watcher.counts.videoFrames > 10, 10_000, 'frames at the watcher');

  // The flood: 100 offers, 10 ms apart, on the first stream's URL (a Chromium offer nobody answers ICE for).
  const framesBefore = watcher.counts.videoFrames;
  const t0 = performance.now();
  const flood = Array.from({ length: 100 }, async (_, i) => {
    await sleep(i * 10);
    const res = await fetch(h.base + flooded.whep, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: CHROMIUM_FULL_OFFER,
    });
    const body = res.status === 201 ? undefined : ((await res.json()) as { error: { code: string } });
    if (res.status === 201) {
      await res.text();
    }
    return { status: res.status, code: body?.error.code };
  });
  const answers = await Promise.all(flood);
  const floodMs = performance.now() - t0;
  // A new viewer of the other stream, while the flood's offers still hold whatever slots they got.
  const newcomer = await watch(other.whep);
  await waitFor(() => newcomer.counts.videoFrames > 10, 10_000, 'frames at the newcomer');
  const framesDuring = watcher.counts.videoFrames - framesBefore;
  const secondsDuring = (performance.now() - t0) / 1000;

  const accepted = answers.filter((a) => a.status === 201).length;
  const refused = answers.filter((a) => a.status === 503 && a.code === 'GW_ERR_TOO_MANY_VIEWERS').length;
  console.log(
    `# flood of 100 offers sent over 1 s, all answered after ${floodMs.toFixed(0)} ms: ${accepted} accepted (left connecting), ${refused} refused; ` +
      `the watcher of the other stream got ${framesDuring} frames in ${secondsDuring.toFixed(1)} s`,
  );
  assert.equal(
    accepted + refused,
    100,
    JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 503)),
  );
  assert.ok(
    accepted <= 8,
    `${accepted} unfinished offers got a slot on one stream (pending-per-stream is 8)`,
  );
  assert.ok(
    framesDuring >= secondsDuring * 15,
    `the watcher got ${framesDuring} frames in ${secondsDuring} s`,
  );
  assert.ok(newcomer.counts.videoFrames > 10);

  const limits = (
    await h.api<{ webrtc: { refused: Record<string, number>; maxPendingPerStream: number } }>('/api/limits')
  ).body.webrtc;
  assert.equal(limits.maxPendingPerStream, 8);
  assert.equal(limits.refused['pending-per-stream'], refused);
  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`gb_webrtc_viewers_refused_total\\{reason="pending-per-stream"\\} ${refused}\\b`),
  );
  assert.match(metrics, /gb_webrtc_viewer_limit\{scope="pending_per_stream"\} 8\b/);

  // The unfinished offers time out (webrtc-connect-timeout, 5 s): the flooded stream takes viewers again.
  await waitFor(
    async () => (await h.api<{ webrtc: { pending: number } }>('/api/limits')).body.webrtc.pending === 0,
    10_000,
    'the unfinished offers to time out',
  );
  const late = await watch(flooded.whep);
  await waitFor(() => late.counts.videoFrames > 5, 10_000, 'frames on the flooded stream');
});
