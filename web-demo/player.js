// @ts-check
// Plays one gateway stream in a <video>: WebRTC over WHEP (RFC 9725) first, HLS (hls.js) when
// WebRTC cannot carry it (H.265 without a browser decoder, B-frames) or fails to connect.

/**
 * @typedef {{ streamId: string, whep: string, hls: string, codec: { video: string|null, audio: string|null } }} PlayAnswer
 * @typedef {{ mode: string, codec: string, width: number, height: number, fps: number, kbps: number, latencyMs: number|null, framesDecoded: number }} PlayerStats
 */

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
  }

  /** @param {PlayAnswer} answer @returns {Promise<string>} mode used */
  async play(answer) {
    this.videoCodec = answer.codec.video;
    try {
      await this.playWhep(answer);
      return 'webrtc';
    } catch (err) {
      console.info('WebRTC unavailable, falling back to HLS:', err instanceof Error ? err.message : err);
      this.closeWebRtc();
      await this.playHls(answer);
      return 'hls';
    }
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
        hls.on(
          Hls.Events.ERROR,
          (/** @type {any} */ _e, /** @type {any} */ data) =>
            data.fatal && reject(new Error(`HLS: ${data.details}`)),
        );
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

  closeWebRtc() {
    if (this.whepSession) fetch(this.whepSession, { method: 'DELETE' }).catch(() => {});
    this.whepSession = null;
    this.pc?.close();
    this.pc = null;
  }

  close() {
    this.closeWebRtc();
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.srcObject = null;
    this.mode = 'idle';
  }
}
