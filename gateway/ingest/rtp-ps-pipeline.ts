// The transport-independent half of ingest (docs/architecture.md §2): one RTP packet at a time through
// parseRtp → SSRC guard → RtpReorderBuffer → PsDemuxer → onAccessUnit. No sockets, no timers:
// the UDP and TCP receivers feed it, IngestSession owns it. Never throws on input bytes.
import type { AccessUnit, AudioCodec, VideoCodec } from '../../codecs/types.js';
import { isRtp, parseRtp, type RtpPacket } from '../../codecs/rtp/packet.js';
import { RtpReorderBuffer } from '../../codecs/rtp/reorder.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { createLogger } from '../log.js';
import { FrameBoundaryLearner, type FrameBoundaryMode } from './frame-boundary.js';
import type { IngestEvent } from './ingest-events.js';
import { LogThrottle } from '../log-throttle.js';
import { SourceLock, type MediaSource } from './source-lock.js';
import { SsrcGuard, type SsrcMode } from './ssrc-guard.js';

const log = createLogger('gateway:ingest');

export interface RtpPsPipelineOptions {
  ssrcMode?: SsrcMode;
  expectedSsrc?: number;
  /**
   * UDP: take packets only from the first source (address:port) that delivers accepted ones
   * (source-lock.ts). Ignored in ssrcMode 'off'. Default false (TCP: the connection is the source).
   */
  lockSource?: boolean;
  /** Addresses signaling named for the device (SDP answer c=, registration); see source-lock.ts. */
  deviceAddresses?: readonly string[];
  /** Packets held to put reordered UDP packets back in sequence. Default 64. */
  reorderWindow?: number;
  onAccessUnit: (au: AccessUnit) => void;
  onEvent: (e: IngestEvent) => void;
  /** For log lines. */
  label?: string;
}

export interface IngestStats {
  /** RTP packets accepted (right SSRC). */
  packets: number;
  /** Bytes of accepted RTP packets. */
  bytes: number;
  /** Sequence numbers never received (reorder buffer gaps). */
  lost: number;
  reordered: number;
  duplicates: number;
  gaps: number;
  /** Packets from an SSRC the session does not accept. */
  ssrcMismatches: number;
  /** UDP: packets with an acceptable SSRC from a source other than the locked one. */
  sourceMismatches: number;
  /** Datagrams or framed packets that were not RTP (junk, RTCP). */
  nonRtp: number;
  demuxResyncs: number;
  demuxDroppedBytes: number;
  /** Access units the demuxer dropped as damaged (a gap inside them) or oversize. */
  demuxDroppedAccessUnits: number;
  accessUnits: number;
  videoFrames: number;
  keyframes: number;
  audioFrames: number;
  /** RTP marker / timestamp frame ends: 'learning', 'trusted' (frames leave on them) or 'off'. */
  frameHints: FrameBoundaryMode;
  /** Video frames emitted on an RTP frame end instead of when the next frame began. */
  framesEndedEarly: number;
  /** Times trusted RTP frame ends disagreed with the demuxer and were given up. */
  frameHintFailures: number;
}

export class RtpPsPipeline {
  private readonly guard: SsrcGuard;
  /** Undefined when sources are not checked (TCP, ssrcMode 'off'). */
  private readonly sources: SourceLock | undefined;
  private readonly reorder: RtpReorderBuffer;
  private readonly demuxer = new PsDemuxer();
  private readonly onAccessUnit: (au: AccessUnit) => void;
  private readonly emit: (e: IngestEvent) => void;
  private readonly throttle = new LogThrottle(log);
  private readonly label: string;
  private readonly counts = {
    packets: 0,
    bytes: 0,
    nonRtp: 0,
    gaps: 0,
    accessUnits: 0,
    videoFrames: 0,
    keyframes: 0,
    audioFrames: 0,
    framesEndedEarly: 0,
  };
  private readonly hints = new FrameBoundaryLearner();
  /** RTP timestamp of the last packet demuxed. */
  private lastTimestamp: number | undefined;
  private seenRtp = false;
  private seenPack = false;
  private seenKeyframe = false;
  private videoCodec: VideoCodec | undefined;
  private audioCodec: AudioCodec | undefined;
  /** Date.now() of the last accepted RTP packet; 0 before the first. */
  lastPacketMs = 0;

