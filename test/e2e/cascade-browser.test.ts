// Acceptance of the cascade in a browser: two gateways on loopback, B is A's upper platform, A
// shares 2 of its simulator's 4 channels. B lists exactly those 2 with A's names, and Debian's
// Chromium plays one of them from B over WHEP and over HLS (hls.js), the media having crossed
// simulator → A (PS/RTP) → A's stream hub → B (PS/RTP, upward) → B's WebRTC and HLS outputs.
// Skips only when Chromium is missing outside CI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { A_ID, SIM, bChannels, channel, startPair, type Pair } from '../helpers/cascade-pair.js';

const skip = browserSkipReason();
let pair: Pair;
let browser: Browser;
let page: Page;
let live: { streamId: string; whep: string; hls: string; transport: string };

// Served from B's origin (page.route), so WHEP, HLS and /vendor/hls.min.js are same-origin.
const PAGE = `<!doctype html><meta charset="utf-8"><title>cascade</title>
<video id="whep" muted autoplay playsinline width="320"></video>
<video id="hls" muted autoplay playsinline width="320"></video>
<script src="/vendor/hls.min.js"></script>
<script>
window.playWhep = async (url) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (e) => { if (e.track.kind === 'video') document.getElementById('whep').srcObject = new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  // Chromium's host candidates here are not loopback; the gateway (ICE lite) offers 127.0.0.1.
  const sdp = pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:')).join('\\r\\n');
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: sdp });
  if (res.status !== 201) return 'WHEP ' + res.status + ' ' + (await res.text());
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  window.pc = pc;
  return 'ok';
};
window.whepStats = async () => {
  let out = { frames: 0, width: 0 };
  (await window.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') out = { frames: r.framesDecoded ?? 0, width: r.frameWidth ?? 0 };
  });
  return out;
};
window.playHls = (url) => {
  const hls = new Hls({ lowLatencyMode: true });
  window.hlsErrors = [];
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.hlsErrors.push(d.details); });
  hls.loadSource(url);
  hls.attachMedia(document.getElementById('hls'));
};
window.hlsStats = () => {
  const v = document.getElementById('hls');
  return { frames: v.getVideoPlaybackQuality().totalVideoFrames, width: v.videoWidth, t: v.currentTime, errors: window.hlsErrors };
};
</script>`;

before(async () => {
  if (skip) {
    return;
  }
  // B listens for media over TCP (a=setup:passive): A dials it and sends PS over RFC 4571.
  pair = await startPair({ b: { 'media-transport': 'tcp-passive' } });
  assert.equal(await pair.a.sim.waitForRegistered(1, 10_000), true);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 700, height: 300 } });
  page.on('pageerror', (err) => console.log('page error:', err.message));
  await page.route(`${pair.b.base}/cascade.html`, (route) =>
    route.fulfill({ contentType: 'text/html', body: PAGE }),
  );
  await page.goto(`${pair.b.base}/cascade.html`);
});

after(async () => {
  await browser?.close();
  await pair?.close();
});

test("B's catalog lists exactly the 2 shared channels with A's names", { skip }, async () => {
  const channels = await bChannels(pair, 2);
  assert.deepEqual(channels.map((c) => `${c.channelId} ${c.name}`).sort(), [
    `${channel(1)} 模拟通道1`,
    `${channel(3)} 模拟通道3`,
  ]);
});

test('Chromium plays a shared channel from B over WHEP', { skip, timeout: 30_000 }, async () => {
  const r = await pair.b.api<typeof live>(`/api/devices/${A_ID}/channels/${channel(3)}/live`, {
    method: 'POST',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  live = r.body;
  assert.equal(live.transport, 'tcp-passive');
  assert.equal(
    await page.evaluate(
      (url) => (window as unknown as { playWhep(u: string): Promise<string> }).playWhep(url),
      live.whep,
    ),
    'ok',
  );
  const stats = await waitFor(
    async () => {
      const s = await page.evaluate(() =>
        (window as unknown as { whepStats(): Promise<{ frames: number; width: number }> }).whepStats(),
      );
      return s.frames >= 30 ? s : undefined;
    },
    20_000,
    'WHEP video frames decoded',
  );
  assert.equal(stats.width, 640);
  // One camera stream behind it all: the simulator answered one INVITE for this channel.
  assert.equal(pair.a.sim.device(SIM)!.platform.sessions.filter((s) => s.channelId === channel(3)).length, 1);
});

test('Chromium plays the same stream from B over HLS (hls.js)', { skip, timeout: 40_000 }, async () => {
  await page.evaluate((url) => (window as unknown as { playHls(u: string): void }).playHls(url), live.hls);
  const stats = await waitFor(
    async () => {
      const s = await page.evaluate(() =>
        (
          window as unknown as { hlsStats(): { frames: number; width: number; t: number; errors: string[] } }
        ).hlsStats(),
      );
      assert.deepEqual(s.errors, []);
      return s.frames >= 30 && s.t > 1 ? s : undefined;
    },
    30_000,
    'HLS video frames decoded',
  );
  assert.equal(stats.width, 640);
  await page.screenshot({ path: screenshotPath('cascade-whep-hls.png') });
});
