// A bare viewer page served on the gateway's own origin (Playwright answers the request, the
// gateway never sees it): it starts a live stream through the REST API, then plays it over
// WHEP (draft-ietf-wish-whep) or hls.js, and timestamps the first decoded video frame and the
// first audio packets against the moment it sent the POST.
import type { Browser, Page } from 'playwright-core';

const PAGE_PATH = '/__media-test__.html';

// Chromium's own host candidates (192.0.2.2 / fd00::2 on this VM) are useless on loopback and
// are dropped; the gateway is ICE-lite and Chromium reaches its 127.0.0.1 candidate
// (docs/browser-notes.md §2.3). H.264 with packetization-mode 1 is preferred (§2.4 pitfall 4).
const PAGE = `<!doctype html><meta charset="utf-8"><title>media test</title>
<script src="/vendor/hls.min.js"></script>
<body><script>
const now = () => performance.now();
window.m = { t0: 0, live: null, pc: null, location: null, connectedMs: null, firstFrameMs: null, firstAudioMs: null, whepPostMs: null, errors: [] };

window.postLive = async (path, token) => {
  window.m.t0 = now();
  const res = await fetch(path, { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
  const body = await res.json();
  window.m.live = body;
  return { status: res.status, body, ms: now() - window.m.t0 };
};

window.whep = async () => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.m.pc = pc;
  pc.onconnectionstatechange = () => { if (pc.connectionState === 'connected') window.m.connectedMs = now() - window.m.t0; };
  const tv = pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const h264 = RTCRtpReceiver.getCapabilities('video').codecs.filter(
    (c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine || ''));
  tv.setCodecPreferences(h264);
  const video = document.createElement('video');
  video.autoplay = true; video.muted = true; video.playsInline = true;
  document.body.appendChild(video);
  // Both tracks feed the element, so the audio is decoded and played out (muted), not only received.
  const tracks = new MediaStream();
  video.srcObject = tracks;
  pc.ontrack = (e) => tracks.addTrack(e.track);
  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:')).join('\\r\\n');
  const sentAt = now();
  window.m.whepPostMs = sentAt - window.m.t0;
  const res = await fetch(window.m.live.whep, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
  if (res.status !== 201) {
    pc.close();
    return { status: res.status, error: await res.json() };
  }
  window.m.location = res.headers.get('Location');
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  const poll = setInterval(async () => {
    const s = await window.whepStats();
    if ((s.framesDecoded > 0 && s.audioPackets > 0) || pc.connectionState === 'closed') clearInterval(poll);
  }, 10);
  return { status: 201 };
};

window.whepStats = async () => {
  const m = window.m;
  const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, videoPackets: 0, packetsLost: 0, pliCount: 0,
    audioPackets: 0, audioSamples: 0, codec: '', audioCodec: '', connectionState: m.pc.connectionState };
  const report = await m.pc.getStats();
  report.forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    const codec = report.get(r.codecId);
    if (r.kind === 'video') {
      Object.assign(out, { framesDecoded: r.framesDecoded || 0, frameWidth: r.frameWidth || 0, frameHeight: r.frameHeight || 0,
        videoPackets: r.packetsReceived || 0, packetsLost: r.packetsLost || 0, pliCount: r.pliCount || 0 });
      if (codec) out.codec = codec.mimeType + ' ' + (codec.sdpFmtpLine || '');
    } else if (r.kind === 'audio') {
      out.audioPackets = r.packetsReceived || 0;
      out.audioSamples = r.totalSamplesReceived || 0;
      if (codec) out.audioCodec = codec.mimeType;
    }
  });
  const t = now() - m.t0;
  if (out.framesDecoded > 0 && m.firstFrameMs === null) m.firstFrameMs = t;
  if (out.audioPackets > 0 && m.firstAudioMs === null) m.firstAudioMs = t;
  return { ...out, firstFrameMs: m.firstFrameMs, firstAudioMs: m.firstAudioMs, whepPostMs: m.whepPostMs, connectedMs: m.connectedMs };
};

window.hangUp = async () => {
  if (!window.m.location) return 0;
  // exactly the Location: it carries the signed token its DELETE needs
  const res = await fetch(window.m.location, { method: 'DELETE' });
  window.m.pc.close();
  return res.status;
};

window.playHls = () => {
  const v = document.createElement('video');
  v.muted = true; v.autoplay = true; v.playsInline = true;
  document.body.appendChild(v);
  const hls = new Hls({ lowLatencyMode: true });
  window.m.hls = { hls, v, codecs: {} };
  hls.on(Hls.Events.ERROR, (_e, d) => window.m.errors.push((d.fatal ? 'FATAL ' : '') + d.details));
  hls.on(Hls.Events.BUFFER_CODECS, (_e, d) => { for (const [k, t] of Object.entries(d)) window.m.hls.codecs[k] = t.codec; });
  hls.loadSource(window.m.live.hls);
  hls.attachMedia(v);
  v.play().catch((e) => window.m.errors.push('play: ' + e.message));
};

window.hlsSample = () => {
  const { v, codecs } = window.m.hls;
  return { currentTime: v.currentTime, width: v.videoWidth, height: v.videoHeight, audioBytes: v.webkitAudioDecodedByteCount,
    frames: v.getVideoPlaybackQuality().totalVideoFrames, dropped: v.getVideoPlaybackQuality().droppedVideoFrames,
    codecs, errors: window.m.errors.slice() };
};
</script>`;

