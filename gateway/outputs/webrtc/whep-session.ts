// One WHEP viewer: a werift RTCPeerConnection answering the viewer's offer (non-trickle, so
// the answer carries the gateway's only candidate; RFC 9725 §4.3), and the WebRtcSink that
// joins the stream once DTLS is up, so the hub's GOP replay reaches a connected peer.
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import type { AudioCodec, VideoCodec } from '../../../codecs/types.js';
import { createLogger } from '../../log.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import type { NegotiationPlan } from './codec-select.js';
import { WhepError } from './errors.js';
import type { FanoutScheduler } from './fanout-scheduler.js';
import type { PacketizeCache } from './packetize-cache.js';
import { viewerPeerConfig, type WebRtcNetworkOptions } from './peer-config.js';
import { RtcpSession } from './rtcp-session.js';
import { viaWeriftSender, type RtpSendTarget } from './rtp-writer.js';
import { keepCandidatesOn, listCandidates, narrowPayloadTypes, sectionPayloadTypes } from './sdp-munge.js';
import type { ParsedOffer } from './sdp-offer.js';
import { udpSendQueueBytes } from './socket-queue.js';
import { SrtpTrackSender } from './srtp-sender.js';
import { WebRtcSink, type WebRtcSinkStats } from './webrtc-sink.js';

const log = createLogger('gateway:webrtc');

/** What a session needs from the hub; gateway/hub/stream.ts Stream satisfies it. */
export interface WhepStream {
  readonly id: string;
  readonly info: {
    videoCodec?: VideoCodec;
    audioCodec?: AudioCodec;
    width?: number;
    height?: number;
    hasBFrames: boolean;
  };
  subscribe(sink: Sink, opts?: { viewer?: boolean }): () => void;
  requestKeyframe(): void;
  onClose(cb: (cause: string) => void): void;
  /** On-demand start (INVITE); idempotent. */
  start?(): Promise<void>;
  readonly closed?: boolean;
}

export interface WhepSessionOptions {
  id: string;
  /** Where the sink subscribes: the stream itself, or the transcoder's H.264 output. */
  media: WhepStream;
  offer: ParsedOffer;
  plan: NegotiationPlan;
  net: WebRtcNetworkOptions;
  cache: PacketizeCache;
  scheduler?: FanoutScheduler;
  /** Runs candidate gathering one peer at a time (werift's port scan is not race-free). */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  /** ICE+DTLS must complete within this. Default 15000 ms. */
  connectTimeoutMs?: number;
  /**
   * A connected viewer that sends no RTCP for this long is gone (closed tab, lost network).
   * As the ice-lite side the gateway runs no consent checks (RFC 7675 §4 leaves them to the
   * full agent), so without this a vanished browser would be sent media forever. Browsers
   * send receiver reports every 1-5 s. Default 15000 ms.
   */
  viewerTimeoutMs?: number;
  /** 'direct' (default): SrtpTrackSender + our SR/NACK; 'werift': RTCRtpSender.sendRtp (for comparison). */
  sendPath?: 'direct' | 'werift';
  /** Called once when the session ends, for the registry. */
  onEnded(session: WhepSession, reason: string): void;
}

type SessionState = 'connecting' | 'connected' | 'closed';

