// One address, a wall of low-latency HLS viewers (issue #20 point 8): 30 viewers behind one NAT or
// reverse proxy, each reloading its playlist with a blocking request per part and fetching every
// part, play for 8 s without a single 429. With the one budget of before (50 requests/s for API,
// HLS and static files alike), about 8 such viewers fitted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startLive } from '../helpers/live-stream.js';
import { LlHlsViewer } from '../helpers/ll-hls-viewer.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { readMediaPlaylist } from '../helpers/hls-probe.js';

const VIEWERS = 30;
const SECONDS = 8;
let h: Harness;

before(async () => {
  h = await startHarness({ simulator: { devices: 1, channels: 1 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
});
after(async () => {
  await h?.close();
});

test(`${VIEWERS} low-latency HLS viewers from one address play for ${SECONDS} s without a 429`, async () => {
  const live = await startLive(h);
  await waitFor(() => readMediaPlaylist(h.base + live.hls), 15_000, 'an HLS playlist');
  const viewers = Array.from({ length: VIEWERS }, () => new LlHlsViewer(h.base + live.hls));
  const running = viewers.map((v) => v.run());
  await sleep(SECONDS * 1000);
  for (const v of viewers) {
    v.stop();
  }
  await Promise.all(running);

  const requests = viewers.reduce(
    (n, v) => n + [...v.counts.statuses.values()].reduce((a, b) => a + b, 0),
    0,
  );
  const limited = viewers.reduce((n, v) => n + (v.counts.statuses.get(429) ?? 0), 0);
  const parts = viewers.map((v) => v.counts.parts);
  console.log(
    `# ${VIEWERS} LL-HLS viewers, ${SECONDS} s: ${requests} requests (${(requests / SECONDS).toFixed(0)}/s from one address), ` +
      `${limited} answered 429; parts per viewer ${Math.min(...parts)}-${Math.max(...parts)}`,
  );
  assert.equal(limited, 0, `${limited} requests were answered 429`);
  for (const [i, v] of viewers.entries()) {
    // Parts of ~0.33 s: a viewer that keeps up fetches ~3 a second.
    assert.ok(v.counts.parts >= SECONDS * 2, `viewer ${i} played only ${v.counts.parts} parts`);
  }
  assert.ok(
    requests / SECONDS > 50,
    'the wall made fewer requests than the old single budget allowed: not a test',
  );
});
