// The operator page against a real gateway and the simulator, in Debian's Chromium: catalog
// tree, live play, a 2×2 wall, PTZ moving the simulated camera, record timeline with playback
// and pause. A PNG of each state goes to test-results/.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';

const skip = browserSkipReason();
const DEVICE = '34020000001180000001';
const channel = (n: number) => `3402000000131000000${n}`;
let h: Harness;
let browser: Browser;
let page: Page;
/** Uncaught errors in the page; any one fails the test it happened in. */
const pageErrors: string[] = [];

const framesOf = (tile: number) =>
  page.evaluate(
    (i) => Number(document.querySelectorAll<HTMLElement>('.tile')[i]?.dataset.framesDecoded ?? 0),
    tile,
  );

async function waitFrames(tile: number, min: number, timeoutMs: number): Promise<number> {
  return waitFor(
    async () => {
      const n = await framesOf(tile);
      return n >= min ? n : undefined;
    },
    timeoutMs,
    `tile ${tile} to decode ${min} frames`,
  );
}

before(async () => {
  if (skip) {
    return;
  }
  h = await startHarness();
  await h.sim.waitForRegistered(1, 10_000);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${h.base}/#token=${encodeURIComponent(h.token)}`);
});

afterEach(() => {
  assert.deepEqual(pageErrors.splice(0), [], 'errors thrown in the page');
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test('the tree lists the 4 channels of the simulated platform', { skip }, async () => {
  await page.waitForFunction(() => document.querySelectorAll('.tree .channel').length === 4, undefined, {
    timeout: 15_000,
  });
  const names = await page.$$eval('.tree .channel span', (els) => els.map((e) => e.textContent));
  assert.deepEqual(names, ['模拟通道1', '模拟通道2', '模拟通道3', '模拟通道4']);
  await page.screenshot({ path: screenshotPath('demo-1-catalog.png') });
});

test('a click on a channel plays live video in the selected tile', { skip }, async () => {
  await page.click(`.tree .channel[data-channel-id="${channel(1)}"] span`);
  await waitFrames(0, 10, 15_000);
  // The simulator sends H.264, which Chromium decodes over WebRTC: HLS is only the fallback.
  const mode = await page.$eval('.tile', (el) => (el as HTMLElement).dataset.mode);
  assert.equal(mode, 'webrtc');
  await page.screenshot({ path: screenshotPath('demo-2-live.png') });
});

test('a 2×2 wall filled by drag and drop plays 4 streams at once', { skip }, async () => {
  for (const n of [2, 3, 4]) {
    await page.dragAndDrop(
      `.tree .channel[data-channel-id="${channel(n)}"] span`,
      `.tile[data-index="${n - 1}"]`,
    );
  }
  const before = await Promise.all([0, 1, 2, 3].map(framesOf));
  for (const i of [0, 1, 2, 3]) {
    await waitFrames(i, (before[i] ?? 0) + 10, 20_000);
  }
  const streams = await h.api<{ streamId: string }[]>('/api/streams');
  assert.equal(streams.body.length, 4);
  await page.screenshot({ path: screenshotPath('demo-3-wall.png') });
});

test('a PTZ press moves the simulated camera and the release stops it', { skip }, async () => {
  await page.click('.tile[data-index="0"]');
  const ptz = () => h.sim.device(DEVICE)!.backend.ptzState(channel(1))!.snapshot();
  const start = ptz().pan;
  const right = page.locator('[data-ptz="right"]');
  await right.dispatchEvent('pointerdown');
  await waitFor(() => ptz().moving, 5_000, 'the camera to start moving');
  await waitFor(() => ptz().pan > start, 5_000, 'the camera to pan right');
  await right.dispatchEvent('pointerup');
  await waitFor(() => !ptz().moving, 5_000, 'the camera to stop');
  assert.ok(ptz().pan > start, `pan ${start} → ${ptz().pan}`);
  await page.screenshot({ path: screenshotPath('demo-4-ptz.png') });
});

test('a record search draws the day on the timeline; playback plays and pauses', { skip }, async () => {
  await page.click('.tile[data-index="0"]');
  // Yesterday, a whole day of recordings: today holds none yet in the first minutes after
  // midnight (the simulator's first segment starts up to 10 min past the hour).
  const yesterday = await page.evaluate(() => {
    const d = new Date(Date.now() - 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  });
  await page.fill('#record-day', yesterday);
  await page.click('#record-search');
  await page.waitForFunction(
    () => Number(document.querySelector<HTMLElement>('#timeline')?.dataset.count ?? 0) > 0,
    undefined,
    { timeout: 15_000 },
  );
  const segments = await page.$$('#timeline .seg');
  assert.ok(segments.length > 0);
  await page.screenshot({ path: screenshotPath('demo-5-records.png') });

  await segments[0].click();
  await waitFor(
    async () => {
      const s = await h.api<{ kind: string }[]>('/api/streams');
      return s.body.some((x) => x.kind === 'playback');
    },
    10_000,
    'a playback stream',
  );
  const playing = await waitFrames(0, 10, 20_000);
  await page.screenshot({ path: screenshotPath('demo-6-playback.png') });
  await page.click('#pb-pause');
  await page.waitForTimeout(1500);
  const paused1 = await framesOf(0);
  await page.waitForTimeout(2000);
  const paused2 = await framesOf(0);
  assert.ok(
    paused2 - paused1 <= 2,
    `frames kept coming while paused: ${paused1} → ${paused2} (playing reached ${playing})`,
  );
  await page.screenshot({ path: screenshotPath('demo-7-paused.png') });
  await page.click('#pb-resume');
  await waitFrames(0, paused2 + 10, 15_000);
});

test(
  'the timeline shows cloud recordings in their own lane; a click plays one from the gateway',
  { skip },
  async () => {
    const ch = channel(2);
    const plan = `/api/devices/${DEVICE}/channels/${ch}/recording-plan`;
    assert.equal(
      (await h.api(plan, { method: 'PUT', body: JSON.stringify({ mode: 'always' }) })).status,
      200,
    );
    try {
      // Three GOPs on disk: the open file already plays (its fragments so far).
      await waitFor(
        async () =>
          (await h.api<{ bytes: number }[]>(`/api/recordings?deviceId=${DEVICE}&channelId=${ch}`)).body.some(
            (r) => r.bytes > 200_000,
          ),
        30_000,
        'a cloud recording with a few fragments',
      );
      await page.click('.tile[data-index="1"]');
      await page.click(`.tree .channel[data-channel-id="${ch}"] span`);
      await waitFrames(1, 5, 15_000);
      const today = await page.evaluate(() => {
        const d = new Date();
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      });
      await page.fill('#record-day', today);
      await page.click('#record-search');
      await page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>('#timeline')?.dataset.cloudCount ?? 0) > 0,
        undefined,
        { timeout: 15_000 },
      );
      const lanes = await page.$$eval('#timeline .seg', (segs) =>
        segs.map((s) => ({ cloud: s.classList.contains('cloud'), top: getComputedStyle(s).top })),
      );
      const cloudTops = new Set(lanes.filter((l) => l.cloud).map((l) => l.top));
      const deviceTops = new Set(lanes.filter((l) => !l.cloud).map((l) => l.top));
      assert.equal(cloudTops.size, 1);
      assert.ok(![...deviceTops].some((t) => cloudTops.has(t)), 'the two lanes do not overlap');
      await page.screenshot({ path: screenshotPath('demo-8-cloud-lane.png') });
      await page.click('#timeline .seg.cloud');
      // The tile now plays the recording over HLS from the gateway: its clock moves past 2 s.
      await page.waitForFunction(
        () => {
          const tile = document.querySelector<HTMLElement>('.tile[data-index="1"]');
          const video = tile?.querySelector('video');
          const label = tile?.querySelector('.label')?.textContent ?? '';
          return label.includes('cloud') && tile?.dataset.mode === 'hls' && (video?.currentTime ?? 0) > 2;
        },
        undefined,
        { timeout: 20_000 },
      );
    } finally {
      await h.api(plan, { method: 'PUT', body: JSON.stringify({ mode: 'off' }) });
    }
  },
);