export interface LiveAnswer {
  streamId: string;
  whep: string;
  hls: string;
  codec: { video: string | null; audio: string | null };
  transport: string;
}

export interface WhepStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  videoPackets: number;
  packetsLost: number;
  pliCount: number;
  audioPackets: number;
  audioSamples: number;
  codec: string;
  audioCodec: string;
  connectionState: string;
  /** ms from the POST .../live to the first getStats with framesDecoded > 0 (10 ms poll). */
  firstFrameMs: number | null;
  firstAudioMs: number | null;
  /** ms from the POST .../live to the WHEP POST. */
  whepPostMs: number | null;
  /** ms from the POST .../live to RTCPeerConnection 'connected' (ICE + DTLS done). */
  connectedMs: number | null;
}

export interface HlsSample {
  currentTime: number;
  width: number;
  height: number;
  audioBytes: number;
  frames: number;
  dropped: number;
  codecs: Record<string, string>;
  errors: string[];
}

type PageApi = {
  postLive(path: string, token: string): Promise<{ status: number; body: LiveAnswer; ms: number }>;
  whep(): Promise<{ status: number; error?: { error: { code: string; message: string } } }>;
  whepStats(): Promise<WhepStats>;
  hangUp(): Promise<number>;
  playHls(): void;
  hlsSample(): HlsSample;
};

/** One viewer: a page on the gateway origin with the helpers above. */
export class MediaPage {
  /** Uncaught exceptions of the page. */
  readonly pageErrors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
  }

  static async open(browser: Browser, base: string): Promise<MediaPage> {
    const view = new MediaPage(await browser.newPage());
    await view.page.route(`${base}${PAGE_PATH}`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: PAGE }),
    );
    await view.page.goto(`${base}${PAGE_PATH}`);
    return view;
  }

  postLive(path: string, token: string) {
    return this.page.evaluate(([p, t]) => (window as unknown as PageApi).postLive(p, t), [
      path,
      token,
    ] as const);
  }

  whep() {
    return this.page.evaluate(() => (window as unknown as PageApi).whep());
  }

  whepStats(): Promise<WhepStats> {
    return this.page.evaluate(() => (window as unknown as PageApi).whepStats());
  }

  /** Polls the WHEP stats until `done` holds or `timeoutMs` passes; returns the last sample. */
  async waitWhep(done: (s: WhepStats) => boolean, timeoutMs: number): Promise<WhepStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.whepStats();
      if (done(s) || Date.now() > deadline) {
        return s;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  hangUp() {
    return this.page.evaluate(() => (window as unknown as PageApi).hangUp());
  }

  playHls() {
    return this.page.evaluate(() => (window as unknown as PageApi).playHls());
  }

  hlsSample(): Promise<HlsSample> {
    return this.page.evaluate(() => (window as unknown as PageApi).hlsSample());
  }

  close() {
    return this.page.close();
  }
}
