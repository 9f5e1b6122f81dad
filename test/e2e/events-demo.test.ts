// `npm start`'s demo in Debian's Chromium (issue #14 acceptance 6): within a minute the alarm panel
// shows a simulated alarm (live, through /api/events) and the map shows the simulated channels'
// markers moving. Acknowledging and clicking an alarm are exercised too: the row greys out, and
// the selected tile plays that channel. The demo runs as its own process, as an operator starts
// it, with no map tiles (a closed network). A PNG goes to test-results/.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

const skip = browserSkipReason();
let demo: ChildProcess;
let browser: Browser;
let page: Page;
let stdout = '';
const pageErrors: string[] = [];

interface Marker {
  channelId: string;
  lat: number;
  lng: number;
  updates: number;
  transform: string;
}

const markers = (): Promise<Marker[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('#map .pos-marker')).map((el) => ({
      channelId: el.dataset.channelId ?? '',
      lat: Number(el.dataset.lat),
      lng: Number(el.dataset.lng),
      updates: Number(el.dataset.updates ?? 0),
      transform: el.style.transform,
    })),
  );

before(async () => {
  if (skip) {
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-events-demo-'));
  demo = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist/gateway/demo.js'),
      '--http-port',
      '0',
      '--sip-port',
      '0',
      '--data-dir',
      dataDir,
      '--media-ports',
      '38300-38399',
      '--webrtc-ports',
      '38400-38499',
      '--log-level',
      'warn',
    ],
    { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  demo.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = await waitFor(
    () => /Open (http:\/\/\S+\/#token=\S+)/.exec(stdout)?.[1],
    30_000,
    'the demo URL',
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await once(demo, 'exit');
  }
});

test('the alarm panel shows a simulated alarm within a minute, newest on top', { skip }, async () => {
  await page.waitForSelector('#alarm-list li.alarm', { timeout: 60_000 });
  const rows = await page.$$eval('#alarm-list li.alarm', (lis) =>
    lis.map((li) => ({ id: Number((li as HTMLElement).dataset.alarmId), text: li.textContent ?? '' })),
  );
  assert.ok(rows.length >= 1);
  assert.match(rows[0].text, /视频丢失|移动侦测|区域入侵|防拆报警|报警输入/);
  // A second alarm arrives live over the event stream and goes on top.
  await page.waitForFunction(
    (n) => document.querySelectorAll('#alarm-list li.alarm').length > n,
    rows.length,
    {
      timeout: 60_000,
    },
  );
  const ids = await page.$$eval('#alarm-list li.alarm', (lis) =>
    lis.map((li) => Number((li as HTMLElement).dataset.alarmId)),
  );
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    'newest first',
  );
  assert.match((await page.textContent('#alarm-count')) ?? '', /\d+ new/);
  assert.deepEqual(pageErrors, []);
});

test('the map shows a marker per channel, and they move', { skip }, async () => {
  await page.waitForFunction(() => document.querySelectorAll('#map .pos-marker').length === 4, undefined, {
    timeout: 60_000,
  });
  const first = await markers();
  assert.match((await page.textContent('#map-note')) ?? '', /no map tiles|channel/);
  const moved = await waitFor(
    async () => {
      const now = await markers();
      const m = now.find((x) => {
        const was = first.find((f) => f.channelId === x.channelId)!;
        return (
          x.updates > was.updates && (x.lat !== was.lat || x.lng !== was.lng) && x.transform !== was.transform
        );
      });
      return m;
    },
    20_000,
    'a marker to move on the map',
  );
  assert.ok(moved.channelId.length === 20);
  const track = await page.evaluate(() => document.querySelectorAll('#map path.leaflet-interactive').length);
  assert.ok(track >= 1, 'tracks are drawn');
  await page.screenshot({ path: screenshotPath('events-demo.png') });
});

test(
  'acknowledging greys the alarm out; clicking one plays its channel in the selected tile',
  { skip },
  async () => {
    const row = page.locator('#alarm-list li.alarm:not(.acked)').first();
    const alarmId = await row.getAttribute('data-alarm-id');
    await row.locator('button').click();
    await page.waitForSelector(`#alarm-list li.alarm.acked[data-alarm-id="${alarmId}"]`, { timeout: 5000 });
    // Clicking a camera alarm (not an alarm input) opens its live video.
    const camera = page.locator('#alarm-list li.alarm', { hasNotText: '报警输入' }).first();
    await camera.click();
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('.tile.selected')?.dataset.framesDecoded ?? 0) > 10,
      undefined,
      { timeout: 30_000 },
    );
    assert.match((await page.textContent('.tile.selected .label')) ?? '', /alarm/);
    assert.deepEqual(pageErrors, []);
  },
);
