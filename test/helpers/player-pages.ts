// Third-party players in Chromium, as an integrator's page would use them: the Eyevinn WHEP
// player, hls.js, video.js (VHS) and shaka-player, each from node_modules (never a CDN), served
// by a test-only static server whose origin is not the gateway's. A page is either served by
// that server (cross-origin to the gateway) or answered by Playwright on the gateway's own
// origin (same-origin) together with the player scripts: Chromium counts a response Playwright
// made up as coming from a public address, and its Local Network Access rules then refuse that
// page any request to a loopback server of another origin. Each page exposes start(url),
// sample() and unload() to the test.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './paths.js';

export type PlayerName = 'eyevinn-whep' | 'hls.js' | 'videojs-vhs' | 'shaka';
export const PLAYERS: readonly PlayerName[] = ['eyevinn-whep', 'hls.js', 'videojs-vhs', 'shaka'];

export interface PlayerSample {
  /** Frames decoded and not dropped (HTMLVideoElement.getVideoPlaybackQuality). */
  frames: number;
  width: number;
  height: number;
  currentTime: number;
  /** Seconds from the wall clock to the PROGRAM-DATE-TIME of the frame shown (null when unknown). */
  latencySec: number | null;
  /** HLS: decoded audio bytes; WHEP: audio RTP packets received. */
  audio: number;
  /** The video codec the player took (RFC 6381 for HLS, the RTP MIME type for WHEP). */
  codec: string;
  errors: string[];
}

const nm = (...p: string[]): string => join(repoRoot, 'node_modules', ...p);

/** The files the pages load, by URL path; the Eyevinn player is bundled for the browser here. */
async function playerFiles(): Promise<Map<string, { type: string; body: Buffer }>> {
  // @eyevinn/webrtc-player ships CommonJS only (it requires 'events' and two sibling packages).
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [nm('@eyevinn', 'webrtc-player', 'dist', 'main.js')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'EyevinnWebRtcPlayer',
    write: false,
    logLevel: 'silent',
  });
  const js = 'text/javascript';
  return new Map([
    ['/lib/eyevinn-webrtc-player.js', { type: js, body: Buffer.from(bundle.outputFiles[0].contents) }],
    ['/lib/hls.min.js', { type: js, body: readFileSync(nm('hls.js', 'dist', 'hls.min.js')) }],
    ['/lib/video.min.js', { type: js, body: readFileSync(nm('video.js', 'dist', 'video.min.js')) }],
    [
      '/lib/shaka-player.compiled.js',
      { type: js, body: readFileSync(nm('shaka-player', 'dist', 'shaka-player.compiled.js')) },
    ],
  ]);
}

const COMMON = `
const v = document.getElementById('v');
window.errors = [];
window.addEventListener('error', (e) => window.errors.push('page: ' + e.message));
const frames = () => { const q = v.getVideoPlaybackQuality(); return q.totalVideoFrames - q.droppedVideoFrames; };
window.sample = async () => ({ frames: frames(), width: v.videoWidth, height: v.videoHeight, currentTime: v.currentTime,
  latencySec: latency(), audio: await audio(), codec: codec(), errors: window.errors.slice() });
`;