  constructor(opts: RtpPsPipelineOptions) {
    this.guard = new SsrcGuard(opts.ssrcMode ?? 'learn-first', opts.expectedSsrc);
    if (opts.lockSource && this.guard.mode !== 'off') {
      this.sources = new SourceLock();
      for (const a of opts.deviceAddresses ?? []) {
        this.sources.trust(a);
      }
    }
    this.reorder = new RtpReorderBuffer({ window: opts.reorderWindow ?? 64 });
    this.onAccessUnit = opts.onAccessUnit;
    this.emit = opts.onEvent;
    this.label = opts.label ?? '';
  }

  get stats(): IngestStats {
    const r = this.reorder.stats;
    const d = this.demuxer.stats;
    return {
      ...this.counts,
      lost: r.lost,
      reordered: r.reordered,
      duplicates: r.duplicates,
      ssrcMismatches: this.guard.mismatches,
      sourceMismatches: this.sources?.mismatches ?? 0,
      demuxResyncs: d.resyncs,
      demuxDroppedBytes: d.droppedBytes,
      demuxDroppedAccessUnits: d.droppedAccessUnits,
      frameHints: this.hints.mode,
      frameHintFailures: this.hints.failures,
    };
  }

  get ssrc(): number | undefined {
    return this.guard.locked;
  }

  setExpectedSsrc(ssrc: number): void {
    this.guard.setExpected(ssrc);
  }

  /** UDP: the source packets are taken from (undefined before the first accepted packet). */
  get source(): MediaSource | undefined {
    return this.sources?.locked;
  }

  /** An address signaling named for the device: a source there may take the stream over. */
  trustDeviceAddress(address: string): void {
    this.sources?.trust(address);
  }

  /** One RTP packet: a UDP datagram or one RFC 4571 frame. `bytes` may be kept (AU units are views). */
  push(bytes: Uint8Array, address: string, port: number): void {
    const packet = isRtp(bytes) ? parseRtp(bytes) : undefined;
    if (!packet) {
      this.counts.nonRtp++;
      this.warn('non-rtp', { address, port, length: bytes.length }, 'dropping non-RTP packet at media port');
      return;
    }
    const sources = this.sources;
    const match = sources ? sources.match(address, port) : 'same';
    const verdict = this.guard.check(packet.ssrc, match);
    if (verdict === 'reject-source') {
      if (sources!.reject(address, port)) {
        const locked = sources!.locked!;
        this.emit({ type: 'source-mismatch', address, port, ssrc: packet.ssrc, locked });
        this.warn(
          'source',
          { address, port, ssrc: packet.ssrc, locked: `${locked.address}:${locked.port}` },
          "RTP from a source other than the stream's dropped",
        );
      }
      return;
    }
    if (verdict === 'reject' || verdict === 'reject-new') {
      if (verdict === 'reject-new') {
        this.emit({ type: 'ssrc-mismatch', expected: this.guard.expected, got: packet.ssrc, address });
        this.warn(
          'ssrc',
          { address, port, ssrc: packet.ssrc, expected: this.guard.expected },
          'RTP from an unexpected SSRC dropped',
        );
      }
      return;
    }
    const moves = match === 'trusted' || match === 'unproven';
    if (verdict === 'switch') {
      this.emit({ type: 'ssrc-switch', from: undefined, to: packet.ssrc });
    }
    if (verdict === 'switch' || moves) {
      // before the lock moves: nothing of the old sender's unfinished frame joins the new one's
      this.discontinuity();
    }
    if (match === 'unlocked') {
      sources!.lock(address, port); // the first accepted source wins
    } else if (moves) {
      const from = sources!.locked!;
      sources!.lock(address, port);
      this.emit({ type: 'source-switch', from, to: sources!.locked! });
    }
    this.counts.packets++;
    this.counts.bytes += bytes.length;
    this.lastPacketMs = Date.now();
    if (!this.seenRtp) {
      this.seenRtp = true;
      this.emit({
        type: 'first-rtp',
        address,
        port,
        ssrc: packet.ssrc,
        payloadType: packet.payloadType,
        at: new Date(this.lastPacketMs),
      });
    }
    for (const out of this.reorder.push(packet)) {
      if (out.kind === 'gap') {
        this.counts.gaps++;
        this.demuxer.gap();
      } else {
        this.demux(out.packet);
      }
    }
  }

