// One WHIP publisher (RFC 9725): a receive-only werift peer answering the browser's offer with one
// G.711 payload (whip-offer.ts), non-trickle, ice-lite, one host candidate on the public address
// (the WHEP settings, docs/browser-notes.md §2.3). Received RTP of the chosen payload type is cut
// into 20 ms frames and handed on; comfort noise and DTMF packets are ignored. The session ends
// when the browser leaves (DELETE, ICE failure) or goes silent.
import { RTCPeerConnection, RTCRtpCodecParameters, type RTCPeerConnectionConfig } from 'werift';
import { G711Framer } from '../../../codecs/g711/framer.js';
import { GatewayError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { viewerPeerConfig, type WebRtcNetworkOptions } from '../../outputs/webrtc/peer-config.js';
import { keepCandidatesOn, listCandidates, narrowPayloadTypes } from '../../outputs/webrtc/sdp-munge.js';
import type { AudioFrame } from '../audio-frame.js';
import type { WhipOffer } from './whip-offer.js';

const log = createLogger('gateway:whip');

export type PublisherEnd = 'publisher-left' | 'publisher-silent' | 'connect-timeout' | 'talk-ended';

export interface WhipPublisherOptions {
  id: string;
  offer: WhipOffer;
  net: WebRtcNetworkOptions;
  /** Runs candidate gathering one peer at a time (werift's port scan is not race-free). */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  onFrame(frame: AudioFrame): void;
  onEnded(publisher: WhipPublisher, reason: PublisherEnd): void;
  /** ICE + DTLS must complete within this. Default 15 000 ms. */
  connectTimeoutMs?: number;
  /** No audio for this long after connecting ends the session. Default 15 000 ms. */
  silenceTimeoutMs?: number;
}

/** The viewer's network settings with G.711 as the only audio codecs (static PTs, RFC 3551). */
export function publisherPeerConfig(net: WebRtcNetworkOptions): RTCPeerConnectionConfig {
  return {
    ...viewerPeerConfig(net),
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
      ],
      video: [],
    },
  };
}

export class WhipPublisher {
  readonly id: string;
  readonly createdAt = new Date();
  state: 'connecting' | 'connected' | 'closed' = 'connecting';
  answer = '';
  readonly stats = { packets: 0, frames: 0, ignored: 0 };
  readonly #o: WhipPublisherOptions;
  readonly #pc: RTCPeerConnection;
  readonly #framer: G711Framer;
  #connectTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastPacketAt = 0;

  private constructor(opts: WhipPublisherOptions) {
    this.id = opts.id;
    this.#o = opts;
    this.#pc = new RTCPeerConnection(publisherPeerConfig(opts.net));
    this.#framer = new G711Framer(opts.offer.law);
  }

  /** Builds the peer and the answer; rejects with a GatewayError (and cleans up) on failure. */
  static async open(opts: WhipPublisherOptions): Promise<WhipPublisher> {
    const p = new WhipPublisher(opts);
    try {
      await p.#negotiate();
      return p;
    } catch (err) {
      p.close('publisher-left');
      if (err instanceof GatewayError) {
        throw err;
      }
      throw new GatewayError(
        'GW_ERR_WEBRTC_FAILED',
        `the WHIP session could not be set up: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  get law(): AudioFrame['law'] {
    return this.#o.offer.law;
  }

  /** Idempotent. */
  close(reason: PublisherEnd): void {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    clearTimeout(this.#connectTimer);
    clearInterval(this.#watchdog);
    for (const payload of this.#framer.flush()) {
      this.#o.onFrame({ law: this.law, payload });
    }
    this.#pc.close().catch((err: unknown) => log.debug({ publisher: this.id, err }, 'peer close failed'));
    log.info({ publisher: this.id, reason, stats: this.stats }, 'WHIP publisher closed');
    this.#o.onEnded(this, reason);
  }

  async #negotiate(): Promise<void> {
    const { offer, net } = this.#o;
    const audio = this.#pc.addTransceiver('audio', { direction: 'recvonly' });
    // werift announces the remote track inside setRemoteDescription: listen before it.
    audio.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.#rtp(rtp.header.payloadType, rtp.payload));
    });
    // One payload type in what werift reads, so it cannot pick another (pitfall 4).
    const keep = new Map([[offer.index, [offer.payloadType]]]);
    await this.#pc.setRemoteDescription({ type: 'offer', sdp: narrowPayloadTypes(offer.sdp, keep) });
    const local = await this.#o.serialize(async () => {
      await this.#pc.setLocalDescription(await this.#pc.createAnswer());
      await this.#waitForGathering(5000);
      return this.#pc.localDescription?.sdp ?? '';
    });
    const { sdp } = keepCandidatesOn(local, [net.publicIp]);
    if (listCandidates(sdp).length === 0) {
      throw new GatewayError(
        'GW_ERR_WEBRTC_FAILED',
        `no UDP port could be bound for ${net.publicIp} (is the WebRTC port range exhausted?)`,
      );
    }
    this.answer = sdp;
    this.#pc.connectionStateChange.subscribe((s) => this.#state(s));
    this.#connectTimer = setTimeout(() => {
      if (this.state === 'connecting') {
        this.close('connect-timeout');
      }
    }, this.#o.connectTimeoutMs ?? 15_000);
    this.#connectTimer.unref();
  }

  #rtp(payloadType: number, payload: Uint8Array): void {
    if (this.state === 'closed') {
      return;
    }
    if (payloadType !== this.#o.offer.payloadType) {
      this.stats.ignored++;
      return;
    }
    this.stats.packets++;
    this.#lastPacketAt = performance.now();
    for (const frame of this.#framer.push(payload)) {
      this.stats.frames++;
      this.#o.onFrame({ law: this.law, payload: frame });
    }
  }

  #state(s: string): void {
    if (this.state === 'closed') {
      return;
    }
    if (s === 'connected' && this.state === 'connecting') {
      this.state = 'connected';
      clearTimeout(this.#connectTimer);
      log.info({ publisher: this.id, law: this.law }, 'WHIP publisher connected');
      this.#lastPacketAt = performance.now();
      const silenceMs = this.#o.silenceTimeoutMs ?? 15_000;
      this.#watchdog = setInterval(
        () => {
          if (performance.now() - this.#lastPacketAt > silenceMs) {
            this.close('publisher-silent');
          }
        },
        Math.min(1000, silenceMs / 2),
      );
      this.#watchdog.unref();
    } else if (s === 'failed' || s === 'closed') {
      this.close('publisher-left');
    }
  }

  #waitForGathering(timeoutMs: number): Promise<void> {
    if (this.#pc.iceGatheringState === 'complete') {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = this.#pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          done();
        }
      });
      function done(): void {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }
}
