// @ts-check
// Plays one gateway stream in a <video>: WebRTC over WHEP (RFC 9725) first, HLS (hls.js) when
// WebRTC cannot carry it (H.265 without a browser decoder, B-frames) or fails to connect.
// It keeps playing on its own: when the picture stops (the gateway restarted, the camera was
// lost, the network dropped) it tells its owner, asks for the stream again (`refresh`, e.g. a new
// live request; without one it replays the same URLs) and starts over in the mode that worked,
// with a growing pause between attempts, until the picture moves again.

/**
 * @typedef {{ streamId: string, whep: string, hls: string, codec: { video: string|null, audio: string|null } }} PlayAnswer
 * @typedef {{ mode: string, codec: string, width: number, height: number, fps: number, kbps: number, latencyMs: number|null, framesDecoded: number }} PlayerStats
 * @typedef {'playing'|'lost'|'retrying'} PlayerStatus
 * @typedef {{ refresh?: () => Promise<PlayAnswer>, onStatus?: (status: PlayerStatus, detail: string) => void }} PlayOptions
 */

/**
 * No new frame for this long while playing: the stream is lost. WebRTC is real time, so a frozen
 * picture means lost within a couple of seconds; hls.js rides out a late part on its own buffer.
 */
const STALL_MS = { webrtc: 2000, hls: 4000 };
/** A new start may take this long to show its first frame (HLS buffers a part or two). */
const FIRST_FRAME_MS = 10_000;
/** Pauses between attempts to get the stream back (a restarting gateway is back within seconds). */
const RETRY_MS = [250, 1000, 1000, 2000];

/** Chromium gathers no loopback candidate and .local names need multicast DNS: send none of them. */
function stripLocalCandidates(/** @type {string} */ sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !(line.startsWith('a=candidate:') && /\.local /.test(line)))
    .join('\r\n');
}

function preferH264(/** @type {RTCRtpTransceiver} */ transceiver) {
  const caps = RTCRtpReceiver.getCapabilities?.('video');
  if (!caps || !transceiver.setCodecPreferences) return;
  // Packetization mode 1 (FU-A/STAP-A) with a baseline-compatible profile first; Chromium decodes
  // High-profile streams negotiated this way too. H.265 stays offered where the browser has it.
  const h264 = caps.codecs.filter(
    (c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? ''),
  );
  h264.sort(
    (a, b) => Number(/42e01f/.test(b.sdpFmtpLine ?? '')) - Number(/42e01f/.test(a.sdpFmtpLine ?? '')),
  );
  const h265 = caps.codecs.filter((c) => c.mimeType === 'video/H265');
  const rest = caps.codecs.filter((c) => /rtx|red|ulpfec/.test(c.mimeType));
  if (h264.length + h265.length > 0) transceiver.setCodecPreferences([...h264, ...h265, ...rest]);
}

async function waitIceGathering(/** @type {RTCPeerConnection} */ pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const done = () => pc.iceGatheringState === 'complete' && resolve(undefined);
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, timeoutMs);
  });
}

export class GatewayPlayer {
  /** @param {HTMLVideoElement} video @param {string} apiToken */
  constructor(video, apiToken) {
    this.video = video;
    this.apiToken = apiToken;
    /** @type {RTCPeerConnection|null} */ this.pc = null;
    /** @type {any} */ this.hls = null;
    /** @type {string|null} */ this.whepSession = null;
    this.mode = 'idle';
    this.lastBytes = 0;
    this.lastAt = 0;
    /** @type {string|null} */ this.videoCodec = null;
    /** @type {PlayOptions} */ this.options = {};
    /** @type {PlayAnswer|null} */ this.answer = null;
    /** The mode that worked last; tried first when starting over. */
    this.preferred = 'webrtc';
    /** @type {ReturnType<typeof setInterval>|undefined} */ this.watchdog = undefined;
    this.recovering = false;
    this.closed = false;
  }

  /**
   * Starts the stream and keeps it playing (see the top of this file).
   * @param {PlayAnswer} answer @param {PlayOptions} [options] @returns {Promise<string>} mode used
   */
  async play(answer, options = {}) {
    this.options = options;
    const mode = await this.start(answer);
    this.watch();
    return mode;
  }

  /** @param {PlayAnswer} answer @returns {Promise<string>} mode used */
  async start(answer) {
    this.answer = answer;
    this.videoCodec = answer.codec.video;
    const order = this.preferred === 'hls' ? ['hls', 'webrtc'] : ['webrtc', 'hls'];
    /** @type {unknown} */ let failure;
    for (const mode of order) {
      try {
        if (mode === 'webrtc') await this.playWhep(answer);
        else await this.playHls(answer);
        this.preferred = mode;
        return mode;
      } catch (err) {
        console.info(`${mode} unavailable:`, err instanceof Error ? err.message : err);
        failure = err;
        this.closeMedia();
      }
    }
    throw failure;
  }

  /** Counts decoded frames four times a second; no progress for STALL_MS means the stream is lost. */
  watch() {
    clearInterval(this.watchdog);
    let frames = 0; // a new start decodes from 0
    let movedAt = performance.now();
    let playing = false;
    this.watchdog = setInterval(async () => {
      if (this.recovering || this.closed) return;
      const now = await this.framesDecoded().catch(() => frames);
      if (now > frames) {
        movedAt = performance.now();
        if (!playing) {
          playing = true;
          this.options.onStatus?.('playing', this.mode);
        }
      }
      frames = now;
      const stallMs = this.mode === 'hls' ? STALL_MS.hls : STALL_MS.webrtc;
      if (performance.now() - movedAt > (playing ? stallMs : FIRST_FRAME_MS)) {
        void this.recover(playing ? `no picture for ${stallMs / 1000} s` : 'no picture since the start');
      }
    }, 250);
  }

