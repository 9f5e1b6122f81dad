// One WHEP viewer: a werift RTCPeerConnection answering the viewer's offer (non-trickle, so
// the answer carries the gateway's only candidate; RFC 9725 §4.3), and the WebRtcSink that
// joins the stream once DTLS is up, so the hub's GOP replay reaches a connected peer.
//
// The session follows what the hub reports about the camera (gateway/hub/media-events.ts):
// when the camera changes codec mid-stream, the sink moves to the stream that carries the
// negotiated codec (the camera itself, or the transcoder's H.264 view of an H.265 camera); when
// none does, or the camera starts sending B-frames, or stops sending at all (the stream
// stalled), the viewer is closed with the reason, which the diagnosis records and the viewer
// gets in an RTCP BYE (RFC 3550 §6.6).
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { CLOCK_HZ, type AudioCodec, type VideoCodec } from '../../../codecs/types.js';
import { createLogger } from '../../log.js';
import type { StreamMediaEvent, StreamMediaListener } from '../../hub/media-events.js';
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
import { shapeAnswer } from './sdp-answer.js';
import { sendQueueProbe } from './socket-queue.js';
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
    /** The camera has sent nothing for the stall timeout (hub/media-events.ts 'stalled'). */
    stalled?: boolean;
  };
  /** The returned function unsubscribes; a reason other than 'viewer-left' is reported by the hub. */
  subscribe(sink: Sink, opts?: { viewer?: boolean }): (reason?: CloseReason, detail?: string) => void;
  /** With `sink`: its video waits for the keyframe this asks for (a viewer's PLI/FIR). */
  requestKeyframe(sink?: Sink): void;
  onClose(cb: (cause: string) => void): void;
  onMedia(listener: StreamMediaListener): () => void;
  /** On-demand start (INVITE); idempotent. */
  start?(): Promise<void>;
  readonly closed?: boolean;
}

/** H.265 → H.264 for viewers without an H.265 decoder (transcoder.ts). */
export interface WhepTranscoder {
  /** An H.264 view of an H.265 stream, started on first use and stopped with its last viewer. */
  h264View(stream: WhepStream): WhepStream;
}

