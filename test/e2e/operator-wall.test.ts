// Issue #17 in Debian's Chromium, against a real gateway and 4 simulated NVRs (16 channels): the
// page opened with autoplay (what `npm start` prints) fills a 16-tile wall with sub-streams;
// maximising a tile switches it to the main stream without a single black frame (sampled on every
// animation frame in the page, and from screenshots of the tile), and back; a click on a channel
// fills the next free tile; the PTZ panel shows the camera's named presets, moves focus and
// draws a box zoom; the device page saves settings. Screenshots go to test-results/.
import { writeFileSync } from 'node:fs';
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';

const skip = browserSkipReason();
const DEVICE = '34020000001180000001';
const PRESETS = [
  { index: 1, name: '大门' },
  { index: 2, name: '停车场' },
  { index: 5, name: '全景' },
];
let h: Harness;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

interface StreamView {
  streamId: string;
  deviceId: string;
  channelId: string;
  width: number | null;
  stream: string | null;
}

/** Per tile: the stream it plays and the frames its player decoded. */
const tileStates = () =>
  page.$$eval('.tile', (els) =>
    els.map((el) => ({
      stream: (el as HTMLElement).dataset.stream,
      frames: Number((el as HTMLElement).dataset.framesDecoded ?? 0),
      label: el.querySelector('.label')?.textContent ?? '',
    })),
  );

/**
 * Mean luma (0-255) of a PNG, decoded by the page itself (no image library in node_modules).
 * Black (the tile's background with no picture) is below 10; the test clips are far above.
 */
function meanLuma(png: Buffer): Promise<number> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    }
    return sum / (d.length / 4);
  }, png.toString('base64'));
}

/**
 * Starts sampling tile `index` on every animation frame: which video is on top (the last one that
 * is not pending), whether it has a frame (readyState ≥ 2 and a size), and its mean luma drawn
 * into a small canvas. stopSampling() returns the samples.
 */