export class WhepSession {
  readonly id: string;
  readonly createdAt = new Date();
  state: SessionState = 'connecting';
  answer = '';
  private readonly pc: RTCPeerConnection;
  private sink: WebRtcSink | undefined;
  private rtcp: RtcpSession | undefined;
  private unsubscribe: (() => void) | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: WhepSessionOptions) {
    this.id = opts.id;
    this.pc = new RTCPeerConnection(viewerPeerConfig(opts.net));
  }

  /** Builds the peer and the answer; rejects with WhepError (and cleans up) on failure. */
  static async open(opts: WhepSessionOptions): Promise<WhepSession> {
    const session = new WhepSession(opts);
    try {
      await session.negotiate();
      return session;
    } catch (err) {
      session.close('sink-error');
      if (err instanceof WhepError) {
        throw err;
      }
      log.warn({ session: opts.id, err }, 'WHEP negotiation failed');
      throw new WhepError(
        'GW_ERR_WEBRTC_FAILED',
        `the WebRTC session could not be set up: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  get stats(): WebRtcSinkStats | undefined {
    return this.sink?.stats;
  }

  get rtcpStats(): RtcpSession['stats'] | undefined {
    return this.rtcp?.stats;
  }

  /** The peer connection, for tests that inspect werift state. */
  get peer(): RTCPeerConnection {
    return this.pc;
  }

  /** Idempotent. Stops the sink (unsubscribing it from the hub) and closes the peer. */
  close(reason: CloseReason): void {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    clearTimeout(this.disconnectTimer);
    clearInterval(this.watchdog);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.rtcp?.stop();
    this.sink?.close(reason);
    this.pc.close().catch((err: unknown) => log.debug({ session: this.id, err }, 'peer close failed'));
    log.info(
      {
        session: this.id,
        stream: this.opts.media.id,
        reason,
        stats: this.sink?.stats,
        rtcp: this.rtcp?.stats,
      },
      'WHEP session closed',
    );
    this.opts.onEnded(this, reason);
  }

  private async negotiate(): Promise<void> {
    const { plan, offer, net } = this.opts;
    const video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    const audio = plan.audio ? this.pc.addTransceiver('audio', { direction: 'sendonly' }) : undefined;
    const keep = new Map<number, number[]>([[plan.video.index, [plan.video.codec.payloadType]]]);
    if (plan.audio) {
      keep.set(plan.audio.index, [plan.audio.codec.payloadType]);
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp: narrowPayloadTypes(offer.sdp, keep) });
    const local = await this.opts.serialize(async () => {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await this.waitForGathering(5000);
      return this.pc.localDescription?.sdp ?? '';
    });
    // werift copies every matching offered PT into the answer (pitfall 4): after narrowing
    // there should be exactly one; narrow the answer too if a werift change ever adds more.
    let sdp = local;
    const sent = sectionPayloadTypes(sdp, plan.video.index);
    if (sent.length !== 1 || sent[0] !== plan.video.codec.payloadType) {
      log.warn({ session: this.id, sent }, 'werift answered extra video payload types; narrowing the answer');
      sdp = narrowPayloadTypes(sdp, keep);
    }
    const { sdp: trimmed, removed } = keepCandidatesOn(sdp, [net.publicIp]);
    if (removed > 0) {
      log.warn({ session: this.id, removed }, 'dropped answer candidates not on the public IP');
    }
    if (listCandidates(trimmed).length === 0) {
      throw new WhepError(
        'GW_ERR_WEBRTC_FAILED',
        `no UDP port could be bound for ${net.publicIp} (is the WebRTC port range exhausted?)`,
      );
    }
    this.answer = trimmed;
    this.createSink(video, audio);
    this.pc.connectionStateChange.subscribe((s) => this.onConnectionState(s));
    this.connectTimer = setTimeout(() => {
      if (this.state === 'connecting') {
        this.close('viewer-left');
      }
    }, this.opts.connectTimeoutMs ?? 15_000);
    this.connectTimer.unref();
  }

  /** BUNDLE (max-bundle): one DTLS transport carries both tracks and all RTCP. */
  private createSink(video: RTCRtpTransceiver, audio: RTCRtpTransceiver | undefined): void {
    const { plan, media } = this.opts;
    const dtls = video.sender.dtlsTransport;
    const direct = (this.opts.sendPath ?? 'direct') === 'direct';
    const target = (t: RTCRtpTransceiver, clockRate: number): RtpSendTarget & { track?: SrtpTrackSender } => {
      if (!direct) {
        return viaWeriftSender(t.sender);
      }
      const track = new SrtpTrackSender(dtls, t.sender.ssrc, clockRate);
      return { send: (p) => track.send(p), track };
    };
    const videoTarget = target(video, 90_000);
    const audioTarget = audio && plan.audio ? target(audio, 8000) : undefined;
    const sink = new WebRtcSink({
      id: `whep:${this.id}`,
      video: {
        target: videoTarget,
        payloadType: video.sender.codec?.payloadType ?? plan.video.codec.payloadType,
        codec: plan.video.sendCodec,
      },
      ...(audio && audioTarget && plan.audio
        ? {
            audio: {
              target: audioTarget,
              payloadType: audio.sender.codec?.payloadType ?? plan.audio.codec.payloadType,
              codec: plan.audio.sendCodec,
            },
          }
        : {}),
      cache: this.opts.cache,
      ...(this.opts.scheduler ? { scheduler: this.opts.scheduler } : {}),
      requestKeyframe: () => media.requestKeyframe(),
      socketQueueBytes: () => udpSendQueueBytes(this.pc),
      // The hub closed the sink (stream ended, slow consumer, codec change): end the session.
      onClose: (reason) => this.close(reason),
    });
    const tracks = [videoTarget.track, audioTarget?.track].filter(
      (t): t is SrtpTrackSender => t !== undefined,
    );
    this.rtcp = new RtcpSession({
      dtls,
      videoSsrc: video.sender.ssrc,
      onKeyframeRequest: () => sink.onKeyframeRequest(),
      ...(direct ? { tracks } : {}),
      cname: this.pc.cname,
    });
    this.rtcp.start();
    this.sink = sink;
  }

  private onConnectionState(state: string): void {
    if (this.state === 'closed') {
      return;
    }
    if (state === 'connected') {
      clearTimeout(this.disconnectTimer);
      this.disconnectTimer = undefined;
      if (this.state === 'connecting' && this.sink) {
        this.state = 'connected';
        clearTimeout(this.connectTimer);
        log.info({ session: this.id, stream: this.opts.media.id }, 'WHEP viewer connected');
        // Subscribing replays the GOP cache synchronously, starting at a keyframe.
        this.unsubscribe = this.opts.media.subscribe(this.sink);
        this.startWatchdog();
      }
    } else if (state === 'failed' || state === 'closed') {
      this.close('viewer-left');
    } else if (state === 'disconnected' && !this.disconnectTimer) {
      // RFC 7675 consent may come back; give ICE a few seconds before giving up.
      this.disconnectTimer = setTimeout(() => this.close('viewer-left'), 10_000);
      this.disconnectTimer.unref();
    }
  }

  private startWatchdog(): void {
    const timeoutMs = this.opts.viewerTimeoutMs ?? 15_000;
    this.rtcp!.lastReceivedMs = performance.now();
    this.watchdog = setInterval(
      () => {
        if (performance.now() - this.rtcp!.lastReceivedMs > timeoutMs) {
          log.info({ session: this.id, timeoutMs }, 'WHEP viewer silent (no RTCP); closing');
          this.close('viewer-left');
        }
      },
      Math.min(5000, timeoutMs / 2),
    );
    this.watchdog.unref();
  }

  private waitForGathering(timeoutMs: number): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = this.pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
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