export interface WhepSessionOptions {
  id: string;
  /** The camera's stream. The sink subscribes to it, or to the transcoder's H.264 view of it. */
  stream: WhepStream;
  transcoder?: WhepTranscoder;
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
  /** Called once when ICE and DTLS are up (the viewer's slot stops counting as pending). */
  onConnected?(): void;
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
  /** Where the sink is (or will be) subscribed: the camera, or the transcoder's H.264 view. */
  private media: WhepStream;
  private sink: WebRtcSink | undefined;
  private rtcp: RtcpSession | undefined;
  private unsubscribe: ((reason?: CloseReason, detail?: string) => void) | undefined;
  private stopWatching: (() => void) | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: WhepSessionOptions) {
    this.id = opts.id;
    this.pc = new RTCPeerConnection(viewerPeerConfig(opts.net));
    const { stream, transcoder, plan } = opts;
    this.media = plan.video.transcode && transcoder ? transcoder.h264View(stream) : stream;
  }

  /** The stream the viewer's video comes from now (the camera, or the transcoder's view). */
  get source(): WhepStream {
    return this.media;
  }

  /** The camera's stream, watched for codec changes and stalls whichever stream feeds the video. */
  get camera(): WhepStream {
    return this.opts.stream;
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

  /**
   * Idempotent. Stops the sink (unsubscribing it from the hub, which records a reason other
   * than 'viewer-left'), tells a connected viewer why in an RTCP BYE, and closes the peer.
   */
  close(reason: CloseReason, detail?: string): void {
    if (this.state === 'closed') {
      return;
    }
    const connected = this.state === 'connected';
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    clearTimeout(this.disconnectTimer);
    clearInterval(this.watchdog);
    this.stopWatching?.();
    this.unsubscribe?.(reason, detail);
    this.unsubscribe = undefined;
    // The BYE must leave before the socket closes: closing a UDP handle cancels its pending sends.
    const bye =
      connected && reason !== 'viewer-left' && this.rtcp
        ? this.rtcp.bye(detail ? `${reason}: ${detail}` : reason)
        : undefined;
    this.rtcp?.stop();
    this.sink?.close(reason);
    const closePeer = (): void => {
      this.pc.close().catch((err: unknown) => log.debug({ session: this.id, err }, 'peer close failed'));
    };
    if (bye) {
      void bye.then(() => setImmediate(closePeer));
    } else {
      closePeer();
    }
    log.info(
      {
        session: this.id,
        stream: this.media.id,
        reason,
        detail,
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
      // werift found no free port in icePortRange: the range is full (peer-config.ts).
      throw new WhepError(
        'GW_ERR_WEBRTC_PORTS_EXHAUSTED',
        `no UDP port of the WebRTC port range could be bound for ${net.publicIp}: every one is in use (--webrtc-ports); use HLS or retry later`,
      );
    }
    this.answer = shapeAnswer(trimmed, { bundle: offer.bundled });
    this.createSink(video, audio);
    this.stopWatching = this.opts.stream.onMedia((e) => this.onCameraMedia(e));
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
    const { plan } = this.opts;
    const dtls = video.sender.dtlsTransport;
    const direct = (this.opts.sendPath ?? 'direct') === 'direct';
    const target = (t: RTCRtpTransceiver, clockRate: number): RtpSendTarget & { track?: SrtpTrackSender } => {
      if (!direct) {
        return viaWeriftSender(t.sender);
      }
      const track = new SrtpTrackSender(dtls, t.sender.ssrc, clockRate);
      return { send: (p) => track.send(p), track };
    };
    const videoTarget = target(video, CLOCK_HZ);
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
      requestKeyframe: (s) => this.media.requestKeyframe(s),
      socketQueueBytes: sendQueueProbe(this.pc),
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
        log.info({ session: this.id, stream: this.media.id }, 'WHEP viewer connected');
        this.opts.onConnected?.();
        // Subscribing replays the GOP cache synchronously, starting at a keyframe.
        this.unsubscribe = this.media.subscribe(this.sink);
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

  /** What the hub reports about the camera: runs before the access unit that caused it is written. */
  private onCameraMedia(e: StreamMediaEvent): void {
    if (e.type === 'stalled') {
      // Tell the viewer now (RTCP BYE, RFC 3550 §6.6) instead of leaving it on a frozen picture
      // until the no-media timeout; it may come back with a new offer once the camera does.
      this.close('stream-lost', `no media from the camera for ${(e.silentMs / 1000).toFixed(1)} s`);
    } else if (e.type === 'b-frames') {
      this.close(
        'b-frames',
        'the camera now sends B-frames, which browsers cannot decode over WebRTC; use HLS',
      );
    } else if (e.type === 'codec' && e.video && e.previous?.video && e.video !== e.previous.video) {
      this.follow(e.video);
    }
  }

  /** The camera changed its video codec: move the sink to the stream that carries the negotiated one. */
  private follow(video: VideoCodec): void {
    const { stream, transcoder, plan } = this.opts;
    const send = plan.video.sendCodec;
    const next =
      video === send
        ? stream
        : video === 'H265' && send === 'H264' && transcoder
          ? transcoder.h264View(stream)
          : undefined;
    if (!next) {
      const why =
        send === 'H264'
          ? `the camera changed to ${video}; this viewer has no ${video} decoder and transcoding is off`
          : `the camera changed to ${video}; this viewer negotiated ${send} only`;
      this.close('codec-changed', why);
      return;
    }
    if (next === this.media) {
      return;
    }
    log.info(
      { session: this.id, from: this.media.id, to: next.id, video },
      'WHEP viewer follows the codec change',
    );
    this.media = next;
    if (this.unsubscribe && this.sink) {
      this.unsubscribe();
      this.unsubscribe = next.subscribe(this.sink);
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
