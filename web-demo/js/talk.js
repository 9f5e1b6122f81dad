// @ts-check
// Push-to-talk on a live tile (docs/voice.md §3): hold the button and the microphone goes to the
// channel's speaker over WHIP (RFC 9725) as G.711; the tile's own audio (the camera's answer)
// plays while talking. The first press starts the talk; releasing mutes the microphone, and the
// talk ends after IDLE_MS without a press or when the tile closes. A level meter shows what the
// microphone picks up. Browsers give the microphone to secure pages only: https:// or loopback.
import { api, messageOf } from './api.js';

/** A talk nobody pressed for this long is hung up (BYE to the device). */
const IDLE_MS = 20_000;

/** Chromium gathers no loopback candidate and .local names need multicast DNS: send none of them. */
function stripLocalCandidates(/** @type {string} */ sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !(line.startsWith('a=candidate:') && /\.local /.test(line)))
    .join('\r\n');
}

/** G.711 first: the gateway answers PCMA/PCMU and never Opus (no transcoding toward devices). */
function preferG711(/** @type {RTCRtpTransceiver} */ transceiver) {
  const caps = RTCRtpSender.getCapabilities?.('audio');
  if (!caps || !transceiver.setCodecPreferences) return;
  const g711 = caps.codecs.filter((c) => /audio\/(PCMA|PCMU)/i.test(c.mimeType));
  const rest = caps.codecs.filter((c) => !/audio\/(PCMA|PCMU)/i.test(c.mimeType));
  try {
    transceiver.setCodecPreferences([...g711, ...rest]);
  } catch {
    /* older browsers check against receive capabilities only; the offer still lists G.711 */
  }
}

async function waitIceGathering(/** @type {RTCPeerConnection} */ pc, /** @type {number} */ timeoutMs) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    pc.addEventListener(
      'icegatheringstatechange',
      () => pc.iceGatheringState === 'complete' && resolve(undefined),
    );
    setTimeout(resolve, timeoutMs);
  });
}

/** The microphone's level in dBFS, read from an AnalyserNode (RMS of the last block). */
class LevelMeter {
  constructor(/** @type {MediaStream} */ stream, /** @type {(dbfs: number) => void} */ onLevel) {
    this.ctx = new AudioContext();
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 1024;
    this.ctx.createMediaStreamSource(stream).connect(this.analyser);
    this.buf = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(this.buf);
      let sum = 0;
      for (const v of this.buf) sum += v * v;
      const rms = Math.sqrt(sum / this.buf.length);
      onLevel(rms > 0 ? 20 * Math.log10(rms) : -120);
    }, 100);
  }
  close() {
    clearInterval(this.timer);
    this.ctx.close().catch(() => {});
  }
}

/**
 * @typedef {{ el: HTMLElement, video: HTMLVideoElement, deviceId?: string, channelId?: string }} TalkTile
 */

class TileTalk {
  constructor(/** @type {TalkTile} */ tile) {
    this.tile = tile;
    /** @type {RTCPeerConnection|null} */ this.pc = null;
    /** @type {MediaStream|null} */ this.mic = null;
    /** @type {LevelMeter|null} */ this.meter = null;
    /** @type {string|null} */ this.session = null;
    /** @type {Promise<void>|null} */ this.starting = null;
    this.pressed = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */ this.idle = undefined;
    const box = document.createElement('div');
    box.className = 'talk';
    box.innerHTML =
      '<button class="ptt" title="Hold to talk through the camera speaker">🎤 Hold to talk</button>' +
      '<span class="level" aria-label="Microphone level"><span></span></span>';
    this.box = box;
    this.button = /** @type {HTMLButtonElement} */ (box.querySelector('.ptt'));
    this.bar = /** @type {HTMLElement} */ (box.querySelector('.level > span'));
    const down = (/** @type {Event} */ e) => {
      e.preventDefault();
      e.stopPropagation();
      void this.press();
    };
    const up = () => this.release();
    this.button.addEventListener('pointerdown', down);
    this.button.addEventListener('pointerup', up);
    this.button.addEventListener('pointerleave', up);
    this.button.addEventListener('click', (e) => e.stopPropagation());
    this.button.addEventListener('keydown', (e) => e.key === ' ' && !e.repeat && down(e));
    this.button.addEventListener('keyup', (e) => e.key === ' ' && up());
    tile.el.append(box);
    this.state('idle');
  }