async function startSampling(index: number): Promise<void> {
  await page.evaluate((i) => {
    const w = window as unknown as { samples: unknown[]; sampling: boolean };
    w.samples = [];
    w.sampling = true;
    const tile = document.querySelectorAll<HTMLElement>('.tile')[i];
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 18;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const tick = () => {
      if (!w.sampling) {
        return;
      }
      const videos = Array.from(tile.querySelectorAll('video')).filter(
        (v) => !v.classList.contains('pending'),
      );
      const top = videos.at(-1);
      let luma = -1;
      const ready = !!top && top.readyState >= 2 && top.videoWidth > 0;
      if (top && ready) {
        ctx.drawImage(top, 0, 0, 32, 18);
        const d = ctx.getImageData(0, 0, 32, 18).data;
        let sum = 0;
        for (let p = 0; p < d.length; p += 4) {
          sum += 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
        }
        luma = sum / (d.length / 4);
      }
      w.samples.push({
        t: performance.now(),
        videos: videos.length,
        ready,
        width: top?.videoWidth ?? 0,
        luma,
        stream: tile.dataset.stream,
      });
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, index);
}

interface Sample {
  t: number;
  videos: number;
  ready: boolean;
  width: number;
  luma: number;
  stream: string | undefined;
}

const stopSampling = () =>
  page.evaluate(() => {
    const w = window as unknown as { samples: Sample[]; sampling: boolean };
    w.sampling = false;
    return w.samples;
  });

/**
 * Maximises or restores tile `index` (double-click) and returns what was seen until it plays
 * `stream` at `width` pixels: every animation frame sampled in the page, and screenshots of the
 * middle of the tile taken back to back from before the double-click to after the swap, as mean
 * lumas (a black one is saved to test-results/).
 */
async function switchAndSample(index: number, stream: 'main' | 'sub', width: number) {
  const tile = page.locator(`.tile[data-index="${index}"]`);
  const shots: number[] = [];
  let shooting = true;
  const shooter = (async () => {
    while (shooting) {
      // The middle of the tile, where the picture is whether the tile is small or maximised (a
      // maximised 16:9 picture is letterboxed). A shot during which the tile moved or resized
      // (the maximise itself) mixes two layouts and is not counted.
      const box = (await tile.boundingBox())!;
      const clip = {
        x: box.x + box.width / 4,
        y: box.y + box.height / 4,
        width: box.width / 2,
        height: box.height / 2,
      };
      const png = await page.screenshot({ clip });
      const again = (await tile.boundingBox())!;
      if (
        again.x !== box.x ||
        again.y !== box.y ||
        again.width !== box.width ||
        again.height !== box.height
      ) {
        continue;
      }
      const luma = await meanLuma(png);
      if (luma < 10) {
        writeFileSync(screenshotPath(`wall-black-${Date.now()}.png`), png);
      }
      shots.push(luma);
    }
  })();
  await waitFor(() => shots.length >= 1, 5000, 'a screenshot before the switch');
  await startSampling(index);
  await page.waitForTimeout(200);
  const clickedAt = await page.evaluate(() => performance.now());
  await page.dblclick(`.tile[data-index="${index}"]`);
  await waitFor(
    () =>
      page.$eval(
        `.tile[data-index="${index}"]`,
        (el, [s, w]) => {
          const v = Array.from(el.querySelectorAll('video'))
            .filter((x) => !x.classList.contains('pending'))
            .at(-1);
          return (
            (el as HTMLElement).dataset.stream === s &&
            !(el as HTMLElement).dataset.switching &&
            v?.videoWidth === w
          );
        },
        [stream, width] as const,
      ),
    15_000,
    `tile ${index} to play the ${stream} stream`,
  );
  // A few more frames and screenshots after the swap.
  const shotsAtSwap = shots.length;
  await waitFor(() => shots.length >= shotsAtSwap + 2, 5000, 'screenshots after the swap');
  shooting = false;
  await shooter;
  return { samples: await stopSampling(), shots, clickedAt };
}

before(async () => {
  if (skip) {
    return;
  }
  h = await startHarness({ simulator: { devices: 4, presets: PRESETS } });
  assert.equal(await h.sim.waitForRegistered(4, 15_000), true);
  for (const d of h.sim.devices) {
    await h.waitForChannels(d.deviceId, 4, 15_000);
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${h.base}/#token=${encodeURIComponent(h.token)}&autoplay=1`);
});

afterEach(() => {
  assert.deepEqual(pageErrors.splice(0), [], 'errors thrown in the page');
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test(
  'opened with autoplay, the page fills a 16-tile wall and every tile plays its sub-stream (320x180)',
  { skip },
  async () => {
    await waitFor(
      async () => {
        const tiles = await tileStates();
        return tiles.length === 16 && tiles.every((t) => t.stream === 'sub' && t.frames > 0);
      },
      40_000,
      '16 tiles decoding sub-streams',
    );
    const streams = await h.api<StreamView[]>('/api/streams');
    assert.equal(streams.body.length, 16, JSON.stringify(streams.body.map((s) => s.streamId)));
    assert.ok(streams.body.every((s) => s.stream === 'sub' && s.streamId.endsWith('_sub')));
    await waitFor(
      async () => (await h.api<StreamView[]>('/api/streams')).body.every((s) => s.width === 320),
      10_000,
      'every stream at 320 pixels wide',
    );
    await page.screenshot({ path: screenshotPath('wall-1-sixteen-sub.png') });
  },
);

test(
  'maximising a tile switches it to the main stream (640x360) with no black frame, and back to sub',
  { skip },
  async (t) => {
    const channelOf0 = await page.$eval('.tile[data-index="0"] .label', (el) => el.textContent ?? '');
    const up = await switchAndSample(0, 'main', 640);
    await page.screenshot({ path: screenshotPath('wall-2-maximised-main.png') });
    const before = up.samples.filter((s) => s.t < up.clickedAt);
    const afterSwap = up.samples.filter((s) => s.width === 640);
    assert.ok(before.length >= 5, `sampled ${before.length} frames before the switch`);
    assert.ok(afterSwap.length >= 5, `sampled ${afterSwap.length} frames after the switch`);
    const black = up.samples.filter((s) => !s.ready || s.luma < 10);
    assert.deepEqual(black, [], `black frames in ${up.samples.length} sampled`);
    assert.ok(up.shots.length >= 3, `${up.shots.length} screenshots`);
    assert.ok(
      Math.min(...up.shots) >= 10,
      `a screenshot was black: ${up.shots.map((l) => l.toFixed(0)).join(' ')}`,
    );
    assert.ok(
      up.samples.every((s) => s.videos === 1),
      'two pictures were on screen at once',
    );
    assert.match(channelOf0, /· sub/);
    assert.match(await page.$eval('.tile[data-index="0"] .label', (el) => el.textContent ?? ''), /· main/);
    const swapMs = (afterSwap[0]?.t ?? NaN) - up.clickedAt;
    t.diagnostic(
      `sub → main: ${up.samples.length} frames sampled, 0 black, first main frame ${swapMs.toFixed(0)} ms after the double-click; ${up.shots.length} screenshots, mean lumas ${up.shots.map((l) => l.toFixed(0)).join(' ')}`,
    );
    const main = (await h.api<StreamView[]>('/api/streams')).body.find((s) => s.stream === 'main');
    assert.ok(main, 'the main stream is a stream of its own');
    assert.equal(main.width, 640);

    const down = await switchAndSample(0, 'sub', 320);
    const blackDown = down.samples.filter((s) => !s.ready || s.luma < 10);
    assert.deepEqual(blackDown, [], `black frames back to sub in ${down.samples.length} sampled`);
    assert.ok(
      Math.min(...down.shots) >= 10,
      `a screenshot was black: ${down.shots.map((l) => l.toFixed(0)).join(' ')}`,
    );
    t.diagnostic(
      `main → sub: ${down.samples.length} frames sampled, 0 black; ${down.shots.length} screenshots, mean lumas ${down.shots.map((l) => l.toFixed(0)).join(' ')}`,
    );
    await page.screenshot({ path: screenshotPath('wall-3-restored.png') });
  },
);

test(
  'a click on a channel fills the next free tile instead of replacing the selected one',
  { skip },
  async () => {
    const p = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    try {
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto(`${h.base}/#token=${encodeURIComponent(h.token)}`);
      await p.waitForFunction(() => document.querySelectorAll('.tree .channel').length === 16, undefined, {
        timeout: 15_000,
      });
      const channels = ['34020000001310000001', '34020000001310000002', '34020000001310000003'];
      for (const c of channels) {
        await p.click(`.tree .channel[data-channel-id="${c}"] span`);
      }
      await p.waitForFunction(
        () =>
          Array.from(document.querySelectorAll<HTMLElement>('.tile'))
            .slice(0, 3)
            .every((t) => Number(t.dataset.framesDecoded ?? 0) > 0),
        undefined,
        { timeout: 20_000 },
      );
      const labels = await p.$$eval('.tile .label', (els) => els.map((e) => e.textContent ?? ''));
      assert.match(labels[0], /模拟通道1/);
      assert.match(labels[1], /模拟通道2/);
      assert.match(labels[2], /模拟通道3/);
      assert.equal(labels[3], '', 'the fourth tile stays free');
    } finally {
      await p.close();
    }
  },
);

test(
  'the PTZ panel lists the named presets, focus reaches the camera, and a box drawn on the tile zooms',
  { skip },
  async () => {
    await page.click('.tile[data-index="0"]');
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('#preset-list')?.dataset.count ?? 0) === 3,
      undefined,
      {
        timeout: 10_000,
      },
    );
    const names = await page.$$eval('#preset-list li span', (els) => els.map((e) => e.textContent));
    assert.deepEqual(names, ['1 · 大门', '2 · 停车场', '5 · 全景']);

    // Autoplay filled the wall in tree order: tile 0 plays the first NVR's first channel.
    const owner = h.sim.device(DEVICE)!;
    const channel = owner.backend.channelIds[0];
    const headOf = () => owner.backend.ptzState(channel)!;
    const fiBefore = headOf().snapshot().counts.fi ?? 0;
    const focus = page.locator('[data-ptz="focusnear"]');
    await focus.dispatchEvent('pointerdown');
    await focus.dispatchEvent('pointerup');
    await waitFor(
      () => (headOf().snapshot().counts.fi ?? 0) >= fiBefore + 2,
      5000,
      'focus and FI stop at the camera',
    );

    await page.click('#box-zoom');
    const box = (await page.locator('.tile[data-index="0"]').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 80, box.y + 60, { steps: 5 });
    await page.mouse.up();
    await page.click('#box-zoom');
    const drag = await waitFor(
      () => owner.backend.controls.get(`${channel}:DragZoom`),
      5000,
      'DragZoom at the camera',
    );
    assert.equal(drag.type, 'DragZoom');
    assert.ok(drag.type === 'DragZoom' && drag.zoom === 'in');
    assert.ok(drag.type === 'DragZoom' && drag.lengthX === 60 && drag.lengthY === 40, JSON.stringify(drag));
    assert.ok(drag.type === 'DragZoom' && Math.abs(drag.length - box.width) <= 1, JSON.stringify(drag));
    await page.screenshot({ path: screenshotPath('wall-4-ptz.png') });
  },
);

test('the device page shows the device and saves its settings', { skip }, async () => {
  await page.click(`.tree li[data-device-id="${DEVICE}"] > span`);
  await page.waitForSelector('#device-dialog[open]');
  await page.waitForFunction(() =>
    (document.querySelector('#device-info')?.textContent ?? '').includes('34020000001180000001'),
  );
  await page.selectOption('#set-stream-selection', 'streamprofile');
  await page.click('#device-save');
  await page.waitForFunction(
    () => document.querySelector('#device-result')?.textContent === 'settings saved',
  );
  const d = await h.api<{ settings: { streamSelection: string } }>(`/api/devices/${DEVICE}`);
  assert.equal(d.body.settings.streamSelection, 'streamprofile');
  await page.click('#device-config-read');
  await page.waitForFunction(() =>
    /keepalive 60 s × 3/.test(document.querySelector('#device-result')?.textContent ?? ''),
  );
  await page.screenshot({ path: screenshotPath('wall-5-device.png') });
  await page.click('#device-close');
});