  /** Ends what is playing and gets the stream again, with growing pauses, until it plays or is closed. */
  async recover(/** @type {string} */ reason) {
    if (this.recovering || this.closed) return;
    this.recovering = true;
    this.options.onStatus?.('lost', reason);
    this.closeMedia();
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
      if (this.closed) break;
      try {
        const answer = this.options.refresh ? await this.options.refresh() : this.answer;
        if (!answer) throw new Error('nothing to play');
        await this.start(answer);
        this.recovering = false;
        this.watch();
        return;
      } catch (err) {
        this.closeMedia();
        this.options.onStatus?.('retrying', err instanceof Error ? err.message : String(err));
      }
    }
    this.recovering = false;
  }

  /** @param {PlayAnswer} answer */
  async playWhep(answer) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    const video = pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    preferH264(video);
    const stream = new MediaStream();
    pc.ontrack = (e) => {
      stream.addTrack(e.track);
      this.video.srcObject = stream;
      this.video.play().catch(() => {});
    };
    // The gateway ended the session (RTCP BYE and DTLS close: camera lost, gateway shutting down).
    pc.addEventListener('connectionstatechange', () => {
      if (this.pc === pc && this.mode === 'webrtc' && ['failed', 'closed'].includes(pc.connectionState))
        void this.recover(`WebRTC connection ${pc.connectionState}`);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathering(pc, 1000);
    const res = await fetch(answer.whep, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: stripLocalCandidates(pc.localDescription?.sdp ?? ''),
    });
    if (res.status !== 201) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body?.error?.message ?? `WHEP answered ${res.status}`);
    }
    // The Location carries what its DELETE needs (the signed token of the WHEP URL).
    const location = res.headers.get('Location');
    this.whepSession = location ? new URL(location, window.location.href).href : null;
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('WebRTC did not connect within 5 s')), 5000);
      const check = () => {
        if (pc.connectionState === 'connected') {
          clearTimeout(timer);
          resolve(undefined);
        } else if (pc.connectionState === 'failed') {
          clearTimeout(timer);
          reject(new Error('WebRTC connection failed'));
        }
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    });
    this.mode = 'webrtc';
  }

  /** @param {PlayAnswer} answer */
  async playHls(answer) {
    const Hls = /** @type {any} */ (window).Hls;
    if (Hls?.isSupported()) {
      const hls = new Hls({ lowLatencyMode: true, liveSyncDurationCount: 2 });
      this.hls = hls;
      hls.loadSource(answer.hls);
      hls.attachMedia(this.video);
      await new Promise((resolve, reject) => {
        hls.on(Hls.Events.MANIFEST_PARSED, resolve);
        hls.on(Hls.Events.ERROR, (/** @type {any} */ _e, /** @type {any} */ data) => {
          if (!data.fatal) return;
          reject(new Error(`HLS: ${data.details}`));
          if (this.hls === hls && this.mode === 'hls') void this.recover(`HLS: ${data.details}`);
        });
      });
    } else if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = answer.hls; // Safari plays HLS natively.
    } else {
      throw new Error('this browser plays neither WebRTC for this codec nor HLS');
    }
    this.mode = 'hls';
    await this.video.play().catch(() => {});
  }

  /** @returns {Promise<PlayerStats>} */
  async stats() {
    const s = {
      mode: this.mode,
      codec: this.videoCodec ?? '?',
      width: this.video.videoWidth,
      height: this.video.videoHeight,
      fps: 0,
      kbps: 0,
      latencyMs: /** @type {number|null} */ (null),
      framesDecoded: 0,
    };
    if (this.pc) {
      const report = await this.pc.getStats();
      report.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          const codec = r.codecId ? report.get(r.codecId) : undefined;
          if (codec?.mimeType) s.codec = codec.mimeType.replace('video/', '');
          s.fps = Math.round(r.framesPerSecond ?? 0);
          s.framesDecoded = r.framesDecoded ?? 0;
          const now = performance.now();
          if (this.lastAt)
            s.kbps = Math.round(((r.bytesReceived - this.lastBytes) * 8) / (now - this.lastAt));
          this.lastBytes = r.bytesReceived;
          this.lastAt = now;
          if (r.jitterBufferEmittedCount)
            s.latencyMs = Math.round((r.jitterBufferDelay / r.jitterBufferEmittedCount) * 1000);
        }
      });
    } else if (this.hls) {
      s.latencyMs = Math.round((this.hls.latency ?? 0) * 1000);
      s.kbps = Math.round((this.hls.bandwidthEstimate ?? 0) / 1000);
      const q = this.video.getVideoPlaybackQuality?.();
      s.framesDecoded = q?.totalVideoFrames ?? 0;
    }
    return s;
  }

  /** Frames decoded by what plays now (it restarts from 0 with each new start). */
  async framesDecoded() {
    if (this.pc) {
      let n = 0;
      (await this.pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') n = r.framesDecoded ?? 0;
      });
      return n;
    }
    return this.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  }

  closeWebRtc() {
    if (this.whepSession) fetch(this.whepSession, { method: 'DELETE' }).catch(() => {});
    this.whepSession = null;
    this.pc?.close();
    this.pc = null;
  }

  /** Stops what plays now (a new start or the end follows). */
  closeMedia() {
    this.closeWebRtc();
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.srcObject = null;
    this.mode = 'idle';
  }

  close() {
    this.closed = true;
    clearInterval(this.watchdog);
    this.closeMedia();
  }
}
