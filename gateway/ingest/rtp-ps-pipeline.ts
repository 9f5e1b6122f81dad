// The transport-independent half of ingest (docs/architecture.md §2): one RTP packet at a time through
// parseRtp → SSRC guard → RtpReorderBuffer → PsDemuxer → onAccessUnit. No sockets, no timers:
// the UDP and TCP receivers feed it, IngestSession owns it. Never throws on input bytes. It
// keeps transport counters (packets, loss, SSRC, sources) and the demuxer's; what the media is
// (codec, frames, keyframes) is the hub's to say (gateway/hub/media-info.ts).
import type { AccessUnit } from '../../codecs/types.js';
import { isRtp, parseRtp } from '../../codecs/rtp/packet.js';
import { RtpReorderBuffer, type ReorderOutput } from '../../codecs/rtp/reorder.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import type { FrameBoundaryMode } from '../../codecs/ps/frame-boundary.js';
import { GAP } from '../../codecs/ps/ps-input.js';
import { createLogger } from '../log.js';
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
  /** Video access units whose PES carried no PTS (timed from RTP or their neighbours). */
  demuxUntimedAccessUnits: number;
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
  private readonly counts = { packets: 0, bytes: 0, nonRtp: 0, gaps: 0 };
  private seenRtp = false;
  private seenPack = false;
  private seenUntimed = false;

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
      demuxUntimedAccessUnits: d.untimedAccessUnits,
      frameHints: this.demuxer.frameHints,
      framesEndedEarly: d.framesEndedEarly,
      frameHintFailures: d.frameHintFailures,
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
    if (!this.seenRtp) {
      this.seenRtp = true;
      this.emit({
        type: 'first-rtp',
        address,
        port,
        ssrc: packet.ssrc,
        payloadType: packet.payloadType,
        at: new Date(),
      });
    }
    this.demux(this.reorder.push(packet));
  }

  /** TCP reconnect or SSRC switch: drain the reorder buffer and drop any partial access unit. */
  discontinuity(): void {
    this.demux(this.reorder.flush());
    this.deliver(this.demuxer.push(GAP));
  }

  /** End of stream: emit everything complete, including the last access unit. */
  flush(): void {
    this.demux(this.reorder.flush());
    this.deliver(this.demuxer.flush());
  }

  /**
   * Packets in sequence go to the demuxer as they are (payload, marker and timestamp: it ends
   * frames on them once they prove right); a hole goes as a gap.
   */
  private demux(outputs: readonly ReorderOutput[]): void {
    for (const out of outputs) {
      if (out.kind === 'gap') {
        this.counts.gaps++;
        this.deliver(this.demuxer.push(GAP));
        continue;
      }
      const aus = this.demuxer.push(out.packet);
      if (!this.seenPack && this.demuxer.stats.packs > 0) {
        this.seenPack = true;
        this.emit({ type: 'first-pack', at: new Date() });
      }
      this.deliver(aus);
    }
  }

  private deliver(aus: readonly AccessUnit[]): void {
    if (aus.length === 0) {
      return;
    }
    this.sources?.confirm(); // the locked source carries media: no longer a stray to replace
    if (!this.seenUntimed && this.demuxer.stats.untimedAccessUnits > 0) {
      this.seenUntimed = true;
      const rtp = this.demuxer.stats.rtpTimedAccessUnits > 0;
      this.emit({ type: 'pes-without-pts', timedBy: rtp ? 'rtp-timestamp' : 'neighbours' });
    }
    for (const au of aus) {
      this.onAccessUnit(au);
    }
  }

  private warn(key: string, fields: Record<string, unknown>, msg: string): void {
    this.throttle.warn(key, { ingest: this.label, ...fields }, msg);
  }
}
