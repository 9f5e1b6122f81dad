// The restart scenario of issue #20 point 4 in the operator page (acceptance 3), shared by its
// short version (npm test) and its 16-stream one (npm run test:long): the gateway CLI as a child
// process, simulated devices in this process (keepalive every 5 s), Debian's Chromium showing the
// web demo with one tile per channel, the first `webrtcTiles` over WebRTC and the rest over HLS
// (the gateway has only that many WebRTC slots, so the others fall back to HLS). Then kill -9 and
// a restart on the same data dir, measuring when each tile plays again, when each device is
// online, and which media sessions the devices still hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { launchChromium, screenshotPath } from './browser.js';
import { spawnGateway, type GatewayProcess } from './gateway-process.js';
import { freePort } from './ports.js';
import { sleep, waitFor } from './wait.js';

export interface PageRestartScenario {
  devices: number;
  channelsPerDevice: number;
  /** Wall layout: 4, 9 or 16 tiles. */
  layout: 4 | 9 | 16;
  webrtcTiles: number;
  /** Screenshot name prefix. */
  name: string;
}

export interface TileOutcome {
  mode: string;
  /** Ms from the kill until the tile showed new frames again; null if it never did. */
  playingAfterMs: number | null;
  statuses: string[];
  /** What the tile said while it was not playing ("camera lost: ...", "reconnecting: ..."). */
  messages: string[];
  /** Longest time without a new decoded frame, from the kill on. */
  longestGapMs: number;
  /**
   * The tile never left 'playing' and its frames kept coming across the restart and still came
   * 10 s after the kill, far past anything the old process had buffered: an HLS player whose
   * timeline the new process continues rides over the restart. Its frames may pause for less
   * than the page's own stall threshold (player.js STALL_MS) without the page calling it lost;
   * `playingAfterMs` is then the end of its longest pause.
   */
  seamless: boolean;
}

export interface PageRestartResult {
  tiles: TileOutcome[];
  /** Ms from the restart until each device was online. */
  onlineAfterMs: (number | null)[];
  /** Media sessions the devices held 10 s after the kill that the old process had opened. */
  orphansAfter10s: string[];
  sessionsAfter10s: number;
  /** Ms from the kill until the new process answered HTTP. */
  restartMs: number;
  pageErrors: string[];
}

/** player.js STALL_MS: below this pause without a new frame the page does not call a tile lost. */
const PAGE_STALL_MS = { webrtc: 2000, hls: 4000 } as const;

const PASSWORD = 'page-restart-pw';
const TOKEN = 'page-restart-token-0123456789';

const sessionsOf = (sim: Simulator): string[] =>
  sim.devices.flatMap((d) => d.platform.sessions.map((s) => s.callId));

async function tileState(
  page: Page,
): Promise<{ frames: number; status: string; mode: string; message: string }[]> {
  return page.$$eval('.tile', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      const message = e.querySelector('.diagnosis.lost')?.textContent ?? '';
      return { frames: Number(d.framesDecoded ?? 0), status: d.status ?? '', mode: d.mode ?? '', message };
    }),
  );
}

