// A WHIP publisher made of werift (RFC 9725), for tests and the voice benchmark: offers a
// send-only audio track with the codecs asked for, POSTs the offer, and sends a G.711 tone in
// real time, 20 ms per packet, noting when each packet left so a receiver can measure delay.
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { encodeAlaw, encodeUlaw } from '../../codecs/g711/g711.js';
import { serializeRtp } from '../../codecs/rtp/packet.js';

type OfferCodec = 'PCMA' | 'PCMU' | 'opus';

const CODECS: Record<OfferCodec, RTCRtpCodecParameters> = {
  opus: new RTCRtpCodecParameters({
    mimeType: 'audio/opus',
    clockRate: 48_000,
    channels: 2,
    payloadType: 111,
  }),
  PCMU: new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  PCMA: new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
};

export class WhipTestPublisher {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  status = 0;
  location: string | undefined;
  answer = '';
  errorBody: { error?: { code?: string; message?: string } } | undefined;
  /** performance.now() when each sent frame left, by frame index. */
  readonly sentAt: number[] = [];
  #stopped = false;

  /** `url`: the talk's whip URL, absolute. `codecs`: in offer order (Chromium puts Opus first). */
  constructor(
    private readonly url: string,
    codecs: OfferCodec[] = ['opus', 'PCMU', 'PCMA'],
  ) {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: { audio: codecs.map((c) => CODECS[c]), video: [] },
      headerExtensions: { video: [], audio: [] },
      bundlePolicy: 'max-bundle',
    });
  }

  /** The send-only audio offer (also what connect() POSTs). */
  async offer(): Promise<string> {
    this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    for (const t of this.pc.iceTransports) {
      (t.connection as unknown as { stunServer?: unknown }).stunServer = undefined;
    }
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.pc.localDescription!.sdp;
  }

  async connect(): Promise<number> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: await this.offer(),
    });
    this.status = res.status;
    if (res.status !== 201) {
      this.errorBody = (await res.json().catch(() => undefined)) as typeof this.errorBody;
      await this.pc.close();
      return res.status;
    }
    this.location = res.headers.get('location') ?? undefined;
    this.answer = await res.text();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: this.answer });
    return res.status;
  }

  async connected(timeoutMs = 10_000): Promise<void> {
    if (this.pc.connectionState !== 'connected') {
      await this.pc.connectionStateChange.watch((s) => s === 'connected', timeoutMs);
    }
  }

  /** The payload type the answer chose. */
  get answeredPayloadType(): number | undefined {
    const m = /m=audio \d+ \S+ (\d+)/.exec(this.answer);
    return m ? Number(m[1]) : undefined;
  }

  /**
   * Sends `seconds` of a sine (or silence when hz is 0) in the answered law, one packet every
   * 20 ms on a drift-free schedule. `shape(i)` may change the amplitude per frame (bursts).
   */
  async sendTone(hz: number, seconds: number, shape: (frame: number) => number = () => 0.5): Promise<void> {
    const law = this.answeredPayloadType === 0 ? 'PCMU' : 'PCMA';
    const frames = Math.round(seconds * 50);
    const t0 = performance.now();
    let sequence = 1;
    let phase = 0;
    for (let i = 0; i < frames && !this.#stopped; i++) {
      const due = t0 + i * 20;
      const wait = due - performance.now();
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, wait));
      }
      const amplitude = shape(i);
      const pcm = new Int16Array(160);
      for (let k = 0; k < 160; k++) {
        pcm[k] = Math.round(amplitude * 32767 * Math.sin(phase));
        phase += (2 * Math.PI * hz) / 8000;
      }
      const payload = law === 'PCMA' ? encodeAlaw(pcm) : encodeUlaw(pcm);
      const packet = serializeRtp({
        payloadType: law === 'PCMA' ? 8 : 0,
        sequence: sequence++ & 0xffff,
        timestamp: i * 160,
        ssrc: 1,
        marker: i === 0,
        csrcs: [],
        paddingLength: 0,
        payload,
      });
      this.sentAt[i] = performance.now();
      this.track.writeRtp(Buffer.from(packet));
    }
  }

  /** DELETE the session at its Location (the URL carries the token, RFC 9725 §4.3). */
  async delete(): Promise<number> {
    if (!this.location) {
      return 0;
    }
    const res = await fetch(new URL(this.location, this.url), { method: 'DELETE' });
    return res.status;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.pc.close();
  }
}
