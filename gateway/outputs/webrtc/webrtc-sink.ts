// The WebRTC viewer as a hub Sink (docs/architecture.md §3): access units in, RTP to one werift peer
// out. Video is H.264/H.265 passed through (RFC 6184 / RFC 7798 payloads from the shared
// PacketizeCache), audio is PCMA/PCMU passed through at 8 kHz. After a PLI (RFC 4585 §6.3.1)
// or FIR (RFC 5104 §4.3.1) the viewer's decoder has lost its reference: the hub holds this
// sink's video until the next keyframe and asks the camera for one (Stream.requestKeyframe),
// so the first video this sink gets, then and at the start, is always a keyframe.
import type { AccessUnit, VideoCodec } from '../../../codecs/types.js';
import type { CloseReason, Sink } from '../../hub/sink.js';
import type { FanoutJob, FanoutScheduler } from './fanout-scheduler.js';
import type { PacketizeCache, PacketizedAu } from './packetize-cache.js';
import { RtpWriter, type RtpSendTarget } from './rtp-writer.js';

export interface WebRtcSinkOptions {
  id: string;
  video: { target: RtpSendTarget; payloadType: number; codec: VideoCodec };
  audio?: { target: RtpSendTarget; payloadType: number; codec: 'PCMA' | 'PCMU' };
  cache: PacketizeCache;
  /** Absent: send synchronously inside write(). */
  scheduler?: FanoutScheduler;
  /** Stream.requestKeyframe(thisSink): the hub holds this sink's video until a keyframe and asks the device (rate-limited). */
  requestKeyframe(sink: Sink): void;
  /** Bytes queued in the viewer's UDP socket (dgram getSendQueueSize), if known. */
  socketQueueBytes?(): number | undefined;
  /**
   * Congested while this sink has sends queued behind a backlog older than this (the process
   * cannot keep up). Measured in time, not count: a new viewer's GOP replay queues ~150 AUs
   * at once and drains in milliseconds, which a count limit would mistake for congestion.
   * Default 500 ms.
   */
  maxQueueDelayMs?: number;
  /** Hard cap on queued sends per sink (memory bound). Default 1000. */
  maxPendingJobs?: number;
  /** Socket send-queue bytes above which the sink reports congestion. Default 1 MiB. */
  maxSocketQueueBytes?: number;
  /** The parent (the WHEP session) tears the peer down; called once. */
  onClose(reason: CloseReason): void;
}

export interface WebRtcSinkStats {
  videoAus: number;
  audioAus: number;
  /** PLI/FIR from the viewer. */
  keyframeRequests: number;
  videoPackets: number;
  audioPackets: number;
}

class SendJob implements FanoutJob {
  constructor(
    private readonly sink: WebRtcSink,
    private readonly writer: RtpWriter,
    private readonly au: PacketizedAu,
  ) {}

  run(): void {
    this.sink.pending--;
    if (!this.sink.closed) {
      this.writer.write(this.au);
    }
  }
}

export class WebRtcSink implements Sink {
  readonly id: string;
  closed = false;
  /** Sends queued in the scheduler and not yet run. */
  pending = 0;
  private readonly opts: WebRtcSinkOptions;
  private readonly videoWriter: RtpWriter;
  private readonly audioWriter: RtpWriter | undefined;
  private readonly counters = { videoAus: 0, audioAus: 0, keyframeRequests: 0 };

  constructor(opts: WebRtcSinkOptions) {
    this.id = opts.id;
    this.opts = opts;
    this.videoWriter = new RtpWriter(opts.video.target, opts.video.payloadType);
    this.audioWriter = opts.audio ? new RtpWriter(opts.audio.target, opts.audio.payloadType) : undefined;
  }

  get stats(): WebRtcSinkStats {
    return {
      ...this.counters,
      videoPackets: this.videoWriter.packets,
      audioPackets: this.audioWriter?.packets ?? 0,
    };
  }

  write(au: AccessUnit): void {
    if (this.closed) {
      return;
    }
    if (au.codec === 'H264' || au.codec === 'H265') {
      this.writeVideo(au);
    } else if (this.audioWriter && au.codec === this.opts.audio?.codec) {
      const p = this.opts.cache.get(au);
      if (!p) {
        return;
      }
      this.counters.audioAus++;
      this.send(this.audioWriter, p);
    }
  }

  /** From the peer: PLI or FIR for the video sender. */
  onKeyframeRequest(): void {
    if (this.closed) {
      return;
    }
    this.counters.keyframeRequests++;
    this.opts.requestKeyframe(this);
  }

  isCongested(): boolean {
    if (this.pending > 0 && this.opts.scheduler) {
      if (this.pending > (this.opts.maxPendingJobs ?? 1000)) {
        return true;
      }
      if (this.opts.scheduler.lagMs > (this.opts.maxQueueDelayMs ?? 500)) {
        return true;
      }
    }
    const queued = this.opts.socketQueueBytes?.();
    return queued !== undefined && queued > (this.opts.maxSocketQueueBytes ?? 1024 * 1024);
  }

  close(reason: CloseReason): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.opts.onClose(reason);
  }

  private writeVideo(au: AccessUnit): void {
    if (au.codec !== this.opts.video.codec) {
      // A guard: the session moves this sink (transcoder) or closes it when the hub reports a
      // codec change, so the negotiated decoder should never see another codec.
      this.close('unsupported-codec');
      return;
    }
    const p = this.opts.cache.get(au);
    if (!p) {
      return;
    }
    this.counters.videoAus++;
    this.send(this.videoWriter, p);
  }

  private send(writer: RtpWriter, p: PacketizedAu): void {
    const scheduler = this.opts.scheduler;
    if (!scheduler) {
      writer.write(p);
      return;
    }
    this.pending++;
    scheduler.enqueue(new SendJob(this, writer, p));
  }
}