const SCRIPT: Readonly<Record<PlayerName, { lib: string; code: string }>> = {
  'eyevinn-whep': {
    lib: 'eyevinn-webrtc-player.js',
    code: `
let player;
window.start = async (url) => {
  player = new EyevinnWebRtcPlayer.WebRTCPlayer({ video: v, type: 'whep', iceServers: [] });
  player.on('initial-connection-failed', () => window.errors.push('initial-connection-failed'));
  player.on('connect-error', () => window.errors.push('connect-error'));
  await player.load(new URL(url));
};
const stats = async () => player && player.peer && player.peer.getStats ? player.peer.getStats() : new Map();
async function audio() { let n = 0; (await stats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n = r.packetsReceived || 0; }); return n; }
let videoCodec = '';
setInterval(async () => { const s = await stats(); s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video' && r.codecId) videoCodec = (s.get(r.codecId) || {}).mimeType || ''; }); }, 500);
function codec() { return videoCodec; }
function latency() { return null; }
window.unload = () => player.unload();`,
  },
  'hls.js': {
    lib: 'hls.min.js',
    code: `
let hls; let videoCodec = '';
window.start = (url) => {
  hls = new Hls({ lowLatencyMode: true });
  hls.on(Hls.Events.ERROR, (_e, d) => window.errors.push((d.fatal ? 'FATAL ' : '') + d.details));
  hls.on(Hls.Events.BUFFER_CODECS, (_e, d) => { if (d.video) videoCodec = d.video.codec; });
  hls.loadSource(url);
  hls.attachMedia(v);
  v.play().catch((e) => window.errors.push('play: ' + e.message));
};
async function audio() { return v.webkitAudioDecodedByteCount; }
function codec() { return videoCodec; }
function latency() { return hls && hls.playingDate ? (Date.now() - hls.playingDate.getTime()) / 1000 : null; }
window.unload = () => hls.destroy();`,
  },
  'videojs-vhs': {
    lib: 'video.min.js',
    code: `
let player;
window.start = (url) => {
  if (window.vjsDebug) videojs.log.level('debug');
  player = videojs(v, { muted: true, autoplay: true, html5: { vhs: { overrideNative: true, llhls: true } } });
  player.on('error', () => {
    const el = player.tech(true) && player.tech(true).el();
    window.errors.push('vjs: ' + JSON.stringify(player.error()) + (el && el.error ? ' media: ' + el.error.message : ''));
  });
  player.src({ src: url, type: 'application/x-mpegURL' });
};
const vhs = () => player && player.tech(true) && player.tech(true).vhs;
async function audio() { const el = player ? player.tech(true).el() : v; return el.webkitAudioDecodedByteCount; }
function codec() { const m = vhs() && vhs().playlists.media(); return (m && m.attributes && m.attributes.CODECS) || ''; }
function latency() {
  // the segment playing and its PROGRAM-DATE-TIME, on VHS's own timeline (segment.start)
  const m = vhs() && vhs().playlists.media(); if (!m) return null;
  const t = player.currentTime();
  const seg = m.segments.find((s) => s.dateTimeObject && s.start !== undefined && s.start <= t && t < s.end);
  return seg ? (Date.now() - (seg.dateTimeObject.getTime() + (t - seg.start) * 1000)) / 1000 : null;
}
window.unload = () => player.dispose();`,
  },
  shaka: {
    lib: 'shaka-player.compiled.js',
    code: `
let player;
window.start = async (url) => {
  shaka.polyfill.installAll();
  player = new shaka.Player();
  await player.attach(v);
  player.configure({ streaming: { lowLatencyMode: true } });
  player.addEventListener('error', (e) => window.errors.push('shaka ' + e.detail.code));
  try {
    await player.load(url);
  } catch (e) {
    window.errors.push('shaka load: ' + (e.stack || e.message || JSON.stringify(e)));
  }
};
async function audio() { return v.webkitAudioDecodedByteCount; }
function codec() { const t = player && player.getVariantTracks().find((x) => x.active); return t ? t.videoCodec : ''; }
function latency() { const d = player && player.getPlayheadTimeAsDate(); return d ? (Date.now() - d.getTime()) / 1000 : null; }
window.unload = () => player.destroy();`,
  },
};

function pageHtml(player: PlayerName, libBase: string): string {
  const { lib, code } = SCRIPT[player];
  return `<!doctype html><meta charset="utf-8"><title>${player}</title>
<video id="v" muted autoplay playsinline width="640"></video>
<script src="${libBase}/lib/${lib}"></script>
<script>${COMMON}${code}</script>`;
}

/** The static server: player libraries for every page, and the cross-origin pages themselves. */
export class PlayerSite {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly files: Map<string, { type: string; body: Buffer }>,
  ) {}

  static async start(): Promise<PlayerSite> {
    const files = await playerFiles();
    let origin = '';
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const page = /^\/page\/([\w.-]+)\.html$/.exec(path)?.[1] as PlayerName | undefined;
      const file = files.get(path);
      if (page && PLAYERS.includes(page)) {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(pageHtml(page, origin));
      } else if (file) {
        res.writeHead(200, { 'Content-Type': file.type }).end(file.body);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new PlayerSite(server, origin, files);
  }

  /**
   * A page with the player: on this site (cross-origin to `gatewayBase`), or answered by
   * Playwright at `gatewayBase` (same-origin; the gateway never sees that request).
   */
  async open(
    browser: Browser,
    player: PlayerName,
    where: 'cross-origin' | 'same-origin',
    gatewayBase: string,
  ): Promise<PlayerPage> {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    if (where === 'same-origin') {
      const base = `${gatewayBase}/__player__`;
      await page.route(`${base}/**`, (route) => {
        const path = new URL(route.request().url()).pathname.slice('/__player__'.length);
        const file = this.files.get(path);
        return file
          ? route.fulfill({ contentType: file.type, body: file.body })
          : route.fulfill({ contentType: 'text/html', body: pageHtml(player, base) });
      });
      await page.goto(`${base}/${player}.html`);
    } else {
      await page.goto(`${this.origin}/page/${player}.html`);
    }
    return new PlayerPage(page, player, pageErrors);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export class PlayerPage {
  constructor(
    readonly page: Page,
    readonly player: PlayerName,
    readonly pageErrors: string[],
  ) {}

  start(url: string): Promise<void> {
    return this.page.evaluate(
      (u) => (window as unknown as { start(u: string): Promise<void> }).start(u),
      url,
    );
  }

  sample(): Promise<PlayerSample> {
    return this.page.evaluate(() => (window as unknown as { sample(): Promise<PlayerSample> }).sample());
  }

  unload(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as { unload(): Promise<void> }).unload());
  }

  close(): Promise<void> {
    return this.page.close();
  }
}