  state(/** @type {string} */ s, /** @type {string} */ detail = '') {
    this.tile.el.dataset.talkState = s;
    this.button.textContent =
      s === 'talking' ? '🎤 Talking…' : s === 'connecting' ? '🎤 Connecting…' : '🎤 Hold to talk';
    this.button.title = detail || 'Hold to talk through the camera speaker';
    this.box.classList.toggle('error', s === 'error');
  }

  async press() {
    this.pressed = true;
    clearTimeout(this.idle);
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
      this.state(
        'error',
        'The microphone needs a secure page: open the gateway over https:// (--tls-cert/--tls-key) or on localhost.',
      );
      return;
    }
    try {
      if (!this.pc) this.starting ??= this.start();
      await this.starting;
    } catch (err) {
      this.stop();
      this.state('error', messageOf(err));
      return;
    }
    if (!this.pressed) return; // released while connecting
    for (const t of this.mic?.getAudioTracks() ?? []) t.enabled = true;
    // Talk mode: the camera's answer comes on the tile's own stream.
    this.tile.video.muted = false;
    this.state('talking');
  }

  release() {
    if (!this.pressed) return;
    this.pressed = false;
    for (const t of this.mic?.getAudioTracks() ?? []) t.enabled = false;
    if (this.pc) this.state('muted');
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), IDLE_MS);
  }

  async start() {
    const { deviceId, channelId } = this.tile;
    this.state('connecting');
    this.mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    this.meter = new LevelMeter(this.mic, (dbfs) => {
      this.tile.el.dataset.talkLevel = dbfs.toFixed(1);
      this.bar.style.width = `${Math.max(0, Math.min(100, ((dbfs + 60) / 60) * 100))}%`;
    });
    const talk = await api(`/api/devices/${deviceId}/channels/${channelId}/talk`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'talk' }),
    });
    this.tile.el.dataset.talkId = talk.talkId;
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    const transceiver = pc.addTransceiver(this.mic.getAudioTracks()[0], { direction: 'sendonly' });
    preferG711(transceiver);
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathering(pc, 1000);
    const res = await fetch(talk.whip, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: stripLocalCandidates(pc.localDescription?.sdp ?? ''),
    });
    if (res.status !== 201) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body?.error?.message ?? `WHIP answered ${res.status}`);
    }
    // The Location carries the talk's token: the DELETE needs nothing else (RFC 9725 §4.3).
    this.session = res.headers.get('Location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.stop();
    });
  }

  /** Hangs up: DELETE the WHIP session (the gateway ends the talk with BYE). */
  stop() {
    clearTimeout(this.idle);
    if (this.session) fetch(this.session, { method: 'DELETE' }).catch(() => {});
    this.session = null;
    this.starting = null;
    this.pc?.close();
    this.pc = null;
    for (const t of this.mic?.getTracks() ?? []) t.stop();
    this.mic = null;
    this.meter?.close();
    this.meter = null;
    this.bar.style.width = '0';
    this.tile.video.muted = true;
    if (this.tile.el.dataset.talkState !== 'error') this.state('idle');
  }

  remove() {
    this.stop();
    this.box.remove();
  }
}

/** @type {WeakMap<HTMLElement, TileTalk>} */
const talks = new WeakMap();

/** Puts the push-to-talk control on a tile playing a channel's live stream. */
export function attachTalk(/** @type {TalkTile} */ tile) {
  detachTalk(tile);
  if (tile.deviceId && tile.channelId) talks.set(tile.el, new TileTalk(tile));
}

/** Hangs up and removes the control (the tile closes or plays something else). */
export function detachTalk(/** @type {TalkTile} */ tile) {
  talks.get(tile.el)?.remove();
  talks.delete(tile.el);
}