  /** TCP reconnect or SSRC switch: drain the reorder buffer and drop any partial access unit. */
  discontinuity(): void {
    this.drainReorder();
    this.demuxer.gap();
    this.lastTimestamp = undefined;
  }

  /** End of stream: emit everything complete, including the last access unit. */
  flush(): void {
    this.drainReorder();
    this.deliver(this.demuxer.flush());
  }

  /** Emits every held packet (gaps included); the reorder buffer then starts afresh. */
  private drainReorder(): void {
    for (const out of this.reorder.flush()) {
      if (out.kind === 'packet') {
        this.demux(out.packet);
      } else {
        this.demuxer.gap();
      }
    }
  }

  private demux(packet: RtpPacket): void {
    // A new timestamp: the previous packet ended a frame (2022 §4.3.6; ZLMediaKit's rule).
    if (this.lastTimestamp !== undefined && packet.timestamp !== this.lastTimestamp) {
      this.frameEnd();
    }
    this.lastTimestamp = packet.timestamp;
    const aus = this.demuxer.push(packet.payload);
    if (!this.seenPack && this.demuxer.stats.packs > 0) {
      this.seenPack = true;
      this.emit({ type: 'first-pack', at: new Date() });
    }
    this.updateHints();
    this.deliver(aus);
    if (packet.marker) {
      this.frameEnd(); // usually this frame's last packet
    }
  }

  /**
   * An RTP frame boundary: acted on once the stream has shown its boundaries agree with the
   * demuxer's (frame-boundary.ts), else only checked against them.
   */
  private frameEnd(): void {
    const state = this.demuxer.frameEnd;
    if (state === 'partial') {
      this.hints.partial();
    } else if (state === 'clean') {
      if (this.hints.mode === 'trusted') {
        const aus = this.demuxer.endOfFrame();
        this.counts.framesEndedEarly += aus.length;
        this.deliver(aus);
      } else if (this.hints.mode === 'learning') {
        this.demuxer.expectEndOfFrame();
      }
    }
    this.updateHints();
  }

  private updateHints(): void {
    const d = this.demuxer.stats;
    this.hints.update(d.videoFrames, d.frameEndsConfirmed, d.frameEndsWrong);
  }

  private deliver(aus: readonly AccessUnit[]): void {
    if (aus.length > 0) {
      this.sources?.confirm(); // the locked source carries media: no longer a stray to replace
    }
    for (const au of aus) {
      this.count(au);
      this.onAccessUnit(au);
    }
  }

  private count(au: AccessUnit): void {
    const c = this.counts;
    c.accessUnits++;
    if (au.codec === 'H264' || au.codec === 'H265') {
      c.videoFrames++;
      if (au.codec !== this.videoCodec) {
        this.videoCodec = au.codec;
        this.emit({ type: 'codec', video: this.videoCodec, audio: this.audioCodec });
      }
      if (au.keyframe) {
        c.keyframes++;
        if (!this.seenKeyframe) {
          this.seenKeyframe = true;
          this.emit({ type: 'first-keyframe', at: new Date() });
        }
      }
    } else {
      c.audioFrames++;
      if (au.codec !== this.audioCodec) {
        this.audioCodec = au.codec;
        this.emit({ type: 'codec', video: this.videoCodec, audio: this.audioCodec });
      }
    }
  }

  private warn(key: string, fields: Record<string, unknown>, msg: string): void {
    this.throttle.warn(key, { ingest: this.label, ...fields }, msg);
  }
}