export async function runPageRestart(s: PageRestartScenario): Promise<PageRestartResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-page-restart-'));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const pageErrors: string[] = [];
  try {
    const sipPort = await freePort();
    // The same HTTP port after the restart: the page keeps its origin.
    const httpPort = await freePort();
    const flags = [
      '--webrtc-max-viewers',
      String(s.webrtcTiles),
      '--keepalive-interval',
      '5',
      '--http-port',
      String(httpPort),
    ];
    let gw: GatewayProcess = await spawnGateway({
      dataDir,
      sipPort,
      password: PASSWORD,
      token: TOKEN,
      flags,
    });
    cleanup.unshift(() => gw.stop());
    const sim = await startSimulator({
      server: { host: '127.0.0.1', port: sipPort },
      password: PASSWORD,
      devices: s.devices,
      channels: s.channelsPerDevice,
      keepaliveIntervalSec: 5,
    });
    cleanup.unshift(() => sim.close());
    if (!(await sim.waitForRegistered(s.devices, 20_000))) {
      throw new Error('the simulated devices did not register');
    }
    const channels: string[] = [];
    for (const d of sim.devices) {
      const list = await waitFor(
        async () => {
          const r = await gw.api<{ channelId: string }[]>(`/api/devices/${d.deviceId}/channels`);
          return r.body.length === s.channelsPerDevice ? r.body : undefined;
        },
        20_000,
        'a catalog',
      );
      channels.push(...list.map((c) => c.channelId));
    }

    const browser: Browser = await launchChromium();
    cleanup.unshift(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${gw.httpBase}/#token=${encodeURIComponent(TOKEN)}`);
    await page.click(`[data-layout="${s.layout}"]`);
    await page.waitForFunction(
      (n) => document.querySelectorAll('.tree .channel').length === n,
      channels.length,
      {
        timeout: 20_000,
      },
    );
    // One tile at a time, so the first ones take the WebRTC slots and the rest fall back to HLS.
    for (const [i, channelId] of channels.entries()) {
      await page.dragAndDrop(
        `.tree .channel[data-channel-id="${channelId}"] span`,
        `.tile[data-index="${i}"]`,
      );
      await waitFor(
        async () => ((await tileState(page))[i]?.status === 'playing' ? true : undefined),
        30_000,
        `tile ${i} playing`,
      );
    }
    await page.screenshot({ path: screenshotPath(`${s.name}-1-before.png`) });
    const modes = (await tileState(page)).slice(0, channels.length).map((t) => t.mode);
    const before = new Set(sessionsOf(sim));

    await gw.kill9();
    const killedAt = performance.now();
    gw = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN, flags });
    const restartedAt = performance.now();

    const outcomes: TileOutcome[] = modes.map((mode) => ({
      mode,
      playingAfterMs: null,
      statuses: [],
      messages: [],
      longestGapMs: 0,
      seamless: false,
    }));
    const lastFrames: number[] = [];
    const lastAdvanceAt: number[] = modes.map(() => killedAt);
    /** Ms from the kill to the frame that ended each tile's longest pause. */
    const resumedAfterMs: number[] = modes.map(() => 0);
    const onlineAfterMs: (number | null)[] = sim.devices.map(() => null);
    const lost = new Set<number>();
    let orphansAfter10s: string[] | undefined;
    let sessionsAfter10s = 0;
    while (performance.now() - killedAt < 20_000) {
      const state = await tileState(page);
      for (const [i, t] of state.entries()) {
        const o = outcomes[i];
        if (!o) {
          continue;
        }
        if (o.statuses.at(-1) !== t.status) {
          o.statuses.push(t.status);
        }
        if (t.message && o.messages.at(-1) !== t.message) {
          o.messages.push(t.message);
        }
        const now = performance.now();
        if (lastFrames[i] === undefined || t.frames > lastFrames[i]) {
          const gap = Math.round(now - lastAdvanceAt[i]);
          if (lastFrames[i] !== undefined && gap > o.longestGapMs) {
            o.longestGapMs = gap;
            resumedAfterMs[i] = Math.round(now - killedAt);
          }
          lastFrames[i] = t.frames;
          lastAdvanceAt[i] = now;
        }
        if (t.status !== 'playing') {
          lost.add(i);
        } else if (lost.has(i) && o.playingAfterMs === null) {
          o.playingAfterMs = Math.round(performance.now() - killedAt);
        }
      }
      for (const [i, d] of sim.devices.entries()) {
        if (onlineAfterMs[i] === null) {
          const r = await gw.api<{ online: boolean }>(`/api/devices/${d.deviceId}`).catch(() => null);
          if (r?.body.online) {
            onlineAfterMs[i] = Math.round(performance.now() - restartedAt);
          }
        }
      }
      if (orphansAfter10s === undefined && performance.now() - killedAt >= 10_000) {
        const now = sessionsOf(sim);
        orphansAfter10s = now.filter((c) => before.has(c));
        sessionsAfter10s = now.length;
        for (const [i, o] of outcomes.entries()) {
          const stillComing = performance.now() - lastAdvanceAt[i] < 1000;
          const stallMs = o.mode === 'hls' ? PAGE_STALL_MS.hls : PAGE_STALL_MS.webrtc;
          if (!lost.has(i) && stillComing && o.longestGapMs < stallMs) {
            o.seamless = true;
            o.playingAfterMs = resumedAfterMs[i];
          }
        }
        await page.screenshot({ path: screenshotPath(`${s.name}-2-after-10s.png`) });
      }
      if (orphansAfter10s !== undefined && outcomes.every((o) => o.playingAfterMs !== null)) {
        break;
      }
      await sleep(250);
    }
    return {
      tiles: outcomes,
      onlineAfterMs,
      orphansAfter10s: orphansAfter10s ?? [...before],
      sessionsAfter10s,
      restartMs: Math.round(restartedAt - killedAt),
      pageErrors,
    };
  } finally {
    for (const c of cleanup) {
      await c();
    }
  }
}
